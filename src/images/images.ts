import * as path from 'node:path';
import type Docker from 'dockerode';
import type { Logger } from '../logger';
import { AppError } from '../errors';
import { buildFailed, dockerBuild, LogTail } from './image-build';
import { ensureBase } from './image-base';
import { BASE_IMAGE, BASES, LESSON_IMAGES, mirrorPath, SANDBOX_BASE_IMAGE, SANDBOX_IMAGE, type LessonImage } from './image-catalog';
import { acquireImageLock } from './image-lock';
import { IMAGES_DIR } from './images-dir';
import { inspectorImageFor } from './inspector-image';
import { engineImageFor } from './engine-image';
import { ensureMirror, inspectMirror, MIRROR_CONTAINER, type MirrorState, type MirrorWanted, pushToMirror, registryManifest } from './image-mirror';
import { buildPackagesImage, ensurePackageSource, packageSourceReady, packagesImageFor } from './package-source';
import { baseCameFromHub, decideUpstream, mirrorProxyFor, type MirrorUpstreamOptions } from './mirror-proxy';
import { registryReachFor, type EngineHostRunner, type RegistryReach } from './registry-reach';

export { IMAGES_DIR } from './images-dir';
export { BASE_IMAGE, LESSON_IMAGES, mirrorPath, SANDBOX_BASE_IMAGE, SANDBOX_IMAGE, SANDBOX_MIRROR_ENV, SANDBOX_READY_FILE, type LessonImage } from './image-catalog';
export { MIRROR_CONTAINER, MIRROR_LABELS, MIRROR_PUSH_CONTAINER, MIRROR_VOLUME } from './image-mirror';

const REPO_ROOT = path.dirname(IMAGES_DIR);

export type BuildMode = 'auto' | 'online' | 'offline';

export interface EnsureImagesOptions {
  docker: Docker;
  log: Logger;
  onProgress?: (line: string) => void;
  /** Operator's mirror (SANDBOX_REGISTRY_MIRROR): then no built-in mirror and no lesson images. */
  registryMirror?: string;
  /** auto: Docker Hub's debian:bookworm-slim / trixie-slim if they pull quickly, else debootstrap. */
  mode?: BuildMode;
  /** Rootfs tarball cache and the build lock; default <repo>/.data/images. */
  cacheDir?: string;
  /** The engine's DOCKER_HOST: a remote engine's mirror API is reached through the engine (registry-reach.ts). */
  dockerHost?: string;
  /** Needed with a remote `dockerHost`: runs the mirror API requests from the engine host (registry-reach.ts). */
  runOnEngineHost?: EngineHostRunner;
  /**
   * MIRROR_UPSTREAM and its credentials: the read-only mirror as a pull-through cache. Default `auto`: Docker Hub
   * when this build's online decision found it (the Debian base was pulled from it, or `mode` is online).
   */
  mirrorUpstream?: MirrorUpstreamOptions;
}

export interface EnsureImagesResult {
  sandboxImage: string;
  /** The registry mirror URL to hand to each sandbox's nested engine (DOCKHAND_REGISTRY_MIRROR). */
  mirrorUrl: string;
  /** Images built by this call (empty when everything existed). */
  built: string[];
  /** name -> pushed to the mirror by this call. */
  pushed: string[];
  /**
   * Name learners type (e.g. `nginx:latest`) -> the manifest digest the mirror serves for it, which is exactly
   * what this bot built and pushed (recorded from the push, or read back when it was already there). Pin with
   * `<name>@<digest>`. Empty with an operator's mirror.
   */
  mirrorDigests: Record<string, string>;
  /** The upstream the built-in mirror caches (its URL, never credentials), or undefined when it serves the stand-ins offline. */
  cacheOf?: string;
}

const LABELS = { 'dockhand.app': 'dockhand' };

async function imageId(docker: Docker, ref: string): Promise<string | undefined> {
  try {
    return (await docker.getImage(ref).inspect()).Id;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return undefined;
    throw new AppError('DOCKER_UNAVAILABLE', `cannot inspect image ${ref}: ${(err as Error).message}`, { cause: err });
  }
}

interface Survey {
  sandboxMissing: boolean;
  lessonsMissing: LessonImage[];
  mirror?: MirrorState;
  stale: { image: LessonImage; name: string }[];
  digests: Record<string, string>;
  /** The package source (images/packages) runs its current image beside the current mirror. */
  packagesReady: boolean;
}

/** What is missing, without building anything: a few inspects and registry HEADs. */
async function survey(docker: Docker, withLessons: boolean, reach: RegistryReach, wanted: MirrorWanted): Promise<Survey> {
  const [sandboxId, lessonIds, mirror, packagesReady] = await Promise.all([
    imageId(docker, SANDBOX_IMAGE),
    withLessons ? Promise.all(LESSON_IMAGES.map((l) => imageId(docker, l.localImage))) : Promise.resolve([]),
    withLessons ? inspectMirror(docker, wanted) : Promise.resolve(undefined),
    withLessons ? packageSourceReady(docker, packagesImageFor(BASE_IMAGE), MIRROR_CONTAINER) : Promise.resolve(true),
  ]);
  const lessonsMissing = withLessons ? LESSON_IMAGES.filter((_, i) => !lessonIds[i]) : [];
  const stale: Survey['stale'] = [];
  const digests: Record<string, string> = {};
  if (withLessons && mirror) {
    const checks = LESSON_IMAGES.flatMap((image, i) =>
      image.names.map(async (name) => {
        const { repo, tag } = mirrorPath(name);
        const remote = await registryManifest(reach, mirror.pushHost, repo, tag).catch(() => undefined);
        if (!lessonIds[i] || remote?.imageId !== lessonIds[i] || !remote.digest) stale.push({ image, name });
        else digests[name] = remote.digest;
      }),
    );
    await Promise.all(checks);
  }
  return { sandboxMissing: !sandboxId, lessonsMissing, mirror, stale, digests, packagesReady };
}

/** How this process reaches the mirror's API: directly for a local engine, through a helper on a remote one. */
const reachOf = (o: EnsureImagesOptions) => registryReachFor(o.docker, { dockerHost: o.dockerHost, image: SANDBOX_IMAGE, logger: o.log, runOnEngineHost: o.runOnEngineHost });

/** The read-only mirror's mode: a pull-through cache of the upstream (online, or an operator's registry), or offline. */
async function mirrorWanted(o: EnsureImagesOptions): Promise<MirrorWanted> {
  const upstream = await decideUpstream(o.mirrorUpstream ?? {}, o.mode ?? 'auto', () => baseCameFromHub(o.docker, BASE_IMAGE));
  return { proxy: mirrorProxyFor(upstream, o.mirrorUpstream ?? {}) };
}

/**
 * Makes sure the sandbox image, the lesson images and the offline registry mirror exist; builds what is
 * missing (under a cross-process lock) and returns the sandbox image and the mirror URL for sandboxes.
 * Idempotent; with everything in place it only inspects.
 */
export async function ensureImages(opts: EnsureImagesOptions): Promise<EnsureImagesResult> {
  const { docker } = opts;
  const withLessons = !opts.registryMirror;
  const wanted = withLessons ? await mirrorWanted(opts) : {};
  const first = await survey(docker, withLessons, reachOf(opts), wanted);
  if (!first.sandboxMissing && first.lessonsMissing.length === 0 && (!withLessons || (first.mirror && first.stale.length === 0 && first.packagesReady))) {
    return { sandboxImage: SANDBOX_IMAGE, mirrorUrl: opts.registryMirror ?? first.mirror?.mirrorUrl ?? '', built: [], pushed: [], mirrorDigests: first.digests, cacheOf: wanted.proxy?.remoteurl };
  }

  const cacheDir = opts.cacheDir ?? path.join(REPO_ROOT, '.data', 'images');
  const progress = (line: string) => {
    opts.log.info({ step: line }, 'images');
    opts.onProgress?.(line);
  };
  const release = await acquireImageLock(path.join(cacheDir, 'build.lock'), {
    onWait: (owner) => progress(`waiting for ${owner}, which is building images...`),
  });
  try {
    return await build(opts, cacheDir, withLessons, progress);
  } finally {
    await release();
  }
}

async function build(
  opts: EnsureImagesOptions,
  cacheDir: string,
  withLessons: boolean,
  progress: (line: string) => void,
): Promise<EnsureImagesResult> {
  const { docker } = opts;
  const reach = reachOf(opts);
  // another process may have built things while we waited for the lock
  const surveyed = withLessons ? await mirrorWanted(opts) : {};
  const s = await survey(docker, withLessons, reach, surveyed);
  let cacheOf = surveyed.proxy?.remoteurl;
  const built: string[] = [];
  const pushed: string[] = [];
  const timed = async (label: string, fn: () => Promise<void>) => {
    const t0 = Date.now();
    progress(`${label}...`);
    await fn();
    progress(`${label.replace(/ \(.*\)$/, '')}: done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  };

  const baseOpts = { docker, mode: opts.mode ?? 'auto', cacheDir, progress, timed };
  if (s.sandboxMissing && !(await imageId(docker, SANDBOX_BASE_IMAGE))) {
    await ensureBase(BASES.trixie, baseOpts);
    built.push(SANDBOX_BASE_IMAGE);
  }
  const packagesImage = packagesImageFor(BASE_IMAGE);
  const packagesMissing = withLessons && !s.packagesReady && !(await imageId(docker, packagesImage));
  if ((s.lessonsMissing.length > 0 || packagesMissing) && !(await imageId(docker, BASE_IMAGE))) {
    await ensureBase(BASES.bookworm, baseOpts);
    built.push(BASE_IMAGE);
  }

  if (s.sandboxMissing) {
    const tail = new LogTail();
    await timed('building sandbox image (docker build of images/sandbox, ~1 min)', async () => {
      await dockerBuild(docker, {
        context: path.join(IMAGES_DIR, 'sandbox'),
        tag: SANDBOX_IMAGE,
        buildargs: { BASE: SANDBOX_BASE_IMAGE },
        labels: { ...LABELS, 'dockhand.image': 'sandbox' },
        timeoutMs: 15 * 60_000,
        tail,
      }).catch((err: unknown) => {
        throw buildFailed(`building ${SANDBOX_IMAGE}`, tail, err);
      });
    });
    built.push(SANDBOX_IMAGE);
  }

  if (!withLessons) return { sandboxImage: SANDBOX_IMAGE, mirrorUrl: opts.registryMirror ?? '', built, pushed, mirrorDigests: {} };

  for (const image of s.lessonsMissing) {
    if (image.id === 'debian') continue; // the base itself
    const tail = new LogTail();
    await timed(`building lesson image ${image.names[0]} (docker build of images/lessons/${image.id})`, async () => {
      await dockerBuild(docker, {
        context: path.join(IMAGES_DIR, 'lessons', image.id),
        tag: image.localImage,
        buildargs: { BASE: BASE_IMAGE },
        labels: { ...LABELS, 'dockhand.image': `lesson-${image.id}` },
        timeoutMs: 15 * 60_000,
        tail,
      }).catch((err: unknown) => {
        throw buildFailed(`building ${image.localImage} (${image.names[0]})`, tail, err);
      });
    });
    built.push(image.localImage);
  }

  const registry = LESSON_IMAGES.find((l) => l.id === 'registry');
  if (!registry) throw new AppError('IMAGE_BUILD_FAILED', 'no registry image defined');
  let mirror: MirrorState | undefined = s.mirror;
  if (!mirror) {
    // decided again: the base may have just been pulled from Docker Hub (the online build)
    const wanted = await mirrorWanted(opts);
    cacheOf = wanted.proxy?.remoteurl;
    progress(wanted.proxy ? `starting the registry mirror (dockhand-mirror) as a cache of ${wanted.proxy.remoteurl}...` : 'starting the offline registry mirror (dockhand-mirror)...');
    mirror = await ensureMirror(docker, registry.localImage, reach, wanted);
  }

  const ids = new Map<string, string | undefined>();
  const mirrorDigests: Record<string, string> = {};
  for (const image of LESSON_IMAGES) ids.set(image.id, await imageId(docker, image.localImage));
  for (const image of LESSON_IMAGES) {
    for (const name of image.names) {
      const { repo, tag } = mirrorPath(name);
      const remote = await registryManifest(reach, mirror.pushHost, repo, tag);
      if (remote?.digest && remote.imageId === ids.get(image.id)) {
        mirrorDigests[name] = remote.digest;
        continue;
      }
      const tail = new LogTail();
      await timed(`pushing ${name} to the mirror`, async () => {
        mirrorDigests[name] = await pushToMirror(docker, mirror.pushHost, image.localImage, repo, tag, tail).catch((err: unknown) => {
          throw buildFailed(`pushing ${name} to ${mirror.pushHost}`, tail, err);
        });
      });
      pushed.push(name);
    }
  }
  if (packagesMissing) {
    await timed('building the package source (images/packages: Debian packages and Python wheels, ~1 min)', async () => {
      await buildPackagesImage(docker, { baseImage: BASE_IMAGE, cacheDir });
    });
    built.push(packagesImage);
  }
  // beside the mirror, in its network namespace: started, adopted, or replaced when the mirror was
  if (!(await packageSourceReady(docker, packagesImage, MIRROR_CONTAINER))) await ensurePackageSource(docker, packagesImage, MIRROR_CONTAINER);
  return { sandboxImage: SANDBOX_IMAGE, mirrorUrl: mirror.mirrorUrl, built, pushed, mirrorDigests, cacheOf };
}

/**
 * Removes Dockhand's own images whose build inputs changed (older hash tags): only the names this module
 * builds (dockhand/base, dockhand/base-trixie, dockhand/sandbox, dockhand/inspector, dockhand/engine, dockhand/packages, dockhand/lesson-*), never forced, so images still used by a
 * container stay. Returns the removed tags.
 */
export async function pruneOldImages(docker: Docker): Promise<string[]> {
  const current = new Set([BASE_IMAGE, SANDBOX_BASE_IMAGE, SANDBOX_IMAGE, inspectorImageFor(SANDBOX_IMAGE), engineImageFor(SANDBOX_IMAGE), packagesImageFor(BASE_IMAGE), ...LESSON_IMAGES.map((l) => l.localImage)]);
  const images = await docker.listImages({ filters: JSON.stringify({ label: ['dockhand.app=dockhand'] }) } as Docker.ListImagesOptions);
  // inspector and engine images are children of sandbox images: they go first, or their parents could not be removed
  const isChild = (i: Docker.ImageInfo) => (i.RepoTags ?? []).some((t) => /^dockhand\/(inspector|engine):/.test(t));
  images.sort((a, b) => Number(isChild(b)) - Number(isChild(a)));
  const removed: string[] = [];
  for (const image of images) {
    for (const tag of image.RepoTags ?? []) {
      if (!/^dockhand\/(base|base-trixie|sandbox|inspector|engine|packages|lesson-[a-z0-9-]+):[0-9a-f]{12}$/.test(tag) || current.has(tag)) continue;
      try {
        await docker.getImage(tag).remove();
        removed.push(tag);
      } catch {
        // in use by a container, or already gone
      }
    }
  }
  return removed;
}

import { createHash } from 'node:crypto';
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type Docker from 'dockerode';
import { AppError } from '../errors';
import { buildFailed, followDockerStream, hostDebianMirrors, importTarball, LogTail, removeRootfs, runCommand, splitRef, withTimeout } from './image-build';

/**
 * The local Debian bases everything is built FROM: debootstrapped offline (cached as a tarball), or Docker Hub's
 * slim image online. Two suites: bookworm for the lesson images the mirror serves, trixie for the sandbox (Docker 26,
 * Compose v2, buildx). Each tag hashes its own recipe, so changing one never retags the other.
 */
export interface DebianBase {
  suite: 'bookworm' | 'trixie';
  /** dockhand/base:<hash> or dockhand/base-trixie:<hash> */
  image: string;
  hash: string;
  /** Docker Hub's equivalent, used when it pulls (online build). */
  hubImage: string;
  /** Scripts run on the rootfs after debootstrap, each with ROOTFS MIRROR SECURITY appended. */
  finalize: string[][];
  /** Cached tarball name prefix and the dockhand.image label. */
  name: string;
}

const shortHash = (...parts: string[]) => createHash('sha256').update(parts.join('\0\0\0')).digest('hex').slice(0, 12);

export function debianBases(imagesDir: string): { bookworm: DebianBase; trixie: DebianBase } {
  const finalize = path.join(imagesDir, 'base', 'finalize.sh');
  const suiteScript = path.join(imagesDir, 'base', 'finalize-suite.sh');
  // The bookworm recipe is exactly what it was before trixie existed: its hash (and every lesson image's) stays put.
  const bookwormHash = shortHash(`debootstrap --variant=minbase bookworm\n${readFileSync(finalize, 'utf8')}`);
  const trixieHash = shortHash(`debootstrap --variant=minbase trixie\n${readFileSync(finalize, 'utf8')}`, readFileSync(suiteScript, 'utf8'));
  return {
    bookworm: {
      suite: 'bookworm',
      image: `dockhand/base:${bookwormHash}`,
      hash: bookwormHash,
      hubImage: 'debian:bookworm-slim',
      finalize: [[finalize]],
      name: 'base',
    },
    trixie: {
      suite: 'trixie',
      image: `dockhand/base-trixie:${trixieHash}`,
      hash: trixieHash,
      hubImage: 'debian:trixie-slim',
      // finalize.sh writes bookworm's apt sources; finalize-suite.sh points them at trixie
      finalize: [[finalize], [suiteScript, 'trixie']],
      name: 'base-trixie',
    },
  };
}

export interface EnsureBaseOptions {
  docker: Docker;
  mode: 'auto' | 'online' | 'offline';
  cacheDir: string;
  progress: (line: string) => void;
  timed: (label: string, fn: () => Promise<void>) => Promise<void>;
}

const IMAGE_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

async function tryPullBase(base: DebianBase, o: EnsureBaseOptions): Promise<boolean> {
  const tail = new LogTail();
  try {
    await withTimeout(`docker pull ${base.hubImage}`, 90_000, async (signal) => {
      const stream = await o.docker.pull(base.hubImage, { abortSignal: signal });
      await followDockerStream(o.docker, stream, tail);
    });
    const [repo, tag] = splitRef(base.image);
    await o.docker.getImage(base.hubImage).tag({ repo, tag });
    return true;
  } catch (err) {
    o.progress(`no registry reachable (${(err as Error).message.split('\n')[0]}); building offline`);
    return false;
  }
}

/** Makes `base.image` exist: pulled online, or debootstrapped (tarball cached in cacheDir) and imported. */
export async function ensureBase(base: DebianBase, o: EnsureBaseOptions): Promise<void> {
  if (o.mode !== 'offline') {
    if (await tryPullBase(base, o)) {
      o.progress(`${base.name} image: pulled ${base.hubImage} (online build)`);
      return;
    }
    if (o.mode === 'online') throw new AppError('IMAGE_PULL_FAILED', `online build requested but ${base.hubImage} cannot be pulled`);
  }
  const tarFile = path.join(o.cacheDir, `${base.name}-${base.hash}.tar`);
  if (!existsSync(tarFile)) await debootstrapTarball(base, tarFile, o);
  const tail = new LogTail();
  await o.timed(`importing the ${base.suite} rootfs (docker import)`, async () => {
    await importTarball(
      o.docker,
      tarFile,
      base.image,
      ['CMD ["bash"]', `ENV ${IMAGE_PATH}`, 'LABEL dockhand.app=dockhand', `LABEL dockhand.image=${base.name}`],
      tail,
    ).catch((err: unknown) => {
      throw buildFailed(`docker import ${base.image}`, tail, err);
    });
  });
}

async function debootstrapTarball(base: DebianBase, tarFile: string, o: EnsureBaseOptions): Promise<void> {
  if (process.getuid?.() !== 0) {
    throw new AppError('IMAGE_BUILD_UNAVAILABLE', 'the offline image build needs root (debootstrap); run `npm run images` as root once');
  }
  const tail = new LogTail();
  const { mirror, security } = hostDebianMirrors();
  const rootfs = path.join(o.cacheDir, `rootfs-${base.name}-${base.hash}`);
  await o.timed(`building ${base.name} image (debootstrap ${base.suite} minbase from ${mirror}, ~1 min)`, async () => {
    try {
      await fs.mkdir(o.cacheDir, { recursive: true });
      await removeRootfs(rootfs);
      await runCommand('debootstrap', ['--variant=minbase', base.suite, rootfs, mirror], { tail, timeoutMs: 20 * 60_000 });
      for (const [script, ...extra] of base.finalize) {
        await runCommand('sh', [script!, rootfs, mirror, security, ...extra], { tail, timeoutMs: 60_000 });
      }
      await runCommand('tar', ['--numeric-owner', '-C', rootfs, '-cf', `${tarFile}.part`, '.'], { tail, timeoutMs: 5 * 60_000 });
      await fs.rename(`${tarFile}.part`, tarFile);
    } catch (err) {
      await fs.rm(`${tarFile}.part`, { force: true });
      const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
      if (missing) throw new AppError('IMAGE_BUILD_UNAVAILABLE', 'debootstrap is not installed (apt-get install debootstrap)', { cause: err });
      throw buildFailed(`building the Debian ${base.suite} base (debootstrap)`, tail, err);
    } finally {
      await removeRootfs(rootfs);
    }
  });
  // older tarballs of this base are never reused (the other suite's stay)
  const own = new RegExp(`^${base.name}-[0-9a-f]+\\.tar$`);
  for (const f of await fs.readdir(o.cacheDir)) {
    if (own.test(f) && f !== path.basename(tarFile)) await fs.rm(path.join(o.cacheDir, f), { force: true });
  }
}

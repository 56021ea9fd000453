import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type Docker from 'dockerode';
import { AppError } from '../errors';
import { buildFailed, dockerBuild, folderFingerprint, LogTail, runCommand } from './image-build';
import { IMAGES_DIR } from './images-dir';

/**
 * The package source: a Debian repository and a PEP 503 Python index, served read-only by nginx from one image
 * (images/packages). Its container shares the read-only mirror's network namespace, so it answers on the mirror's
 * address on every sandbox network (port 80; the registry keeps 5000) and reaches exactly what the mirror reaches:
 * no network of its own, no firewall rule, and it joins and leaves sandbox networks with the mirror.
 */
export const PACKAGES_CONTAINER = 'dockhand-packages';
export const PACKAGES_LABELS = { 'dockhand.app': 'dockhand', 'dockhand.role': 'packages' } as const;
/** The mirror container (its ID) whose network namespace the package source joined: a new mirror means a new one. */
export const LABEL_PACKAGES_MIRROR = 'dockhand.packages-mirror';
/** The name the stand-in images' apt sources and pip.conf use; the sandbox's resolver answers it (entrypoint.sh). */
export const PACKAGES_HOST = 'packages.dockhand.internal';

const PACKAGES_DIR = path.join(IMAGES_DIR, 'packages');
const shortHash = (...parts: string[]) => createHash('sha256').update(parts.join('\0\0\0')).digest('hex').slice(0, 12);

/** The package source's image for a given base: its tag hashes the base and the folder (package lists included). */
export function packagesImageFor(baseImage: string): string {
  return `dockhand/packages:${shortHash(baseImage, folderFingerprint(PACKAGES_DIR))}`;
}

/** pip's names for the engine's architecture (wheels with compiled code must match the sandbox's). */
function wheelPlatform(arch: string): string {
  if (arch === 'aarch64' || arch === 'arm64') return 'manylinux2014_aarch64';
  return 'manylinux2014_x86_64';
}

/**
 * The wheels of images/packages/requirements.txt (with their dependencies) for CPython 3.11, fetched by this
 * machine's own pip, so its index configuration (pip.conf, PIP_INDEX_URL and the like) decides where they come from.
 */
export async function downloadWheels(dest: string, arch: string, tail: LogTail, python = process.env.DOCKHAND_PYTHON ?? 'python3'): Promise<void> {
  await fs.mkdir(dest, { recursive: true });
  const args = ['-m', 'pip', 'download', '--disable-pip-version-check', '--retries', '1', '--only-binary=:all:', '--implementation', 'cp', '--python-version', '3.11', '--abi', 'cp311'];
  args.push('--platform', wheelPlatform(arch), '-r', path.join(PACKAGES_DIR, 'requirements.txt'), '-d', dest);
  await runCommand(python, args, { tail, timeoutMs: 10 * 60_000 }).catch((err: unknown) => {
    throw buildFailed(`downloading the course's wheels with ${python} -m pip (the package source needs pip on this host, using its configured index)`, tail, err);
  });
}

/** Builds the package source's image: a copy of images/packages plus the wheels, as the build context. */
export async function buildPackagesImage(docker: Docker, o: { baseImage: string; cacheDir: string }): Promise<string> {
  const tag = packagesImageFor(o.baseImage);
  const context = path.join(o.cacheDir, `packages-context-${process.pid}`);
  const tail = new LogTail();
  await fs.rm(context, { recursive: true, force: true });
  try {
    await fs.cp(PACKAGES_DIR, context, { recursive: true });
    const arch = (await docker.info()) as { Architecture?: string };
    await downloadWheels(path.join(context, 'wheels'), arch.Architecture ?? 'x86_64', tail);
    await dockerBuild(docker, {
      context,
      tag,
      buildargs: { BASE: o.baseImage },
      labels: { 'dockhand.app': 'dockhand', 'dockhand.image': 'packages' },
      timeoutMs: 15 * 60_000,
      tail,
    }).catch((err: unknown) => {
      throw buildFailed(`building ${tag}`, tail, err);
    });
  } finally {
    await fs.rm(context, { recursive: true, force: true });
  }
  return tag;
}

const isStatus = (err: unknown, code: number) => (err as { statusCode?: number }).statusCode === code;

async function inspectOrUndefined(docker: Docker, name: string): Promise<Docker.ContainerInspectInfo | undefined> {
  try {
    return await docker.getContainer(name).inspect();
  } catch (err) {
    if (isStatus(err, 404)) return undefined;
    throw err;
  }
}

/** Whether the package source runs `image` inside the current `mirrorContainer`'s network namespace. */
export async function packageSourceReady(docker: Docker, image: string, mirrorContainer: string, name = PACKAGES_CONTAINER): Promise<boolean> {
  const [pkg, mirror] = await Promise.all([inspectOrUndefined(docker, name), inspectOrUndefined(docker, mirrorContainer)]);
  if (!pkg || !mirror) return false;
  return pkg.State.Running && pkg.Config.Image === image && pkg.Config.Labels?.[LABEL_PACKAGES_MIRROR] === mirror.Id;
}

/**
 * Starts (or adopts) the package source in the mirror's network namespace. One of another image, or of a mirror
 * since replaced (whose namespace is gone), is replaced; a stopped one is started. Read-only root filesystem; nginx
 * writes only its temp files and pid to tmpfs.
 */
export async function ensurePackageSource(docker: Docker, image: string, mirrorContainer: string, name = PACKAGES_CONTAINER): Promise<void> {
  const mirror = await docker.getContainer(mirrorContainer).inspect();
  const info = await inspectOrUndefined(docker, name);
  if (info && (info.Config.Labels?.['dockhand.role'] !== PACKAGES_LABELS['dockhand.role'] || info.Config.Labels?.['dockhand.app'] !== 'dockhand')) {
    throw new AppError('MIRROR_NAME_TAKEN', `a container named ${name} exists but is not Dockhand's package source; rename or remove it`);
  }
  let create = !info;
  if (info && (info.Config.Image !== image || info.Config.Labels?.[LABEL_PACKAGES_MIRROR] !== mirror.Id)) {
    await docker.getContainer(name).remove({ force: true }).catch((err: unknown) => {
      if (!isStatus(err, 404)) throw err;
    });
    create = true;
  }
  if (create) {
    await docker
      .createContainer({
        name,
        Image: image,
        Labels: { ...PACKAGES_LABELS, [LABEL_PACKAGES_MIRROR]: mirror.Id },
        HostConfig: {
          NetworkMode: `container:${mirror.Id}`,
          ReadonlyRootfs: true,
          Tmpfs: { '/run': 'rw,noexec,nosuid,size=1m', '/var/lib/nginx': 'rw,noexec,nosuid,size=16m' },
          RestartPolicy: { Name: 'unless-stopped' },
          Memory: 64 * 1024 * 1024,
          CapDrop: ['ALL'],
          CapAdd: ['CHOWN', 'SETUID', 'SETGID', 'NET_BIND_SERVICE', 'DAC_OVERRIDE'],
          SecurityOpt: ['no-new-privileges'],
        },
      })
      .catch((err: unknown) => {
        // another process created it between our inspect and create
        if (!isStatus(err, 409)) throw err;
      });
  }
  await docker
    .getContainer(name)
    .start()
    .catch((err: unknown) => {
      if (!isStatus(err, 304)) throw err;
    });
}

import { createHash } from 'node:crypto';
import * as path from 'node:path';
import type Docker from 'dockerode';
import { AppError } from '../errors';
import { buildFailed, dockerBuild, folderFingerprint, LogTail } from './image-build';
import { IMAGES_DIR } from './images-dir';

const inspectorDir = () => path.join(IMAGES_DIR, 'inspector');

/** The inspector image for a sandbox image: its tag hashes both, so either changing gives a new one. */
export function inspectorImageFor(sandboxImage: string): string {
  const hash = createHash('sha256').update(`${sandboxImage}\0\0\0${folderFingerprint(inspectorDir())}`).digest('hex').slice(0, 12);
  return `dockhand/inspector:${hash}`;
}

const building = new Map<string, Promise<string>>();

/**
 * Builds images/inspector FROM the sandbox image when it is missing (one small layer, offline: no package is
 * fetched); once per process and tag. Concurrent builds by other processes give the same content.
 */
export function ensureInspectorImage(docker: Docker, sandboxImage: string): Promise<string> {
  const tag = inspectorImageFor(sandboxImage);
  let p = building.get(tag);
  if (!p) {
    p = build(docker, sandboxImage, tag).catch((err: unknown) => {
      building.delete(tag);
      throw err;
    });
    building.set(tag, p);
  }
  return p;
}

/** After the image vanished (pruned while the bot runs): the next ensure builds it again. */
export function forgetInspectorImage(tag: string): void {
  building.delete(tag);
}

async function build(docker: Docker, sandboxImage: string, tag: string): Promise<string> {
  try {
    await docker.getImage(tag).inspect();
    return tag;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode !== 404) throw new AppError('DOCKER_UNAVAILABLE', `cannot inspect image ${tag}`, { cause: err });
  }
  const tail = new LogTail();
  await dockerBuild(docker, {
    context: inspectorDir(),
    tag,
    buildargs: { SANDBOX: sandboxImage },
    labels: { 'dockhand.app': 'dockhand', 'dockhand.image': 'inspector' },
    timeoutMs: 5 * 60_000,
    tail,
  }).catch((err: unknown) => {
    throw buildFailed(`building ${tag}`, tail, err);
  });
  return tag;
}

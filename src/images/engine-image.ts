import { createHash } from 'node:crypto';
import * as path from 'node:path';
import type Docker from 'dockerode';
import { AppError } from '../errors';
import { buildFailed, dockerBuild, folderFingerprint, LogTail } from './image-build';
import { SANDBOX_IMAGE } from './image-catalog';
import { IMAGES_DIR } from './images-dir';

const engineDir = () => path.join(IMAGES_DIR, 'engine');

/**
 * The offline stand-in for compose.yaml's `docker:27-dind` engine (DOCKHAND_ENGINE_IMAGE): images/engine FROM the
 * sandbox image, so its tag hashes both and either changing gives a new one.
 */
export function engineImageFor(sandboxImage: string = SANDBOX_IMAGE): string {
  const hash = createHash('sha256').update(`${sandboxImage}\0\0\0${folderFingerprint(engineDir())}`).digest('hex').slice(0, 12);
  return `dockhand/engine:${hash}`;
}

/** Builds the engine image on `docker` when missing (one small offline layer on the sandbox image); returns its tag. */
export async function ensureEngineImage(docker: Docker, sandboxImage: string = SANDBOX_IMAGE): Promise<string> {
  const tag = engineImageFor(sandboxImage);
  try {
    await docker.getImage(tag).inspect();
    return tag;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode !== 404) throw new AppError('DOCKER_UNAVAILABLE', `cannot inspect image ${tag}`, { cause: err });
  }
  const tail = new LogTail();
  await dockerBuild(docker, {
    context: engineDir(),
    tag,
    buildargs: { SANDBOX: sandboxImage },
    labels: { 'dockhand.app': 'dockhand', 'dockhand.image': 'engine' },
    timeoutMs: 5 * 60_000,
    tail,
  }).catch((err: unknown) => {
    throw buildFailed(`building ${tag}`, tail, err);
  });
  return tag;
}

import { createHash } from 'node:crypto';
import * as path from 'node:path';
import type Docker from 'dockerode';
import { AppError } from '../errors';
import { buildFailed, dockerBuild, folderFingerprint, LogTail } from './image-build';
import { IMAGES_DIR } from './images-dir';

/**
 * Images built FROM the sandbox image out of one folder of images/ (the inspector, the compose engine): one small
 * offline layer each, tagged by a hash of the sandbox tag and the folder, so either changing gives a new one.
 */
export function sandboxDerivedTag(folder: string, sandboxImage: string): string {
  const hash = createHash('sha256').update(`${sandboxImage}\0\0\0${folderFingerprint(path.join(IMAGES_DIR, folder))}`).digest('hex').slice(0, 12);
  return `dockhand/${folder}:${hash}`;
}

/** Builds images/<folder> FROM `sandboxImage` as `tag` unless the engine has it; resolves to the tag. */
export async function buildSandboxDerived(docker: Docker, folder: string, sandboxImage: string, tag: string): Promise<string> {
  try {
    await docker.getImage(tag).inspect();
    return tag;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode !== 404) throw new AppError('DOCKER_UNAVAILABLE', `cannot inspect image ${tag}`, { cause: err });
  }
  const tail = new LogTail();
  await dockerBuild(docker, {
    context: path.join(IMAGES_DIR, folder),
    tag,
    buildargs: { SANDBOX: sandboxImage },
    labels: { 'dockhand.app': 'dockhand', 'dockhand.image': folder },
    timeoutMs: 5 * 60_000,
    tail,
  }).catch((err: unknown) => {
    throw buildFailed(`building ${tag}`, tail, err);
  });
  return tag;
}

import type Docker from 'dockerode';
import { SANDBOX_IMAGE } from './image-catalog';
import { buildSandboxDerived, sandboxDerivedTag } from './sandbox-derived-image';

/**
 * The offline stand-in for compose.yaml's `docker:27-dind` engine (DOCKHAND_ENGINE_IMAGE): images/engine FROM the
 * sandbox image, so its tag hashes both and either changing gives a new one.
 */
export function engineImageFor(sandboxImage: string = SANDBOX_IMAGE): string {
  return sandboxDerivedTag('engine', sandboxImage);
}

/** Builds the engine image on `docker` when missing (one small offline layer on the sandbox image); returns its tag. */
export function ensureEngineImage(docker: Docker, sandboxImage: string = SANDBOX_IMAGE): Promise<string> {
  return buildSandboxDerived(docker, 'engine', sandboxImage, engineImageFor(sandboxImage));
}

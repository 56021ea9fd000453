import type Docker from 'dockerode';
import { buildSandboxDerived, sandboxDerivedTag } from './sandbox-derived-image';

/** The inspector image for a sandbox image: its tag hashes both, so either changing gives a new one. */
export function inspectorImageFor(sandboxImage: string): string {
  return sandboxDerivedTag('inspector', sandboxImage);
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
    p = buildSandboxDerived(docker, 'inspector', sandboxImage, tag).catch((err: unknown) => {
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

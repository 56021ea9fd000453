/**
 * The images layer's front door: the sandbox, lesson and inspector images, the offline registry mirror and the
 * pruning of outdated tags. It knows nothing of sandboxes, lessons, Slack or the database; the sandbox layer
 * builds on it (never the other way round).
 */
import { MIRROR_CONTAINER } from './image-mirror';

export {
  BASE_IMAGE,
  ensureImages,
  IMAGES_DIR,
  LESSON_IMAGES,
  MIRROR_LABELS,
  MIRROR_PUSH_CONTAINER,
  MIRROR_VOLUME,
  pruneOldImages,
  SANDBOX_BASE_IMAGE,
  SANDBOX_IMAGE,
  type BuildMode,
  type EnsureImagesOptions,
  type EnsureImagesResult,
  type LessonImage,
} from './images';
export { MIRROR_CONTAINER };
export { ensureInspectorImage, forgetInspectorImage, inspectorImageFor } from './inspector-image';
export { engineImageFor, ensureEngineImage } from './engine-image';
export type { EngineHostRunner } from './registry-reach';

/**
 * The mirror decision: sandboxes join the built-in read-only mirror's container unless the operator brought a
 * mirror of their own (SANDBOX_REGISTRY_MIRROR).
 */
export function mirrorContainerFor(registryMirror: string | undefined): string | undefined {
  return registryMirror ? undefined : MIRROR_CONTAINER;
}

import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { debianBases } from './image-base';
import { folderFingerprint, splitRef } from './image-build';
import { IMAGES_DIR } from './images-dir';

// What Dockhand builds and under which names: tags hash the build inputs, so an edit gives a new tag.

/** The sandbox entrypoint reads these (see images/sandbox/entrypoint.sh). */
export const SANDBOX_MIRROR_ENV = 'DOCKHAND_REGISTRY_MIRROR';
export const SANDBOX_READY_FILE = '/run/dockhand/ready';

const shortHash = (...parts: string[]) => createHash('sha256').update(parts.join('\0\0\0')).digest('hex').slice(0, 12);

/** The two Debian bases (bookworm for lesson images, trixie for the sandbox image) and how each is built. */
export const BASES = debianBases(IMAGES_DIR);
const BASE_HASH = BASES.bookworm.hash;

/** The bookworm base the lesson images are built FROM (debootstrapped offline, or Docker Hub's debian:bookworm-slim). */
export const BASE_IMAGE = BASES.bookworm.image;
/** The trixie base of the sandbox image (Docker 26, Compose v2, buildx); its own tag, so lesson images never move with it. */
export const SANDBOX_BASE_IMAGE = BASES.trixie.image;
/** The sandbox image; its tag is a hash of its build inputs, so an edit rebuilds and an unchanged one is reused. */
export const SANDBOX_IMAGE = `dockhand/sandbox:${shortHash(BASES.trixie.hash, folderFingerprint(path.join(IMAGES_DIR, 'sandbox')))}`;

export interface LessonImage {
  /** Folder under images/lessons/, or 'debian' for the base itself. */
  id: string;
  /** Names learners type inside a sandbox, served by the mirror. */
  names: string[];
  /** Where the host engine keeps it. */
  localImage: string;
}

const lessonImage = (id: string, names: string[]): LessonImage => ({
  id,
  names,
  localImage:
    id === 'debian' ? BASE_IMAGE : `dockhand/lesson-${id}:${shortHash(BASE_HASH, folderFingerprint(path.join(IMAGES_DIR, 'lessons', id)))}`,
});

/** Offline images, built locally from Debian packages under well-known names. `registry` comes first: the mirror runs it. */
export const LESSON_IMAGES: readonly LessonImage[] = [
  lessonImage('registry', ['registry:2', 'registry:latest']),
  lessonImage('debian', ['debian:bookworm-slim', 'debian:bookworm', 'debian:12', 'debian:latest']),
  lessonImage('busybox', ['busybox:latest']),
  lessonImage('hello-world', ['hello-world:latest']),
  lessonImage('nginx', ['nginx:latest']),
  lessonImage('python', ['python:3.11-slim', 'python:3.11', 'python:3-slim', 'python:3']),
  lessonImage('ml', ['dockhand/ml:latest']),
  // stand-ins for images imported Killercoda scenarios use (src/lessons/import/image-mapping.ts), each under names
  // that say what it is: Debian bookworm packages, not Alpine
  lessonImage('nginx-alpine', ['nginx:alpine']),
  lessonImage('bash', ['bash:latest', 'bash:5', 'bash:5.2']),
  lessonImage('python-pip', ['python:3.11-bookworm', 'python:3-bookworm']),
  lessonImage('postgres', ['postgres:15', 'postgres:15-bookworm']),
  lessonImage('redis', ['redis:7.0', 'redis:7.0-bookworm']),
];

/** registry path for a Docker Hub name: nginx:latest -> library/nginx, latest */
export function mirrorPath(name: string): { repo: string; tag: string } {
  const [repo, tag] = splitRef(name);
  return { repo: repo.includes('/') ? repo : `library/${repo}`, tag };
}


/**
 * Which paths the playground's editor may touch in a learner's sandbox, checked before anything reaches the
 * sandbox: the learner's home and the folders lessons work in (the sandbox keeps them on its capped disk). The
 * check is on the text only; the sandbox resolves symlinks itself, inside the sandbox (see src/sandbox/files/).
 */

export const HOME = '/root';
export const FILE_ROOTS = [HOME, '/home', '/srv', '/opt', '/tmp'] as const;

/** A path as long as this is refused (bytes); one name at most NAME_MAX bytes, like the kernel's. */
export const MAX_PATH_BYTES = 1024;
export const NAME_MAX_BYTES = 255;

export type PathCheck = { path: string } | { error: string };

const ROOT_LIST = '~, /home, /srv, /opt and /tmp';

/**
 * The absolute path the learner means (`~` and `~/x` are their home), or why it is refused: not a string, empty,
 * too long, a NUL or other control character, relative, `.`/`..` or an empty segment, outside the roots, or (unless
 * `allowRoot`) one of the roots itself (a root can be listed, never renamed, deleted or written over).
 */
export function checkPath(raw: unknown, opts: { allowRoot?: boolean } = {}): PathCheck {
  if (typeof raw !== 'string' || raw === '') return { error: 'Give a path, e.g. ~/app/Dockerfile.' };
  if (raw.length > MAX_PATH_BYTES || Buffer.byteLength(raw) > MAX_PATH_BYTES) return { error: `That path is too long (at most ${MAX_PATH_BYTES} bytes).` };
  if (raw.includes('\0')) return { error: 'A path cannot contain a NUL byte.' };
  // eslint-disable-next-line no-control-regex -- refusing control characters is the point
  if (/[\x01-\x1f\x7f]/.test(raw)) return { error: 'A path cannot contain control characters (tabs, new lines...).' };
  let p = raw === '~' ? HOME : raw.startsWith('~/') ? HOME + raw.slice(1) : raw;
  if (!p.startsWith('/')) return { error: 'Paths start with / or ~/ (e.g. ~/app/Dockerfile).' };
  if (p.length > 1 && p.endsWith('/')) p = p.slice(0, -1);
  if (p === '/') return { error: `Only files under ${ROOT_LIST} can be opened here.` };
  const parts = p.split('/').slice(1);
  if (parts.some((s) => s === '')) return { error: 'A path cannot contain an empty name (//).' };
  if (parts.some((s) => s === '.' || s === '..')) return { error: 'A path cannot contain . or .. (write the full path instead).' };
  if (parts.some((s) => Buffer.byteLength(s) > NAME_MAX_BYTES)) return { error: `A file or folder name is at most ${NAME_MAX_BYTES} bytes.` };
  const root = FILE_ROOTS.find((r) => p === r || p.startsWith(`${r}/`));
  if (!root) return { error: `Only files under ${ROOT_LIST} can be opened here.` };
  if (p === root && !opts.allowRoot) return { error: `${display(p)} is a top folder: choose a file or folder inside it.` };
  return { path: p };
}

/** A path as the learner writes it (~ for their home). */
export function display(path: string): string {
  return path === HOME ? '~' : path.startsWith(`${HOME}/`) ? `~${path.slice(HOME.length)}` : path;
}

/** The folder holding a checked path. */
export function parentOf(path: string): string {
  return path.slice(0, path.lastIndexOf('/')) || '/';
}

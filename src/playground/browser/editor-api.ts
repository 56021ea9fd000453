import { sessionUrl } from './session-url';

/** The editor's calls to the playground's /api/files routes (same origin, the session cookie goes along). */

export interface FileEntry {
  name: string;
  type: 'file' | 'dir' | 'link' | 'other';
  target?: 'file' | 'dir' | 'other' | 'broken';
  size: number;
}

export interface Answer<T> {
  ok: boolean;
  status: number;
  body: T & { error?: string; problem?: string; size?: number };
}

export interface Roots {
  roots: string[];
  home: string;
  limits: { uploadBytes: number; openBytes: number; downloadBytes: number };
}

const q = (p: string) => encodeURIComponent(p);

async function call<T>(method: string, path: string, body?: BodyInit): Promise<Answer<T>> {
  const res = await fetch(sessionUrl(path), { method, credentials: 'same-origin', body, headers: body === undefined ? {} : { 'Content-Type': 'application/octet-stream' } });
  const json = (await res.json().catch(() => ({ error: res.status === 413 ? 'That file is too big.' : 'Something went wrong; try again.' }))) as Answer<T>['body'];
  return { ok: res.ok, status: res.status, body: json };
}

export const filesApi = {
  roots: () => call<Roots>('GET', '/api/files/roots'),
  list: (dir: string) => call<{ path: string; entries: FileEntry[]; truncated: boolean }>('GET', `/api/files/list?path=${q(dir)}`),
  read: (path: string) => call<{ path: string; size: number; text?: string; binary?: boolean }>('GET', `/api/files/read?path=${q(path)}`),
  write: (path: string, body: BodyInit, o: { mode: 'create' | 'replace'; parents?: boolean }) =>
    call<{ path: string }>('PUT', `/api/files/write?path=${q(path)}&mode=${o.mode}${o.parents ? '&parents=1' : ''}`, body),
  mkdir: (path: string) => call<{ path: string }>('POST', `/api/files/mkdir?path=${q(path)}`),
  rename: (from: string, to: string) => call<{ from: string; to: string }>('POST', `/api/files/rename?from=${q(from)}&to=${q(to)}`),
  remove: (path: string) => call<{ path: string }>('DELETE', `/api/files/remove?path=${q(path)}`),
  downloadUrl: (path: string) => sessionUrl(`/api/files/download?path=${q(path)}`),
};

/** A path as the learner writes it (~ for the home). */
export const shown = (path: string, home = '/root') => (path === home ? '~' : path.startsWith(`${home}/`) ? `~${path.slice(home.length)}` : path);

export const parentOf = (path: string) => path.slice(0, path.lastIndexOf('/')) || '/';

export const nameOf = (path: string) => path.slice(path.lastIndexOf('/') + 1);

/** What the learner typed as a name or path, made absolute: `~/x` and `/x` as they are, a bare name inside `dir`. */
export function resolveName(typed: string, dir: string, home = '/root'): string {
  const t = typed.trim();
  if (t === '~' || t.startsWith('~/')) return home + t.slice(1);
  if (t.startsWith('/')) return t;
  return `${dir}/${t}`;
}

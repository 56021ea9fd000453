import type { Readable, Writable } from 'node:stream';
import type { Logger } from '../../logger';
import type { PlaygroundLearner } from '../learner-tokens';
import type { PlaygroundRoute, RouteContext } from '../playground-server';
import { checkPath, display, FILE_ROOTS, HOME, type PathCheck } from './file-paths';

export interface FileEntry {
  name: string;
  type: 'file' | 'dir' | 'link' | 'other';
  target?: 'file' | 'dir' | 'other' | 'broken';
  size: number;
}

/** One learner's files in their sandbox (the sandbox layer's, handed over by the composition root). */
export interface LearnerFiles {
  list(dir: string, maxEntries: number): Promise<{ entries: FileEntry[]; truncated: boolean }>;
  stat(path: string): Promise<{ type: 'file' | 'dir' | 'other'; size: number }>;
  read(path: string, maxBytes: number): Promise<Buffer>;
  download(path: string, maxBytes: number, into: Writable): Promise<number>;
  write(path: string, body: Readable, bytes: number, mode: 'create' | 'replace', parents?: boolean): Promise<void>;
  mkdir(path: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  remove(path: string): Promise<void>;
}

/** Only ever asked for the learner of the session cookie: there is no way to name another learner's files. */
export interface PlaygroundFiles {
  of(who: PlaygroundLearner): LearnerFiles;
}

export interface FileLimits {
  /** An upload or a save (the request body, refused from its Content-Length before any of it is read). */
  uploadBytes: number;
  /** A file opened in the editor. */
  openBytes: number;
  downloadBytes: number;
  listEntries: number;
  /** File requests one learner may have running at once. */
  perLearner: number;
}

export const FILE_LIMITS: FileLimits = { uploadBytes: 5 * 1024 * 1024, openBytes: 1024 * 1024, downloadBytes: 50 * 1024 * 1024, listEntries: 1000, perLearner: 4 };

/** How a sandbox refusal reads on the page (thrown by the sandbox layer as an error with a `problem`). */
const PROBLEMS: Record<string, [number, (p: string) => string]> = {
  'not-found': [404, (p) => `${p} does not exist (or its folder does not).`],
  'not-dir': [400, (p) => `${p} is not a folder.`],
  'is-dir': [400, (p) => `${p} is a folder.`],
  'not-file': [400, (p) => `${p} is not a regular file.`],
  'too-big': [413, (p) => `${p} is too big for that here.`],
  exists: [409, (p) => `${p} already exists.`],
  'no-space': [507, () => 'Your sandbox disk is full: delete something (docker system prune helps) and try again.'],
  'broken-off': [400, () => 'The upload broke off before the end; nothing was changed.'],
  'no-sandbox': [503, () => 'Your sandbox is not running right now (was it reset?); try again in a moment.'],
  failed: [500, () => 'That did not work in your sandbox; try again.'],
};

const mb = (n: number) => `${Math.round((n / 1024 / 1024) * 10) / 10} MB`;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Text the editor can show: valid UTF-8 without NUL bytes. */
export function textOf(data: Buffer): string | undefined {
  if (data.includes(0)) return undefined;
  try {
    return utf8.decode(data);
  } catch {
    return undefined;
  }
}

/**
 * The editor's file API, mounted as playground routes (so each one runs only with the learner's session cookie,
 * and anything but GET only from the playground's own page). Paths come in the query string and are checked by
 * checkPath before the sandbox sees them; contents are never logged.
 */
export function fileRoutes(o: { files: PlaygroundFiles; headers: () => Record<string, string>; log: Logger; limits?: Partial<FileLimits> }): PlaygroundRoute[] {
  const limits = { ...FILE_LIMITS, ...o.limits };
  const busy = new Map<string, number>();

  /** Runs a file request: the path(s) checked, the learner's share of concurrent requests kept, refusals as JSON. */
  const route = (method: PlaygroundRoute['method'], name: string, fn: (ctx: RouteContext, files: LearnerFiles, q: URLSearchParams) => Promise<void>): PlaygroundRoute => ({
    method,
    path: new RegExp(`^/api/files/${name}$`),
    async handle(ctx) {
      const key = `${ctx.learner.teamId}:${ctx.learner.userId}`;
      if ((busy.get(key) ?? 0) >= limits.perLearner) return ctx.json(429, { error: 'Too many file requests at once; wait for the others to finish.' });
      busy.set(key, (busy.get(key) ?? 0) + 1);
      const q = new URL(ctx.req.url ?? '/', 'http://playground.invalid').searchParams;
      try {
        await fn(ctx, o.files.of(ctx.learner), q);
      } catch (err) {
        refuse(ctx, err, q.get('path') ?? q.get('from') ?? '');
      } finally {
        const n = (busy.get(key) ?? 1) - 1;
        if (n > 0) busy.set(key, n);
        else busy.delete(key);
      }
    },
  });

  function refuse(ctx: RouteContext, err: unknown, rawPath: string): void {
    const problem = err && typeof err === 'object' && 'problem' in err ? String(err.problem) : undefined;
    const [status, say] = PROBLEMS[problem ?? 'failed'] ?? PROBLEMS.failed!;
    if (!problem) o.log.warn({ err }, 'a playground file request failed');
    else o.log.debug({ problem }, 'a playground file request was refused');
    if (ctx.res.headersSent) return void ctx.res.destroy();
    const size = err && typeof err === 'object' && 'size' in err && typeof err.size === 'number' ? err.size : undefined;
    const checked = checkPath(rawPath, { allowRoot: true });
    ctx.json(status, { error: say('path' in checked ? display(checked.path) : 'That path'), problem: problem ?? 'failed', ...(size !== undefined && { size }) });
  }

  /** The checked path, or a 400 already answered. */
  const pathOf = (ctx: RouteContext, raw: string | null, allowRoot = false): string | undefined => {
    const c: PathCheck = checkPath(raw ?? '', { allowRoot });
    if ('error' in c) return void ctx.json(400, { error: c.error, problem: 'bad-path' });
    return c.path;
  };

  return [
    route('GET', 'roots', async ({ json }) => json(200, { roots: FILE_ROOTS, home: HOME, limits: { uploadBytes: limits.uploadBytes, openBytes: limits.openBytes, downloadBytes: limits.downloadBytes } })),
    route('GET', 'list', async (ctx, files, q) => {
      const dir = pathOf(ctx, q.get('path'), true);
      if (dir) ctx.json(200, { path: dir, ...(await files.list(dir, limits.listEntries)) });
    }),
    route('GET', 'read', async (ctx, files, q) => {
      const path = pathOf(ctx, q.get('path'));
      if (!path) return;
      try {
        const data = await files.read(path, limits.openBytes);
        const text = textOf(data);
        ctx.json(200, text === undefined ? { path, size: data.length, binary: true } : { path, size: data.length, text });
      } catch (err) {
        const size = (err as { size?: number }).size;
        if ((err as { problem?: string }).problem !== 'too-big') throw err;
        ctx.json(413, { error: `${display(path)} is ${size ? mb(size) : 'too big'}: the editor opens files up to ${mb(limits.openBytes)}. Download it instead.`, problem: 'too-big', size });
      }
    }),
    route('GET', 'download', async (ctx, files, q) => {
      const path = pathOf(ctx, q.get('path'));
      if (!path) return;
      const st = await files.stat(path);
      if (st.type !== 'file') return ctx.json(400, { error: `${display(path)} is not a file.`, problem: st.type === 'dir' ? 'is-dir' : 'not-file' });
      if (st.size > limits.downloadBytes) return ctx.json(413, { error: `${display(path)} is ${mb(st.size)}: downloads here are up to ${mb(limits.downloadBytes)}.`, problem: 'too-big', size: st.size });
      const name = path.slice(path.lastIndexOf('/') + 1);
      ctx.res.writeHead(200, {
        ...o.headers(),
        'Content-Type': 'application/octet-stream',
        'Content-Disposition': `attachment; filename="${name.replace(/[^\x20-\x7e]|["\\]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(name)}`,
      });
      await files.download(path, limits.downloadBytes, ctx.res);
      ctx.res.end();
    }),
    route('PUT', 'write', async (ctx, files, q) => {
      const path = pathOf(ctx, q.get('path'));
      if (!path) return;
      // refused from the header alone, before any of the body is read: a 100 MB upload costs nothing
      const declared = ctx.req.headers['content-length'];
      if (ctx.req.headers['transfer-encoding'] || declared === undefined || !/^\d{1,12}$/.test(declared)) return tooLarge(ctx, 411, 'Uploads need a Content-Length.', 'no-length');
      const bytes = Number(declared);
      if (bytes > limits.uploadBytes) return tooLarge(ctx, 413, `That file is ${mb(bytes)}: uploads and saves are up to ${mb(limits.uploadBytes)}.`);
      await files.write(path, ctx.req, bytes, q.get('mode') === 'create' ? 'create' : 'replace', q.get('parents') === '1');
      ctx.json(200, { path, size: bytes });
    }),
    route('POST', 'mkdir', async (ctx, files, q) => {
      const path = pathOf(ctx, q.get('path'));
      if (!path) return;
      await files.mkdir(path);
      ctx.json(200, { path });
    }),
    route('POST', 'rename', async (ctx, files, q) => {
      const from = pathOf(ctx, q.get('from'));
      const to = from && pathOf(ctx, q.get('to'));
      if (!from || !to) return;
      await files.rename(from, to);
      ctx.json(200, { from, to });
    }),
    route('DELETE', 'remove', async (ctx, files, q) => {
      const path = pathOf(ctx, q.get('path'));
      if (!path) return;
      await files.remove(path);
      ctx.json(200, { path });
    }),
  ];

  /** An early refusal of a body: the connection closes after the answer instead of reading the rest. */
  function tooLarge(ctx: RouteContext, status: number, error: string, problem = 'too-big'): void {
    ctx.res.setHeader('Connection', 'close');
    ctx.json(status, { error, problem });
  }
}

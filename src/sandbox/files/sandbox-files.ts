import type { Readable, Writable } from 'node:stream';
import type Docker from 'dockerode';
import type { SandboxManager } from '../lifecycle/sandbox-manager';
import { fileExec, type FileExecResult } from './file-exec';
import { FILE_EXIT, LIST_SCRIPT, MKDIR_SCRIPT, READ_SCRIPT, REMOVE_SCRIPT, RENAME_SCRIPT, STAT_SCRIPT, WRITE_SCRIPT } from './file-scripts';

/** Why a file operation did not happen, in words the caller can turn into a status and a sentence. */
export type FileProblem = 'not-found' | 'not-dir' | 'is-dir' | 'not-file' | 'too-big' | 'exists' | 'no-space' | 'broken-off' | 'no-sandbox' | 'failed';

export class SandboxFileError extends Error {
  constructor(
    readonly problem: FileProblem,
    /** The file's size, for too-big. */
    readonly size?: number,
  ) {
    super(`file operation refused: ${problem}`);
    this.name = 'SandboxFileError';
  }
}

export interface FileEntry {
  name: string;
  type: 'file' | 'dir' | 'link' | 'other';
  /** What a symlink leads to (inside the sandbox); `broken` when nothing. */
  target?: 'file' | 'dir' | 'other' | 'broken';
  size: number;
}

/** One learner's files, in their sandbox. Paths are absolute and already checked by the caller (no `..`, no NUL). */
export interface LearnerSandboxFiles {
  list(dir: string, maxEntries: number): Promise<{ entries: FileEntry[]; truncated: boolean }>;
  stat(path: string): Promise<{ type: 'file' | 'dir' | 'other'; size: number }>;
  /** The whole file, when it is at most maxBytes (else too-big, with its size). */
  read(path: string, maxBytes: number): Promise<Buffer>;
  /** The file's first maxBytes into `into` (backpressure kept); resolves with how many bytes went. */
  download(path: string, maxBytes: number, into: Writable): Promise<number>;
  /** Exactly `bytes` bytes of `body` become the file (atomically: a broken-off body leaves the old file); `parents` makes missing folders. */
  write(path: string, body: Readable, bytes: number, mode: 'create' | 'replace', parents?: boolean): Promise<void>;
  mkdir(path: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  remove(path: string): Promise<void>;
}

/** The playground editor's way into learners' sandboxes; keyed like every sandbox call. */
export interface SandboxFiles {
  of(learnerKey: string): LearnerSandboxFiles;
}

const PROBLEM_OF: Record<number, FileProblem> = {
  [FILE_EXIT.notFound]: 'not-found',
  [FILE_EXIT.notDir]: 'not-dir',
  [FILE_EXIT.isDir]: 'is-dir',
  [FILE_EXIT.notFile]: 'not-file',
  [FILE_EXIT.tooBig]: 'too-big',
  [FILE_EXIT.exists]: 'exists',
  [FILE_EXIT.writeFailed]: 'failed',
  [FILE_EXIT.brokenOff]: 'broken-off',
};
const TOUCH_EVERY_MS = 30_000;
const QUICK_MS = 30_000;
const TYPE: Record<string, FileEntry['type']> = { f: 'file', d: 'dir', l: 'link' };
const TARGET: Record<string, NonNullable<FileEntry['target']>> = { f: 'file', d: 'dir', N: 'broken', L: 'broken' };

/** A script's result as a problem, or nothing when it succeeded. */
function problemOf(r: FileExecResult): SandboxFileError | undefined {
  if (r.exitCode === 0) return undefined;
  if (r.exitCode === FILE_EXIT.tooBig) return new SandboxFileError('too-big', Number(r.stderr.trim()) || undefined);
  // the sandbox's disk cap (or its engine volume) is full: said as such, the learner can free space
  if (/No space left|Disk quota exceeded/i.test(r.stderr)) return new SandboxFileError('no-space');
  return new SandboxFileError((r.exitCode !== null && PROBLEM_OF[r.exitCode]) || 'failed');
}

/** find's NUL-separated records (see LIST_SCRIPT), parsed strictly: what a sandbox sends is not trusted. */
export function parseListing(out: Buffer, max: number): { entries: FileEntry[]; truncated: boolean } {
  const entries: FileEntry[] = [];
  const records = out.toString('utf8').split('\0');
  records.pop();
  for (const rec of records) {
    const m = /^([a-zA-Z])([a-zA-Z?])\t(\d{1,20})\t([^/]{1,255})$/s.exec(rec);
    if (!m || m[4] === '.' || m[4] === '..') continue;
    const type = TYPE[m[1]!] ?? 'other';
    entries.push({ name: m[4]!, type, size: Number(m[3]), ...(type === 'link' && { target: TARGET[m[2]!] ?? 'other' }) });
  }
  const truncated = entries.length > max;
  return { entries: entries.slice(0, max), truncated };
}

/**
 * The sandbox side of the playground's editor: each operation is one exec in the learner's sandbox (fileExec),
 * which is started first if missing, like the terminal's. Contents pass through streams and are never logged.
 */
export function createSandboxFiles(docker: Docker, sandboxes: Pick<SandboxManager, 'containerIdOf' | 'execScript'>): SandboxFiles {
  const touched = new Map<string, number>();
  async function containerOf(key: string): Promise<string> {
    let id = sandboxes.containerIdOf(key);
    if (!id) {
      await sandboxes.execScript(key, 'true', { timeoutMs: 10_000, outputCapBytes: 1024 }).catch(() => undefined);
      id = sandboxes.containerIdOf(key);
    }
    if (!id) throw new SandboxFileError('no-sandbox');
    const now = Date.now();
    if (now - (touched.get(key) ?? 0) >= TOUCH_EVERY_MS) {
      touched.set(key, now);
      if (touched.size > 10_000) touched.clear();
      // counts as use (the idle reaper spares the sandbox); never starts one
      sandboxes.execScript(key, 'true', { timeoutMs: 10_000, outputCapBytes: 1024, onlyExisting: true }).catch(() => undefined);
    }
    return id;
  }
  async function run(key: string, o: Parameters<typeof fileExec>[2]): Promise<FileExecResult> {
    const id = await containerOf(key);
    const r = await fileExec(docker, id, o).catch((err: unknown) => {
      // the sandbox went away (a reset, the reaper) between the lookup and the exec
      const status = (err as { statusCode?: number }).statusCode;
      throw new SandboxFileError(status === 404 || status === 409 ? 'no-sandbox' : 'failed');
    });
    const problem = problemOf(r);
    if (problem) throw problem;
    return r;
  }
  const simple = (key: string, script: string, args: string[]) => run(key, { script, args, timeoutMs: QUICK_MS, stdout: { capBytes: 4096 } }).then(() => undefined);
  return {
    of: (key) => ({
      async list(dir, maxEntries) {
        const r = await run(key, { script: LIST_SCRIPT, args: [dir, String(maxEntries + 1)], timeoutMs: QUICK_MS, stdout: { capBytes: (maxEntries + 1) * 300 } });
        return parseListing(r.stdout, maxEntries);
      },
      async stat(path) {
        const r = await run(key, { script: STAT_SCRIPT, args: [path], timeoutMs: QUICK_MS, stdout: { capBytes: 256 } });
        const m = /^(file|dir|other)\t(\d{1,20})$/.exec(r.stdout.toString('utf8'));
        if (!m) throw new SandboxFileError('failed');
        return { type: m[1] as 'file' | 'dir' | 'other', size: Number(m[2]) };
      },
      async read(path, maxBytes) {
        return (await run(key, { script: READ_SCRIPT, args: [path, String(maxBytes)], timeoutMs: QUICK_MS, stdout: { capBytes: maxBytes } })).stdout;
      },
      async download(path, maxBytes, into) {
        // a minute per 10 MB on top of the quick bound: a slow browser reads a big file slowly
        const timeoutMs = QUICK_MS + Math.ceil(maxBytes / 10_000_000) * 60_000;
        return (await run(key, { script: READ_SCRIPT, args: [path, String(maxBytes)], timeoutMs, stdout: into })).stdoutBytes;
      },
      async write(path, body, bytes, mode, parents = false) {
        const timeoutMs = QUICK_MS + Math.ceil(bytes / 1_000_000) * 20_000;
        await run(key, { script: WRITE_SCRIPT, args: [path, String(bytes), mode, parents ? 'parents' : 'exact'], timeoutMs, stdin: { body, bytes }, stdout: { capBytes: 4096 } });
      },
      mkdir: (path) => simple(key, MKDIR_SCRIPT, [path]),
      rename: (from, to) => simple(key, RENAME_SCRIPT, [from, to]),
      remove: (path) => simple(key, REMOVE_SCRIPT, [path]),
    }),
  };
}

import { spawn } from 'node:child_process';
import { createReadStream, promises as fs, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import type Docker from 'dockerode';
import { AppError } from '../errors';

/** Keeps the last lines of a build so a failure can show them. */
export class LogTail {
  private lines: string[] = [];
  private partial = '';

  constructor(private readonly max = 60) {}

  write(chunk: string): void {
    const parts = (this.partial + chunk).split(/\r?\n|\r/);
    this.partial = parts.pop() ?? '';
    for (const line of parts) if (line.trim()) this.push(line);
  }

  push(line: string): void {
    this.lines.push(line.replace(/\s+$/, ''));
    if (this.lines.length > this.max) this.lines.splice(0, this.lines.length - this.max);
  }

  text(n = 30): string {
    const all = this.partial.trim() ? [...this.lines, this.partial] : this.lines;
    return all.slice(-n).join('\n');
  }
}

export function buildFailed(what: string, tail: LogTail, cause?: unknown): AppError {
  const reason = cause instanceof Error ? cause.message : cause ? String(cause) : 'failed';
  return new AppError('IMAGE_BUILD_FAILED', `${what}: ${reason}\n--- last build output ---\n${tail.text()}`, { cause });
}

interface ProgressEvent {
  stream?: string;
  status?: string;
  progress?: string;
  id?: string;
  error?: string;
  errorDetail?: { message?: string };
  aux?: { ID?: string; Digest?: string };
}

/** Drains a Docker JSON progress stream into `tail`; rejects on the first `error` event. */
export function followDockerStream(docker: Docker, stream: NodeJS.ReadableStream, tail: LogTail): Promise<ProgressEvent[]> {
  return new Promise((resolve, reject) => {
    let failure: string | undefined;
    docker.modem.followProgress(
      stream,
      (err: Error | null, output: ProgressEvent[]) => {
        if (err) reject(err);
        else if (failure) reject(new Error(failure));
        else resolve(output);
      },
      (e: ProgressEvent) => {
        if (e.error) {
          failure ??= e.errorDetail?.message ?? e.error;
          tail.push(`ERROR: ${e.error}`);
        } else if (e.stream) tail.write(e.stream);
        else if (e.status && !e.progress) tail.push(e.id ? `${e.id}: ${e.status}` : e.status);
      },
    );
  });
}

/** Runs `fn` with an AbortSignal that fires after `timeoutMs`; the timer is cleared on every path. */
export async function withTimeout<T>(what: string, timeoutMs: number, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(new Error(`${what} timed out after ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
  try {
    return await fn(ctl.signal);
  } catch (err) {
    if (ctl.signal.aborted) throw ctl.signal.reason;
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

function listFiles(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(path.join(dir, rel)).sort()) {
    const r = rel ? `${rel}/${name}` : name;
    if (statSync(path.join(dir, r)).isDirectory()) out.push(...listFiles(dir, r));
    else out.push(r);
  }
  return out;
}

/** Content of every file under `dir`, in a stable order: the input of a build hash. */
export function folderFingerprint(dir: string): string {
  return listFiles(dir)
    .map((f) => `${f}\0${readFileSync(path.join(dir, f), 'utf8')}`)
    .join('\0\0');
}

export interface DockerBuildOptions {
  context: string;
  tag: string;
  buildargs?: Record<string, string>;
  labels?: Record<string, string>;
  timeoutMs: number;
  tail: LogTail;
}

export async function dockerBuild(docker: Docker, o: DockerBuildOptions): Promise<void> {
  await withTimeout(`docker build ${o.tag}`, o.timeoutMs, async (signal) => {
    const stream = await docker.buildImage(
      { context: o.context, src: listFiles(o.context) },
      { t: o.tag, buildargs: o.buildargs, labels: o.labels, rm: true, forcerm: true, pull: false, abortSignal: signal } as Docker.ImageBuildOptions,
    );
    const done = followDockerStream(docker, stream, o.tail);
    signal.addEventListener('abort', () => (stream as unknown as { destroy?: (e: unknown) => void }).destroy?.(signal.reason), {
      once: true,
    });
    await done;
  });
}

/** `docker import` of a rootfs tarball with Dockerfile-style `changes` (CMD, ENV, LABEL...). */
export async function importTarball(docker: Docker, tarFile: string, ref: string, changes: string[], tail: LogTail): Promise<void> {
  const [repo, tag] = splitRef(ref);
  await withTimeout(`docker import ${ref}`, 5 * 60_000, async (signal) => {
    // `changes` is an array: docker-modem repeats the query key, as the Engine API expects
    const stream = await docker.importImage(createReadStream(tarFile), { repo, tag, changes, abortSignal: signal });
    await followDockerStream(docker, stream, tail);
  });
}

export function splitRef(ref: string): [string, string] {
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  return colon > slash ? [ref.slice(0, colon), ref.slice(colon + 1)] : [ref, 'latest'];
}

/** Runs a host command, its output going to `tail`; rejects on a non-zero exit or the timeout. */
export function runCommand(cmd: string, args: string[], o: { tail: LogTail; timeoutMs: number; cwd?: string }): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: o.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${cmd} timed out after ${Math.round(o.timeoutMs / 1000)} s`));
    }, o.timeoutMs);
    child.stdout.on('data', (d: Buffer) => o.tail.write(d.toString()));
    child.stderr.on('data', (d: Buffer) => o.tail.write(d.toString()));
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, sig) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`${cmd} exited with ${code ?? sig}`));
    });
  });
}

/** Unmounts whatever a killed debootstrap left mounted under `dir`, then removes it. */
export async function removeRootfs(dir: string): Promise<void> {
  const mounts = (await fs.readFile('/proc/mounts', 'utf8').catch(() => ''))
    .split('\n')
    .map((l) => l.split(' ')[1] ?? '')
    .filter((m) => m === dir || m.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) await runCommand('umount', ['-l', m], { tail: new LogTail(), timeoutMs: 10_000 }).catch(() => undefined);
  await fs.rm(dir, { recursive: true, force: true });
}

export interface DebianMirrors {
  mirror: string;
  security: string;
}

/** The Debian mirrors apt on this host uses (deb822 .sources or one-line sources.list), else deb.debian.org. */
export function hostDebianMirrors(): DebianMirrors {
  const found: DebianMirrors = { mirror: 'http://deb.debian.org/debian', security: 'http://deb.debian.org/debian-security' };
  let mirror: string | undefined;
  let security: string | undefined;
  const files: string[] = [];
  const read = (f: string) => {
    try {
      files.push(readFileSync(f, 'utf8'));
    } catch {
      // absent
    }
  };
  read('/etc/apt/sources.list');
  try {
    for (const f of readdirSync('/etc/apt/sources.list.d').sort()) read(path.join('/etc/apt/sources.list.d', f));
  } catch {
    // absent
  }
  for (const text of files) {
    for (const stanza of text.split(/\n\s*\n/)) {
      const uri = /^URIs:\s*(\S+)/m.exec(stanza)?.[1];
      const suites = /^Suites:\s*(.+)$/m.exec(stanza)?.[1]?.split(/\s+/) ?? [];
      if (uri && suites.includes('bookworm')) mirror ??= uri;
      if (uri && suites.includes('bookworm-security')) security ??= uri;
    }
    for (const m of text.matchAll(/^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)/gm)) {
      if (m[2] === 'bookworm') mirror ??= m[1];
      if (m[2] === 'bookworm-security') security ??= m[1];
    }
  }
  return { mirror: (mirror ?? found.mirror).replace(/\/$/, ''), security: (security ?? found.security).replace(/\/$/, '') };
}

import type { Duplex, Readable, Writable } from 'node:stream';
import type Docker from 'dockerode';

/** The file scripts' fixed environment: nothing of the learner's shell (aliases, .bashrc, a changed PATH) applies. */
const FILE_ENV = ['LC_ALL=C', 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'];
const STDERR_KEEP = 2048;

export interface FileExecOptions {
  /** A bash script and its positional arguments (paths are arguments, never spliced into the script). */
  script: string;
  args: string[];
  timeoutMs: number;
  /** Fed to the script's stdin: exactly `bytes` bytes are expected (the script reads that many, no EOF needed). */
  stdin?: { body: Readable; bytes: number };
  /** stdout streamed into a writable (its backpressure pauses the exec), or collected up to a cap. */
  stdout: Writable | { capBytes: number };
}

export interface FileExecResult {
  /** null: unknown (timed out, or the stream broke before the engine reported). */
  exitCode: number | null;
  /** Collected stdout (collect mode only), at most the cap. */
  stdout: Buffer;
  stdoutBytes: number;
  /** The start of stderr (never file contents: the scripts send those to stdout only). */
  stderr: string;
  timedOut: boolean;
}

/**
 * One non-interactive exec in a learner's sandbox through the engine API, as the sandbox's own (remapped) root in
 * its own mount namespace: a path resolves exactly as it does in the learner's shell, symlinks included, and the
 * process has no power the learner lacks. The engine's archive API (getArchive/putArchive) would resolve paths on
 * the host as the host's root, outside the bind mounts the sandbox's entrypoint makes for the learner's folders
 * (so /root there is not the learner's /root), and could write through a learner's symlink into folders the
 * sandbox's root cannot touch (the check inspector's locked socket folder).
 */
export async function fileExec(docker: Docker, containerId: string, o: FileExecOptions): Promise<FileExecResult> {
  const seconds = String(Math.max(1, Math.ceil(o.timeoutMs / 1000)));
  const exec = await docker.getContainer(containerId).exec({
    Cmd: ['timeout', '-k', '5', seconds, '/bin/bash', '--noprofile', '--norc', '-c', o.script, 'dockhand-files', ...o.args],
    AttachStdin: !!o.stdin,
    AttachStdout: true,
    AttachStderr: true,
    Tty: false,
    Env: FILE_ENV,
    WorkingDir: '/',
  });
  const stream = (await exec.start({ hijack: true, stdin: !!o.stdin })) as unknown as Duplex;
  const collected: Buffer[] = [];
  let stdoutBytes = 0;
  let stderr = '';
  const sink = 'capBytes' in o.stdout ? undefined : o.stdout;
  const cap = 'capBytes' in o.stdout ? o.stdout.capBytes : 0;
  const onStdout = (b: Buffer) => {
    stdoutBytes += b.length;
    if (sink) {
      if (!sink.write(b)) {
        stream.pause();
        sink.once('drain', () => stream.resume());
      }
      return;
    }
    const room = cap - (stdoutBytes - b.length);
    if (room > 0) collected.push(room >= b.length ? b : b.subarray(0, room));
    // the scripts bound their own output; a sandbox that sends more than asked is cut off
    if (stdoutBytes > cap + 64 * 1024) stream.destroy();
  };
  demux(stream, onStdout, (b) => {
    if (stderr.length < STDERR_KEEP) stderr += b.toString('utf8').slice(0, STDERR_KEEP - stderr.length);
  });
  if (sink) sink.once('close', () => stream.destroy());
  stream.on('error', () => undefined);
  const unfeed = o.stdin ? feed(o.stdin.body, stream) : () => undefined;

  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  await new Promise<void>((resolve) => {
    stream.once('end', resolve);
    stream.once('close', resolve);
    stream.once('error', () => resolve());
    timer = setTimeout(() => {
      timedOut = true;
      stream.destroy();
      resolve();
    }, o.timeoutMs + 6000);
  });
  clearTimeout(timer);
  unfeed();
  let exitCode: number | null = null;
  // the engine may still report the process running for a moment after its streams closed
  for (let i = 0; !timedOut && i < 20; i++) {
    const info = await exec.inspect().catch(() => undefined);
    if (!info) break;
    if (!info.Running) {
      exitCode = typeof info.ExitCode === 'number' ? info.ExitCode : null;
      break;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { exitCode, stdout: Buffer.concat(collected), stdoutBytes, stderr, timedOut };
}

/** The engine's multiplexed stream (8-byte frame headers: stream type, then the payload's size) split, with backpressure kept. */
function demux(stream: Duplex, onStdout: (b: Buffer) => void, onStderr: (b: Buffer) => void): void {
  let pending: Buffer = Buffer.alloc(0);
  stream.on('data', (chunk: Buffer) => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    while (pending.length >= 8) {
      const size = pending.readUInt32BE(4);
      if (pending.length < 8 + size) break;
      const payload = pending.subarray(8, 8 + size);
      if (pending[0] === 2) onStderr(payload);
      else onStdout(payload);
      pending = pending.subarray(8 + size);
    }
  });
}

/** The request body into the exec's stdin, pausing the body while the engine's socket is full; returns the detach. */
function feed(body: Readable, stream: Duplex): () => void {
  const stop = () => stream.destroy();
  const onData = (c: Buffer) => {
    if (stream.destroyed) return;
    if (!stream.write(c)) {
      body.pause();
      stream.once('drain', () => body.resume());
    }
  };
  body.on('data', onData);
  // a body that breaks off (the page closed mid-upload): the script sees a short file and keeps nothing
  body.once('aborted', stop);
  body.once('error', stop);
  return () => {
    body.off('data', onData);
    body.off('aborted', stop);
    body.off('error', stop);
    // what the script did not read (it stopped early) is drained, never kept
    body.resume();
  };
}

import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import type { ScriptResult } from '../types';

/** Output beyond which a one-shot script counts as a flood, whatever its cap. */
const FLOOD_FLOOR_BYTES = 1024 * 1024;

export interface ExecOptions {
  timeoutMs: number;
  outputCapBytes: number;
  /** Added to the container's environment for this process only. */
  env?: string[];
  workingDir?: string;
}

/**
 * One non-interactive exec through the engine API (sandbox scripts and trusted checks alike), bounded by our own
 * timer: the command should carry its own `timeout` too, since detaching from an exec does not stop it.
 */
export async function execInContainer(docker: Docker, containerId: string, cmd: string[], opts: ExecOptions): Promise<ScriptResult> {
  const started = Date.now();
  const exec = await docker.getContainer(containerId).exec({
    Cmd: cmd,
    AttachStdout: true,
    AttachStderr: true,
    Tty: false,
    ...(opts.env ? { Env: opts.env } : {}),
    ...(opts.workingDir ? { WorkingDir: opts.workingDir } : {}),
  });
  const stream = await exec.start({ hijack: true, stdin: false });
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  let kept = 0;
  let total = 0;
  let floodStopped = false;
  // A script that floods is stopped rather than left to its timeout; a small cap still lets a
  // modest burst finish (its tail is kept).
  const floodBytes = Math.max(opts.outputCapBytes * 8, FLOOD_FLOOR_BYTES);
  out.on('data', (b: Buffer) => {
    total += b.length;
    // Checked on every chunk, not on a timer: a fast burst must not finish before the check sees it.
    if (total > floodBytes && !floodStopped) {
      floodStopped = true;
      stream.destroy();
    }
    chunks.push(b);
    kept += b.length;
    while (kept - chunks[0]!.length >= opts.outputCapBytes && chunks.length > 1) kept -= chunks.shift()!.length;
  });
  docker.modem.demuxStream(stream, out, out);
  let timer: NodeJS.Timeout | undefined;
  let timedOut = false;
  const ended = new Promise<void>((resolve) => {
    stream.on('end', resolve);
    stream.on('close', resolve);
    stream.on('error', () => resolve());
  });
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      timedOut = true;
      stream.destroy();
      resolve();
    }, opts.timeoutMs);
  });
  try {
    await Promise.race([ended, timeout]);
  } finally {
    clearTimeout(timer);
    out.end();
  }
  let exitCode: number | null = null;
  if (!timedOut && !floodStopped) {
    const info = await exec.inspect().catch(() => undefined);
    exitCode = info && typeof info.ExitCode === 'number' && !info.Running ? info.ExitCode : null;
  } else {
    // Detaching does not stop the script: kill what it left running.
    const pid = (await exec.inspect().catch(() => undefined))?.Pid;
    if (pid) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // not on this host's pid namespace, or already gone
      }
    }
  }
  let buf = Buffer.concat(chunks);
  if (buf.length > opts.outputCapBytes) buf = buf.subarray(buf.length - opts.outputCapBytes);
  return {
    exitCode,
    output: buf.toString('utf8'),
    timedOut,
    truncated: total > opts.outputCapBytes,
    durationMs: Date.now() - started,
  };
}

/** The `timeout` bound (in whole seconds, one more than ours) for a command run inside the container. */
export function innerTimeoutSeconds(timeoutMs: number): string {
  return String(Math.max(1, Math.ceil(timeoutMs / 1000) + 1));
}

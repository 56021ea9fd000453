import { randomBytes } from 'node:crypto';
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

/** Marks every process of one exec (inherited through the environment), so that exactly those can be ended. */
export const EXEC_TAG_VAR = 'DOCKHAND_EXEC';

/**
 * One non-interactive exec through the engine API (sandbox scripts and trusted checks alike), bounded by our own
 * timer: the command should carry its own `timeout` too, since detaching from an exec does not stop it. When our
 * timer (or the flood guard) ends it, what it left running is killed through the engine (killExecScript): never
 * by the pid the engine reports, which is a pid of the engine host's namespace, not this process's (a remote
 * engine, a bot in a container).
 */
export async function execInContainer(docker: Docker, containerId: string, cmd: string[], opts: ExecOptions): Promise<ScriptResult> {
  const started = Date.now();
  const tag = randomBytes(8).toString('hex');
  const exec = await docker.getContainer(containerId).exec({
    Cmd: cmd,
    AttachStdout: true,
    AttachStderr: true,
    Tty: false,
    Env: [...(opts.env ?? []), `${EXEC_TAG_VAR}=${tag}`],
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
    // Detaching does not stop the script: kill what it left running, by a second exec in the same container.
    await execInContainer(docker, containerId, ['/bin/bash', '--noprofile', '--norc', '-c', killExecScript(tag)], { timeoutMs: 10_000, outputCapBytes: 4096 }).catch(() => undefined);
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

/**
 * Kills every process of the container carrying `DOCKHAND_EXEC=<tag>` in its environment (the exec's own and its
 * children), a few rounds so a process forked between the scan and the kill goes too. Bash builtins and
 * absolute paths only. Skips itself and its parent (the killer exec's own tag differs anyway).
 */
export function killExecScript(tag: string): string {
  if (!/^[0-9a-f]+$/.test(tag)) throw new Error('an exec tag is hex');
  return [
    `want=${EXEC_TAG_VAR}=${tag}`,
    'for round in 1 2 3; do',
    '  found=0',
    '  for p in /proc/[0-9]*; do',
    '    n=${p#/proc/}; [ "$n" = "$$" ] && continue',
    '    while IFS= read -r -d "" e; do [ "$e" = "$want" ] && { kill -KILL "$n" 2>/dev/null; found=1; break; }; done < "$p/environ" 2>/dev/null',
    '  done',
    '  [ "$found" = 0 ] && break',
    'done',
    'exit 0',
  ].join('\n');
}

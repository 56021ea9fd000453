import type { Marker } from './shell-protocol';
import { createTerminalScreen, type TerminalScreen } from './terminal-screen';
import type { CommandResult } from '../types';

export interface SessionCommandOptions {
  timeoutMs: number;
  outputCapBytes: number;
  onOutput?(screenSoFar: string): void;
}

/** What the session reports; the manager adds crash detection on top. */
export interface SessionResult extends CommandResult {
  /** The shell itself exited (learner typed `exit`, or the sandbox died). */
  shellExited?: { exitCode: number };
  /** With shellExited: the shell ended before the command began, so running it again is safe. */
  neverStarted?: true;
  /** What the shell saw of the command's processes (from its completion marker). */
  processes?: { guardKilled: number; reaped: number; pidsHit: number; oomKills: number; escaped?: number };
}

/** The state of the one command a PtySession runs at a time. */
export interface Active {
  nonce: string;
  startedAt: number;
  opts: SessionCommandOptions;
  totalBytes: number;
  tail: string[];
  tailBytes: number;
  timedOut: boolean;
  interrupted: boolean;
  flooded: boolean;
  waiting: boolean;
  stopping: boolean;
  notices: string[];
  pending?: (r: SessionResult) => void;
  quietTimer?: NodeJS.Timeout;
  timeoutTimer?: NodeJS.Timeout;
  outputTimer?: NodeJS.Timeout;
  lastSent?: string;
  probing: boolean;
  finished: boolean;
  marker?: Marker;
  /** The command's processes hit the pids limit (bash's own "fork: retry" seen): stopped at once. */
  runaway?: boolean;
  /** The shell printed its "about to run" marker: the command began. */
  started?: boolean;
}

/** The result of a command: its rendered screen (or the tail of a flood), exit, flags and what the shell saw of its processes. */
export async function buildSessionResult(a: Active, screen: TerminalScreen, o: { cols: number; rows: number; scrollback: number }, exitCode: number | null, waiting: boolean): Promise<SessionResult> {
  const cap = a.opts.outputCapBytes;
  let output: string;
  let truncated: boolean;
  if (a.totalBytes > cap) {
    truncated = true;
    output = await renderTail(a.tail.join(''), cap, o);
  } else {
    output = screen.text();
    truncated = screen.overflowed();
  }
  const m = a.marker;
  const runaway = a.runaway ? 1 : 0;
  const processes = m ? { guardKilled: m.killed, reaped: m.reaped ?? 0, pidsHit: Math.max(m.pidsHit ?? 0, runaway), oomKills: m.oomKills ?? 0, ...(m.escaped ? { escaped: m.escaped } : {}) } : runaway ? { guardKilled: 0, reaped: 0, pidsHit: 1, oomKills: 0 } : undefined;
  return {
    ...(processes && !waiting ? { processes } : {}),
    output,
    exitCode: waiting ? null : exitCode,
    durationMs: Date.now() - a.startedAt,
    truncated,
    timedOut: a.timedOut,
    interrupted: a.interrupted,
    waitingForInput: waiting,
    notices: [...a.notices],
  };
}

async function renderTail(raw: string, cap: number, o: { cols: number; rows: number; scrollback: number }): Promise<string> {
  const buf = Buffer.from(raw);
  const tail = buf.length > cap ? buf.subarray(buf.length - cap).toString() : raw;
  const screen = createTerminalScreen(o);
  try {
    await screen.write(tail);
    return screen.text();
  } finally {
    screen.dispose();
  }
}

export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${Math.round((n / 1024 / 1024) * 10) / 10} MiB`;
  if (n >= 1024) return `${Math.round(n / 1024)} KiB`;
  return `${n} bytes`;
}

import type { LessonSandbox } from './lesson-sandbox';
import type { ScriptResult } from '../sandbox';
import { checkSeed, oneStream } from './step-scripts';
import type { LessonStep } from './types';

export interface CheckOutcome {
  passed: boolean;
  /** `stopped`: the sandbox ended the check early (it flooded output, or the sandbox went away). */
  reason: 'passed' | 'failed' | 'timeout' | 'stopped';
  /** What the learner sees: the check's last output line, or a plain explanation. */
  message: string;
  exitCode: number | null;
  durationMs: number;
}

export const MESSAGE_MAX_CHARS = 300;
/** A check only needs its last line; the cap keeps a flooding check from filling memory. */
export const CHECK_OUTPUT_CAP_BYTES = 64 * 1024;

// Terminal escape sequences (CSI, OSC and the two-byte forms): what a learner's file could smuggle into a line.
// eslint-disable-next-line no-control-regex
const ESCAPES = /\u001B\[[0-?]*[ -/]*[@-~]|\u001B\][^\u0007\u001B]*(?:\u0007|\u001B\\)?|\u001B[ -/]*[0-~]|\u009B[0-?]*[ -/]*[@-~]/g;
// C0 (but tab and newline), DEL and C1 controls.
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g;
// Private use (the tutor's mention tokens are U+E100/U+E101: tutor/reply.ts), bidi overrides and isolates,
// zero-width characters and non-characters.
const INVISIBLE = /[\uE000-\uF8FF\u{F0000}-\u{FFFFD}\u{100000}-\u{10FFFD}\u202A-\u202E\u2066-\u2069\u200B-\u200F\u2060-\u2064\uFEFF\uFFF9-\uFFFB\uFDD0-\uFDEF\uFFFE\uFFFF]/gu;

/**
 * A check's output as text a learner may be shown: a check prints what it read in the learner's files and
 * containers, so its bytes are the learner's. No escape sequences, control or private-use characters (a
 * U+E100 ... U+E101 pair would become a Slack mention when rendered), well-formed UTF-16. The caller still shows
 * it as plain text (no mrkdwn).
 */
export function plainCheckText(raw: string): string {
  return raw.toWellFormed().replace(ESCAPES, '').replace(/\r\n?/g, '\n').replace(CONTROLS, '').replace(INVISIBLE, '');
}

function lastLine(output: string): string {
  const lines = plainCheckText(output).split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const l = lines[i]!.trim();
    if (l) return l;
  }
  return '';
}

function shorten(s: string): string {
  return s.length > MESSAGE_MAX_CHARS ? `${s.slice(0, MESSAGE_MAX_CHARS - 1)}…` : s;
}

/** Turns a check script run into a result a learner can read; works for silent, flooding and hung checks alike. */
export function interpretCheck(run: ScriptResult, timeoutMs: number): CheckOutcome {
  const base = { exitCode: run.exitCode, durationMs: run.durationMs };
  if (run.timedOut) {
    return { ...base, passed: false, reason: 'timeout', message: `The check did not finish within ${Math.round(timeoutMs / 1000)} s, so the step is not marked done.` };
  }
  if (run.exitCode === null) {
    const message = run.truncated
      ? `The check printed too much output (${Math.round(run.output.length / 1024)} KiB kept) and was stopped, so the step is not marked done.`
      : 'The check was stopped before it finished, so the step is not marked done.';
    return { ...base, passed: false, reason: 'stopped', message };
  }
  if (run.exitCode === 0) {
    const line = lastLine(run.output).replace(/^(PASS|OK):\s*/i, '');
    return { ...base, passed: true, reason: 'passed', message: shorten(line || 'Done!') };
  }
  const line = lastLine(run.output).replace(/^FAIL:\s*/i, '');
  const message = line ? shorten(line) : `Not done yet (the check exited with code ${run.exitCode ?? 'unknown'} and printed no message).`;
  return { ...base, passed: false, reason: 'failed', message };
}

export { oneStream };

/**
 * Runs a step's check with the sandbox's trusted runner (never the learner's own tools) and interprets it. With
 * `lessonId`, a seeded step's check sees this attempt's seed as DOCKHAND_SEED.
 */
export async function runCheck(
  sandbox: Pick<LessonSandbox, 'check'>,
  step: Pick<LessonStep, 'check' | 'checkTimeoutMs'> & Partial<Pick<LessonStep, 'id' | 'setup'>>,
  opts: { lessonId?: string } = {},
): Promise<CheckOutcome> {
  const run = await sandbox.check(oneStream(step.check), { timeoutMs: step.checkTimeoutMs, outputCapBytes: CHECK_OUTPUT_CAP_BYTES, seed: checkSeed(opts.lessonId, step) });
  return interpretCheck(run, step.checkTimeoutMs);
}

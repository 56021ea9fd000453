import { runCheck } from './check-outcome';
import { checkSeed, oneStream } from './step-scripts';
import type { LessonSandbox } from './lesson-sandbox';
import type { ScriptResult } from '../sandbox';
import type { LessonStep, RightAttempt, WrongAttempt } from './types';

/** What a step's test has reached: the output to show if it fails, and how many attempts gave the right verdict. */
export type StepProgress = { output?: string; wrongRejected?: number; rightAccepted?: number };

export const SETUP_OUTPUT_CAP = 64 * 1024;

export function tail(run: ScriptResult): string {
  const lines = run.output.trim().split('\n');
  const last = (lines[lines.length - 1] ?? '').trim();
  return last.length > 200 ? `${last.slice(0, 199)}…` : last;
}

/** A wrong attempt runs like a learner's commands: one after the other, a failing one does not stop the next. */
export function wrongScript(w: Pick<WrongAttempt, 'run'>): string {
  return oneStream(['cd ~', ...w.run].join('\n'));
}

/** A right alternative runs as an author's script: a failing command is the author's mistake, shown as one. */
export function rightScript(r: Pick<RightAttempt, 'run'>): string {
  return oneStream(['set -e', 'cd ~', ...r.run].join('\n'));
}

/** Each wrong attempt, after the check failed once: the check must still fail; `undo` then restores the state. */
export async function testWrongAttempts(sandbox: LessonSandbox, lessonId: string, step: LessonStep, failed: StepProgress): Promise<string | undefined> {
  const opts = { timeoutMs: step.solutionTimeoutMs, outputCapBytes: SETUP_OUTPUT_CAP };
  for (const [i, w] of (step.wrong ?? []).entries()) {
    const name = `wrong attempt ${i + 1} (${w.why})`;
    const run = await sandbox.run(wrongScript(w), opts);
    failed.output = run.output;
    if (run.timedOut) return `${name} did not finish within ${step.solutionTimeoutMs / 1000} s`;
    const c = await runCheck(sandbox, step, { lessonId });
    if (c.passed) return `${name} passed the check: ${c.message}`;
    if (c.reason !== 'failed') return `${name}: the check did not give a verdict (${c.reason}): ${c.message}`;
    if (w.expect && !c.message.includes(w.expect)) return `${name}: the check said "${c.message}", which does not mention "${w.expect}"`;
    const undone = await runUndo(sandbox, name, w.undo, opts, failed);
    if (undone) return undone;
    failed.wrongRejected = i + 1;
  }
  failed.output = undefined;
  return undefined;
}

/**
 * Each right alternative, after the wrong attempts: the check must pass; `undo` then restores the state and the
 * check must fail again, so the solution that follows is still proved from a state where the step is not done.
 */
export async function testRightAttempts(sandbox: LessonSandbox, lessonId: string, step: LessonStep, failed: StepProgress): Promise<string | undefined> {
  const opts = { timeoutMs: step.solutionTimeoutMs, outputCapBytes: SETUP_OUTPUT_CAP };
  for (const [i, r] of (step.right ?? []).entries()) {
    const name = `right alternative ${i + 1} (${r.why})`;
    const run = await sandbox.run(rightScript(r), opts);
    failed.output = run.output;
    if (run.timedOut) return `${name} did not finish within ${step.solutionTimeoutMs / 1000} s`;
    if (run.exitCode !== 0) return `${name} exited ${run.exitCode}: ${tail(run)}`;
    const c = await runCheck(sandbox, step, { lessonId });
    if (!c.passed) {
      failed.output = await fullCheckOutput(sandbox, lessonId, step);
      return `${name} was rejected by the check (${c.reason}): ${c.message}`;
    }
    const undone = await runUndo(sandbox, name, r.undo, opts, failed);
    if (undone) return undone;
    const again = await runCheck(sandbox, step, { lessonId });
    if (again.passed) return `after the undo of ${name} the check still passes: the undo must restore the state before the step`;
    failed.rightAccepted = i + 1;
  }
  failed.output = undefined;
  return undefined;
}

/** An attempt's `undo`, run as an author's script like a right alternative; a problem as one line, else undefined. */
async function runUndo(sandbox: LessonSandbox, name: string, undo: string[], opts: { timeoutMs: number; outputCapBytes: number }, failed: StepProgress): Promise<string | undefined> {
  if (!undo.length) return undefined;
  const run = await sandbox.run(rightScript({ run: undo }), opts);
  failed.output = run.output;
  return run.exitCode !== 0 ? `undo of ${name} exited ${run.exitCode}: ${tail(run)}` : undefined;
}

/** The verdict is runCheck's; a second run only shows the author everything the check printed. */
export async function fullCheckOutput(sandbox: LessonSandbox, lessonId: string, step: LessonStep): Promise<string | undefined> {
  const run = await sandbox.check(oneStream(step.check), { timeoutMs: step.checkTimeoutMs, outputCapBytes: SETUP_OUTPUT_CAP, seed: checkSeed(lessonId, step) }).catch(() => undefined);
  return run?.output;
}

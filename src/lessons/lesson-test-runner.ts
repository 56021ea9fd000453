import { oneStream, runCheck } from './check-outcome';
import type { LessonSandbox, LessonSandboxFactory, ScriptRun } from './lesson-sandbox';
import type { Lesson, LessonStep } from './types';

export interface StepTestResult {
  lessonId: string;
  stepId: string;
  result: 'PASS' | 'FAIL' | 'SKIP';
  seconds: number;
  detail: string;
}

const SETUP_OUTPUT_CAP = 64 * 1024;

function tail(run: ScriptRun): string {
  const lines = run.output.trim().split('\n');
  const last = (lines[lines.length - 1] ?? '').trim();
  return last.length > 200 ? `${last.slice(0, 199)}…` : last;
}

/** The solution runs as one script, as a learner would type the commands one after the other in their home folder. */
export function solutionScript(step: Pick<LessonStep, 'solution'>): string {
  return oneStream(['set -e', 'cd ~', ...step.solution].join('\n'));
}

async function testStep(sandbox: LessonSandbox, step: LessonStep): Promise<string | undefined> {
  if (step.setup !== undefined) {
    const setup = await sandbox.run(oneStream(`cd ~\n${step.setup}`), { timeoutMs: step.solutionTimeoutMs, outputCapBytes: SETUP_OUTPUT_CAP });
    if (setup.timedOut) return `setup did not finish within ${step.solutionTimeoutMs / 1000} s`;
    if (setup.exitCode !== 0) return `setup exited ${setup.exitCode}: ${tail(setup)}`;
  }
  const before = await runCheck(sandbox, step);
  if (before.reason === 'timeout') return `check before the solution: ${before.message}`;
  if (before.passed) return 'check passed before the solution ran (a learner would get the step for free)';
  const sol = await sandbox.run(solutionScript(step), { timeoutMs: step.solutionTimeoutMs, outputCapBytes: SETUP_OUTPUT_CAP });
  if (sol.timedOut) return `solution did not finish within ${step.solutionTimeoutMs / 1000} s`;
  if (sol.exitCode !== 0) return `solution exited ${sol.exitCode}: ${tail(sol)}`;
  const after = await runCheck(sandbox, step);
  if (!after.passed) return `check still fails after the solution (${after.reason}): ${after.message}`;
  return undefined;
}

/**
 * Tests one lesson like Instruqt's `track test`: one fresh sandbox for the whole lesson, because steps build on each
 * other; for each step in order: setup, the check must FAIL, run the solution, the check must PASS.
 */
export async function testLesson(
  lesson: Lesson,
  factory: LessonSandboxFactory,
  opts: { onResult?: (r: StepTestResult) => void } = {},
): Promise<StepTestResult[]> {
  const results: StepTestResult[] = [];
  const push = (r: StepTestResult) => {
    results.push(r);
    opts.onResult?.(r);
  };
  const started = Date.now();
  let sandbox: LessonSandbox;
  try {
    sandbox = await factory.create(`lesson-test-${lesson.id}`);
  } catch (err) {
    push({ lessonId: lesson.id, stepId: '(sandbox)', result: 'FAIL', seconds: (Date.now() - started) / 1000, detail: `could not start a sandbox: ${(err as Error).message}` });
    return results;
  }
  try {
    let failed = false;
    for (const step of lesson.steps) {
      const t0 = Date.now();
      if (failed) {
        push({ lessonId: lesson.id, stepId: step.id, result: 'SKIP', seconds: 0, detail: 'an earlier step failed' });
        continue;
      }
      let problem: string | undefined;
      try {
        problem = await testStep(sandbox, step);
      } catch (err) {
        problem = `sandbox error: ${(err as Error).message}`;
      }
      failed = problem !== undefined;
      push({ lessonId: lesson.id, stepId: step.id, result: failed ? 'FAIL' : 'PASS', seconds: (Date.now() - t0) / 1000, detail: problem ?? '' });
    }
  } finally {
    await sandbox.dispose().catch(() => undefined);
  }
  return results;
}

export function formatResultsTable(results: StepTestResult[]): string {
  const rows = results.map((r) => [r.lessonId, r.stepId, r.result, r.seconds.toFixed(1), r.detail]);
  const header = ['LESSON', 'STEP', 'RESULT', 'SECONDS', 'DETAIL'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 3 ? c.padStart(widths[i]!) : i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const failed = results.filter((r) => r.result !== 'PASS').length;
  const total = results.reduce((s, r) => s + r.seconds, 0);
  return [line(header), ...rows.map(line), '', `${results.length - failed}/${results.length} steps passed in ${total.toFixed(1)} s`].join('\n');
}

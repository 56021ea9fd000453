import { runCheck } from './check-outcome';
import { oneStream, runSetup } from './step-scripts';
import { SETUP_OUTPUT_CAP, fullCheckOutput, tail, testRightAttempts, testWrongAttempts, type StepProgress } from './step-attempts';
import type { LessonSandbox, LessonSandboxFactory } from './lesson-sandbox';
import type { Lesson, LessonStep } from './types';

export interface StepTestResult {
  lessonId: string;
  stepId: string;
  result: 'PASS' | 'FAIL' | 'SKIP';
  seconds: number;
  detail: string;
  /** Everything the failing setup, solution or check printed (the detail has only its last line). */
  output?: string;
  /** How many of the step's wrong attempts the check rejected. */
  wrongRejected?: number;
  /** How many of the step's right alternatives the check accepted. */
  rightAccepted?: number;
}

/** The solution runs as one script, as a learner would type the commands one after the other in their home folder. */
export function solutionScript(step: Pick<LessonStep, 'solution'>): string {
  return oneStream(['set -e', 'cd ~', ...step.solution].join('\n'));
}

/** `mainPath`: setup, check fails, solution, check passes; the wrong attempts and right alternatives are left out. */
export type StepTestOptions = { mainPath?: boolean };

async function testStep(sandbox: LessonSandbox, lessonId: string, step: LessonStep, failed: StepProgress, o: StepTestOptions): Promise<string | undefined> {
  const setup = await runSetup(sandbox, lessonId, step, { outputCapBytes: SETUP_OUTPUT_CAP });
  failed.output = setup?.output;
  if (setup?.timedOut) return `setup did not finish within ${step.solutionTimeoutMs / 1000} s`;
  if (setup && setup.exitCode !== 0) return `setup exited ${setup.exitCode}: ${tail(setup)}`;
  failed.output = undefined;
  const before = await runCheck(sandbox, step, { lessonId });
  if (before.reason === 'timeout') return `check before the solution: ${before.message}`;
  if (before.passed) return 'check passed before the solution ran (a learner would get the step for free)';
  if (!o.mainPath) {
    const wrong = await testWrongAttempts(sandbox, lessonId, step, failed);
    if (wrong) return wrong;
    const right = await testRightAttempts(sandbox, lessonId, step, failed);
    if (right) return right;
  }
  const sol = await sandbox.run(solutionScript(step), { timeoutMs: step.solutionTimeoutMs, outputCapBytes: SETUP_OUTPUT_CAP });
  failed.output = sol.output;
  if (sol.timedOut) return `solution did not finish within ${step.solutionTimeoutMs / 1000} s`;
  if (sol.exitCode !== 0) return `solution exited ${sol.exitCode}: ${tail(sol)}`;
  const after = await runCheck(sandbox, step, { lessonId });
  if (!after.passed) {
    failed.output = await fullCheckOutput(sandbox, lessonId, step);
    return `check still fails after the solution (${after.reason}): ${after.message}`;
  }
  return undefined;
}

type Push = (r: StepTestResult) => void;

/** A lesson's steps in order in `sandbox`; after a failing step the rest of the lesson is skipped. */
async function testSteps(sandbox: LessonSandbox, lesson: Lesson, push: Push, o: StepTestOptions): Promise<void> {
  let failed = false;
  for (const step of lesson.steps) {
    const t0 = Date.now();
    if (failed) {
      push({ lessonId: lesson.id, stepId: step.id, result: 'SKIP', seconds: 0, detail: 'an earlier step failed' });
      continue;
    }
    let problem: string | undefined;
    const out: StepProgress = {};
    try {
      problem = await testStep(sandbox, lesson.id, step, out, o);
    } catch (err) {
      problem = `sandbox error: ${(err as Error).message}`;
    }
    failed = problem !== undefined;
    push({
      lessonId: lesson.id,
      stepId: step.id,
      result: failed ? 'FAIL' : 'PASS',
      seconds: (Date.now() - t0) / 1000,
      detail: problem ?? '',
      ...(failed && out.output ? { output: out.output } : {}),
      ...(out.wrongRejected ? { wrongRejected: out.wrongRejected } : {}),
      ...(out.rightAccepted ? { rightAccepted: out.rightAccepted } : {}),
    });
  }
}

/** Runs `body` in a new sandbox named `name`, disposed afterwards; a sandbox that cannot start fails `firstLessonId`. */
async function inSandbox(factory: LessonSandboxFactory, name: string, firstLessonId: string, push: Push, body: (sandbox: LessonSandbox) => Promise<void>): Promise<void> {
  const started = Date.now();
  let sandbox: LessonSandbox;
  try {
    sandbox = await factory.create(name);
  } catch (err) {
    push({ lessonId: firstLessonId, stepId: '(sandbox)', result: 'FAIL', seconds: (Date.now() - started) / 1000, detail: `could not start a sandbox: ${(err as Error).message}` });
    return;
  }
  try {
    await body(sandbox);
  } finally {
    await sandbox.dispose().catch(() => undefined);
  }
}

function collector(opts: { onResult?: Push }): { results: StepTestResult[]; push: Push } {
  const results: StepTestResult[] = [];
  return {
    results,
    push: (r) => {
      results.push(r);
      opts.onResult?.(r);
    },
  };
}

/**
 * Tests one lesson like Instruqt's `track test`: one fresh sandbox for the whole lesson, because steps build on each
 * other; for each step in order: setup, the check must FAIL, each wrong attempt must FAIL it too, each right
 * alternative must PASS it (and fail again after its undo), run the solution, the check must PASS. Setups, wrong attempts and solutions run in the sandbox as a learner's commands would; checks
 * run with the trusted runner, as for learners.
 */
export async function testLesson(lesson: Lesson, factory: LessonSandboxFactory, opts: { onResult?: Push } & StepTestOptions = {}): Promise<StepTestResult[]> {
  const { results, push } = collector(opts);
  await inSandbox(factory, `lesson-test-${lesson.id}`, lesson.id, push, (sandbox) => testSteps(sandbox, lesson, push, opts));
  return results;
}

/**
 * Tests `lessons` like testLesson, up to `concurrency` lessons at a time, each in its own sandbox (CI uses 2 on a
 * 2-core machine; authors keep 1). One at a time, `onResult` hears each step as it ends; with more, a lesson's
 * results reach it together when that lesson ends, so what the caller prints stays one block per lesson. The
 * returned results keep the order `lessons` was given in.
 */
export async function testLessons(
  lessons: Lesson[],
  factory: LessonSandboxFactory,
  opts: { concurrency?: number; onResult?: Push; onLesson?: (lesson: Lesson, seconds: number) => void } & StepTestOptions = {},
): Promise<StepTestResult[]> {
  const lanes = Math.max(1, Math.min(Math.floor(opts.concurrency ?? 1), lessons.length));
  const perLesson: StepTestResult[][] = lessons.map(() => []);
  let next = 0;
  const lane = async () => {
    while (next < lessons.length) {
      const i = next++;
      const lesson = lessons[i]!;
      const t0 = Date.now();
      perLesson[i] = await testLesson(lesson, factory, { mainPath: opts.mainPath, ...(lanes === 1 ? { onResult: opts.onResult } : {}) });
      if (lanes > 1) perLesson[i]!.forEach((r) => opts.onResult?.(r));
      opts.onLesson?.(lesson, (Date.now() - t0) / 1000);
    }
  };
  await Promise.all(Array.from({ length: lanes }, lane));
  return perLesson.flat();
}

/**
 * The course as a learner takes it: every lesson given, in the order given, in ONE sandbox (the tutor resets a
 * sandbox only on `reset` or for a challenge), so whatever a lesson leaves behind meets the next one. A failing
 * lesson skips only its own remaining steps; the next lesson still runs, in the same sandbox.
 */
export async function testCourse(
  lessons: Lesson[],
  factory: LessonSandboxFactory,
  opts: { onResult?: Push; onLesson?: (lesson: Lesson, seconds: number) => void } & StepTestOptions = {},
): Promise<StepTestResult[]> {
  const { results, push } = collector(opts);
  if (!lessons.length) return results;
  await inSandbox(factory, 'lesson-test-course', lessons[0]!.id, push, async (sandbox) => {
    for (const lesson of lessons) {
      const t0 = Date.now();
      await testSteps(sandbox, lesson, push, opts);
      opts.onLesson?.(lesson, (Date.now() - t0) / 1000);
    }
  });
  return results;
}

export function formatResultsTable(results: StepTestResult[], o: StepTestOptions = {}): string {
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
  const wrong = results.reduce((n, r) => n + (r.wrongRejected ?? 0), 0);
  const without = results.filter((r) => r.result === 'PASS' && !r.wrongRejected).map((r) => `${r.lessonId}/${r.stepId}`);
  const wrongLine = `${wrong} wrong attempt${wrong === 1 ? '' : 's'} rejected; passed steps without one: ${without.length ? without.join(', ') : 'none'}`;
  const right = results.reduce((n, r) => n + (r.rightAccepted ?? 0), 0);
  const rightLine = `${right} right alternative${right === 1 ? '' : 's'} accepted`;
  const attempts = o.mainPath ? ['wrong attempts and right alternatives not run (--main-path)'] : [wrongLine, rightLine];
  return [line(header), ...rows.map(line), '', ...attempts, `${results.length - failed}/${results.length} steps passed in ${total.toFixed(1)} s`].join('\n');
}

/** Profiles whose sandbox root is not root on the engine host. */
const USER_NAMESPACED = ['userns', 'sysbox'];

export type LessonTestProfile = { profile: string; env: Record<string, string> } | { refusal: string };

/**
 * The sandbox profile `lessons:test` runs under: SANDBOX_PROFILE when set, else `userns` on an engine that remaps
 * users, else the host profile `test-host-cgroup`. A host profile (test-host-cgroup, privileged) runs only with
 * `--unsafe-host-profile`: the tester runs lesson code, often a third party's scenario just imported, and under
 * a host profile that code is root on the machine. The flag is then the acknowledgement the bot's config asks for.
 */
export function lessonTestProfile(o: { requested?: string; engineSecurityOptions: string[]; unsafeHostProfile: boolean }): LessonTestProfile {
  const remaps = o.engineSecurityOptions.some((x) => /(^|,)name=userns(,|$)/.test(x));
  const profile = o.requested || (remaps ? 'userns' : 'test-host-cgroup');
  if (USER_NAMESPACED.includes(profile)) return { profile, env: {} };
  if (!o.unsafeHostProfile) return { refusal: hostProfileRefusal(profile, remaps) };
  return { profile, env: profile === 'test-host-cgroup' ? { SANDBOX_ALLOW_TEST_HOST_CGROUP: 'true' } : {} };
}

function hostProfileRefusal(profile: string, remaps: boolean): string {
  const why = remaps ? `SANDBOX_PROFILE=${profile} asks for a host profile` : 'this Docker engine runs without --userns-remap, so the only profile that works here is test-host-cgroup';
  const powers = profile === 'privileged' ? 'a privileged container' : "all capabilities, no user namespace, the host's cgroup tree writable, every device reachable";
  return (
    `lessons:test will not run: ${why}, and under it every lesson's setup, solution and check runs as root on the engine's machine (${powers}). ` +
    'A lesson is code, and one imported from a third-party scenario could take over this host. ' +
    'Restart dockerd with --userns-remap=default (README, Operators) to test in user-namespaced sandboxes, ' +
    'or, only on a throw-away test machine, accept the risk with --unsafe-host-profile.'
  );
}

import type { LessonSandbox, LessonSandboxFactory } from '../../src/lessons/lesson-sandbox';
import type { ScriptResult as ScriptRun } from '../../src/sandbox';
import { formatResultsTable, lessonTestProfile, testLessons, type StepTestResult } from '../../src/lessons/lesson-test-runner';
import { makeLesson } from '../support/fakes/lessons';

/** A sandbox whose check passes once the step's solution ran; each lesson takes `delays[lessonId]` ms per script. */
function fakeFactory(delays: Record<string, number>) {
  let open = 0;
  const stats = { maxOpen: 0, created: [] as string[] };
  const factory: LessonSandboxFactory = {
    async create(name) {
      const lessonId = name.replace(/^lesson-test-/, '');
      stats.created.push(lessonId);
      stats.maxOpen = Math.max(stats.maxOpen, ++open);
      let solved = false;
      const result = (exitCode: number, output = ''): ScriptRun => ({ exitCode, output, timedOut: false, truncated: false, durationMs: 1 });
      const wait = () => new Promise((r) => setTimeout(r, delays[lessonId] ?? 0));
      const sandbox: LessonSandbox = {
        run: async () => (await wait(), (solved = true), result(0)),
        // a passing check hands the sandbox to the next step, whose check must fail again before its solution
        check: async () => (await wait(), solved ? ((solved = false), result(0)) : result(1, 'FAIL: not yet')),
        newSeed: async () => 'seed',
        dispose: async () => void open--,
      };
      return sandbox;
    },
  };
  return { factory, stats };
}

/** Two automatic steps, `s1` and `s2`, whose scripts the fake sandbox answers (any text). */
const lesson = (id: string) => makeLesson(id, { steps: ['s1', 's2'].map((stepId) => ({ id: stepId, check: 'true', solution: ['true'], autoCheck: true, checkTimeoutMs: 1000, solutionTimeoutMs: 1000 })) });

describe('testLessons: several lessons at a time, each in its own sandbox', () => {
  const lessons = ['slow', 'quick', 'third'].map(lesson);

  it('runs two lessons at once, never more, and returns the results in the order the lessons were given', async () => {
    const { factory, stats } = fakeFactory({ slow: 30, quick: 1, third: 1 });
    const heard: string[] = [];
    const ended: string[] = [];
    const results = await testLessons(lessons, factory, { concurrency: 2, onResult: (r) => heard.push(`${r.lessonId}/${r.stepId}`), onLesson: (l) => ended.push(l.id) });
    expect(stats.maxOpen).toBe(2);
    expect(ended).toEqual(['quick', 'third', 'slow']);
    // one block per lesson, in the order the lessons ended: never interleaved
    expect(heard).toEqual(['quick/s1', 'quick/s2', 'third/s1', 'third/s2', 'slow/s1', 'slow/s2']);
    expect(results.map((r: StepTestResult) => `${r.lessonId}/${r.stepId} ${r.result}`)).toEqual(['slow/s1 PASS', 'slow/s2 PASS', 'quick/s1 PASS', 'quick/s2 PASS', 'third/s1 PASS', 'third/s2 PASS']);
    expect(formatResultsTable(results)).toMatch(/^6\/6 steps passed in [\d.]+ s$/m);
  });

  it('one at a time by default, each step heard as it ends', async () => {
    const { factory, stats } = fakeFactory({ slow: 1 });
    const heard: string[] = [];
    await testLessons(lessons, factory, { onResult: (r) => heard.push(`${r.lessonId}/${r.stepId}`), onLesson: (l) => heard.push(`end ${l.id}`) });
    expect(stats.maxOpen).toBe(1);
    expect(stats.created).toEqual(['slow', 'quick', 'third']);
    expect(heard).toEqual(['slow/s1', 'slow/s2', 'end slow', 'quick/s1', 'quick/s2', 'end quick', 'third/s1', 'third/s2', 'end third']);
  });
});

/**
 * A sandbox holding one flag file's worth of state: `touch done` makes the check pass, `rm done` undoes it. Scripts
 * are matched by their text, so a right alternative is whatever commands the test writes.
 */
function stateFactory() {
  const seen: string[] = [];
  let done = false;
  const result = (exitCode: number, output = ''): ScriptRun => ({ exitCode, output, timedOut: false, truncated: false, durationMs: 1 });
  const factory: LessonSandboxFactory = {
    async create() {
      done = false;
      return {
        run: async (script: string) => {
          seen.push(script.split('\n').slice(-1)[0]!);
          if (script.includes('false')) return result(1, 'boom');
          if (script.includes('touch done')) done = true;
          if (script.includes('rm done')) done = false;
          return result(0);
        },
        check: async () => (done ? result(0, 'done') : result(1, 'FAIL: not done')),
        newSeed: async () => 'seed',
        dispose: async () => undefined,
      };
    },
  };
  return { factory, seen };
}

const rightLesson = (right: { why: string; run: string[]; undo: string[] }[]) =>
  makeLesson('r', { steps: [{ id: 's1', check: 'test -e done', solution: ['touch done'], autoCheck: true, checkTimeoutMs: 1000, solutionTimeoutMs: 1000, wrong: [{ why: 'nothing', run: ['true'], undo: [] }], right }] });

describe('right alternatives: the check must accept each, and fail again after its undo', () => {
  it('counts every accepted alternative and still runs the solution after them', async () => {
    const { factory, seen } = stateFactory();
    const results = await testLessons([rightLesson([{ why: 'another way', run: ['touch done'], undo: ['rm done'] }, { why: 'a second way', run: ['echo hi', 'touch done'], undo: ['rm done'] }])], factory);
    expect(results).toEqual([expect.objectContaining({ result: 'PASS', wrongRejected: 1, rightAccepted: 2 })]);
    expect(seen.slice(-1)).toEqual(['touch done']);
    expect(formatResultsTable(results)).toContain('2 right alternatives accepted');
  });

  it('fails the step when the check rejects a right alternative, naming it and the message', async () => {
    const { factory } = stateFactory();
    const [r] = await testLessons([rightLesson([{ why: 'file mount', run: ['echo not really'], undo: [] }])], factory);
    expect(r).toEqual(expect.objectContaining({ result: 'FAIL', detail: 'right alternative 1 (file mount) was rejected by the check (failed): not done' }));
  });

  it('fails the step when an undo leaves it done, or when an alternative\'s command fails', async () => {
    const { factory } = stateFactory();
    const [kept] = await testLessons([rightLesson([{ why: 'kept', run: ['touch done'], undo: [] }])], factory);
    expect(kept!.detail).toBe('after the undo of right alternative 1 (kept) the check still passes: the undo must restore the state before the step');
    const [broken] = await testLessons([rightLesson([{ why: 'typo', run: ['false'], undo: [] }])], factory);
    expect(broken!.detail).toBe('right alternative 1 (typo) exited 1: boom');
  });
});

describe('--main-path: setup, check, solution and check only', () => {
  it('runs neither the wrong attempts nor the right alternatives, and the table says they were left out', async () => {
    const { factory, seen } = stateFactory();
    const results = await testLessons([rightLesson([{ why: 'another way', run: ['echo other', 'touch done'], undo: ['rm done'] }])], factory, { mainPath: true });
    expect(results).toEqual([expect.objectContaining({ result: 'PASS' })]);
    expect(results[0]).not.toHaveProperty('wrongRejected');
    // the wrong attempt's `true`, the alternative and its undo never ran: only the solution did
    expect(seen).toEqual(['touch done']);
    expect(formatResultsTable(results, { mainPath: true })).toContain('wrong attempts and right alternatives not run (--main-path)');
  });

  it('still fails a step whose check passes before the solution', async () => {
    const { factory } = stateFactory();
    const early = makeLesson('e', { steps: [{ id: 's1', check: 'true', solution: ['touch done'], autoCheck: true, checkTimeoutMs: 1000, solutionTimeoutMs: 1000, setup: 'touch done' }] });
    const [r] = await testLessons([early], factory, { mainPath: true });
    expect(r).toEqual(expect.objectContaining({ result: 'FAIL', detail: 'check passed before the solution ran (a learner would get the step for free)' }));
  });
});

describe('lessons:test sandbox profile (--unsafe-host-profile)', () => {
  const REMAP = ['name=seccomp,profile=default', 'name=userns'];
  const PLAIN = ['name=seccomp,profile=default', 'name=cgroupns'];

  it('uses userns on an engine that remaps users, and sysbox or userns when asked, without any flag', () => {
    expect(lessonTestProfile({ engineSecurityOptions: REMAP, unsafeHostProfile: false })).toEqual({ profile: 'userns', env: {} });
    expect(lessonTestProfile({ requested: 'sysbox', engineSecurityOptions: PLAIN, unsafeHostProfile: false })).toEqual({ profile: 'sysbox', env: {} });
  });

  it('refuses an engine without user namespaces in one paragraph saying why and what to do', () => {
    const r = lessonTestProfile({ engineSecurityOptions: PLAIN, unsafeHostProfile: false });
    expect(r).toEqual({
      refusal:
        "lessons:test will not run: this Docker engine runs without --userns-remap, so the only profile that works here is test-host-cgroup, and under it every lesson's setup, solution and check runs as root on the engine's machine (all capabilities, no user namespace, the host's cgroup tree writable, every device reachable). " +
        'A lesson is code, and one imported from a third-party scenario could take over this host. Restart dockerd with --userns-remap=default (README, Operators) to test in user-namespaced sandboxes, or, only on a throw-away test machine, accept the risk with --unsafe-host-profile.',
    });
    expect('refusal' in r && r.refusal).not.toContain('\n');
  });

  it('refuses a host profile asked for by SANDBOX_PROFILE even on a remapping engine', () => {
    for (const requested of ['test-host-cgroup', 'privileged']) {
      const r = lessonTestProfile({ requested, engineSecurityOptions: REMAP, unsafeHostProfile: false });
      expect('refusal' in r && r.refusal).toMatch(new RegExp(`^lessons:test will not run: SANDBOX_PROFILE=${requested} asks for a host profile`));
    }
  });

  it('with --unsafe-host-profile runs the host profile, acknowledging test-host-cgroup for the config (privileged keeps its own variable)', () => {
    expect(lessonTestProfile({ engineSecurityOptions: PLAIN, unsafeHostProfile: true })).toEqual({ profile: 'test-host-cgroup', env: { SANDBOX_ALLOW_TEST_HOST_CGROUP: 'true' } });
    expect(lessonTestProfile({ requested: 'privileged', engineSecurityOptions: PLAIN, unsafeHostProfile: true })).toEqual({ profile: 'privileged', env: {} });
  });
});

import { commandOutcome, countedChecks, countedLessons, timedSandboxPort } from '../../src/ops/instrumented-ports';
import { createMemoryStores } from '../support/fakes/memory-stores';
import { BotMetrics } from '../../src/ops/metrics';
import type { ChallengeHooks } from '../../src/tutor/tutor-deps';
import { commandResult, FakeSandbox } from '../support/fakes/fake-sandbox';

const sample = (text: string, series: string) => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

describe('timedSandboxPort', () => {
  it('times each learner command by outcome with an injected clock and passes everything through unchanged', async () => {
    const sandbox = new FakeSandbox().onCommand('sleep 99', commandResult({ exitCode: null, timedOut: true })).onCommand('false', commandResult({ exitCode: 1 }));
    const metrics = new BotMetrics({ processMetrics: false });
    let t = 0;
    const port = timedSandboxPort(sandbox, metrics, () => t);
    const timed = async (ms: number, command: string) => {
      const p = port.run('T1:U1', command);
      t += ms;
      return p;
    };
    expect((await timed(300, 'echo hi')).exitCode).toBe(0);
    expect((await timed(61_000, 'sleep 99')).timedOut).toBe(true);
    expect((await timed(40, 'false')).exitCode).toBe(1);
    await port.reset('T1:U1');
    await port.execScript('T1:U1', 'test -f /x');
    expect(port.prewarm!(3)).toBe(sandbox.prewarm(3));

    const text = await metrics.text();
    expect(sample(text, 'dockhand_command_duration_seconds_sum{outcome="ok"}')).toBeCloseTo(0.3);
    expect(sample(text, 'dockhand_command_duration_seconds_sum{outcome="timeout"}')).toBe(61);
    expect(sample(text, 'dockhand_command_duration_seconds_count{outcome="nonzero"}')).toBe(1);
    // Only run() is a learner command: reset and scripts (checks, setups) are not timed here.
    expect(sample(text, 'dockhand_command_duration_seconds_count{outcome="ok"}')).toBe(1);
    expect(sandbox.calls.map((c) => c.op)).toEqual(['run', 'run', 'run', 'reset', 'execScript', 'prewarm', 'prewarm']);
  });

  it('counts a command that throws (sandbox unavailable) as an error and rethrows it', async () => {
    const sandbox = new FakeSandbox().onCommand('ls', new Error('engine down'));
    const metrics = new BotMetrics({ processMetrics: false });
    await expect(timedSandboxPort(sandbox, metrics).run('T1:U1', 'ls')).rejects.toThrow('engine down');
    expect(sample(await metrics.text(), 'dockhand_command_duration_seconds_count{outcome="error"}')).toBe(1);
  });

  it('names outcomes from the command result', () => {
    expect(commandOutcome(commandResult({ waitingForInput: true, exitCode: null }))).toBe('waiting_input');
    expect(commandOutcome(commandResult({ interrupted: true, exitCode: 130 }))).toBe('interrupted');
    expect(commandOutcome(commandResult({ exitCode: null }))).toBe('nonzero');
  });
});

describe('countedChecks', () => {
  it('counts every check result the tutor reports and keeps the race rules answering', async () => {
    const seen: boolean[] = [];
    const hooks: ChallengeHooks = {
      solutionHidden: async () => true,
      onHint: async () => 'penalty',
      onCheck: async (_l, _lesson, passed) => {
        seen.push(passed);
        return passed ? { text: 'solved' } : undefined;
      },
    };
    const metrics = new BotMetrics({ processMetrics: false });
    const counted = countedChecks(hooks, metrics);
    expect(await counted.onCheck('L1', 'lesson', true)).toEqual({ text: 'solved' });
    expect(await counted.onCheck('L1', 'lesson', false)).toBeUndefined();
    expect(await counted.solutionHidden('L1', 'lesson')).toBe(true);
    expect(await counted.onHint('L1', 'lesson')).toBe('penalty');
    expect(seen).toEqual([true, false]);
    const text = await metrics.text();
    expect(sample(text, 'dockhand_checks_total{result="passed"}')).toBe(1);
    expect(sample(text, 'dockhand_checks_total{result="failed"}')).toBe(1);
  });
});

describe('countedLessons', () => {
  it('counts a lesson started from its first step (not a resume) and completed only when its last step was the one the learner was on', async () => {
    const stores = createMemoryStores();
    const { learner } = await stores.learners.ensureLearner('T1', 'U1');
    const metrics = new BotMetrics({ processMetrics: false });
    const store = countedLessons(stores.tutor, metrics);
    await store.startLesson(learner.id, 'l1', 'a');
    expect((await store.startLesson(learner.id, 'l1', 'a')).resumed).toBe(true);
    await store.completeStep(learner.id, 'l1', 'a', 'b', { skipped: false });
    await store.completeStep(learner.id, 'l1', 'b', null, { skipped: false });
    // a late duplicate of the last click: the store ignores it, and so does the counter
    await store.completeStep(learner.id, 'l1', 'b', null, { skipped: false });
    expect((await store.summaries(learner.id))[0]?.completedAt).not.toBeNull();
    const text = await metrics.text();
    expect(sample(text, 'dockhand_lessons_total{event="started",lesson="l1"}')).toBe(1);
    expect(sample(text, 'dockhand_lessons_total{event="completed",lesson="l1"}')).toBe(1);
  });
});

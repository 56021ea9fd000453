import { LessonCatalog } from '../../../src/lessons/lesson-catalog';
import { churnText, SandboxChurnLimiter } from '../../../src/tutor/sandboxes/sandbox-churn-limiter';
import { Tutor } from '../../../src/tutor/tutor';
import { captureLogs } from '../../support/capture-logs';
import { FakeSandbox } from '../../support/fakes/fake-sandbox';
import { makeLesson } from '../../support/fakes/lessons';
import { createMemoryStores } from '../../support/fakes/memory-stores';
import { RecordingPort } from '../../support/fakes/recording-port';

const MIN = 60_000;

/** Time that moves only when the test says. */
class ManualClock {
  private t = Date.UTC(2025, 0, 6, 9, 0, 0);
  now = (): number => this.t;
  set(t: number): void {
    this.t = t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

describe('SandboxChurnLimiter: fresh sandboxes per learner in any ten minutes', () => {
  it('allows the limit, then refuses with one notice per window until the oldest leaves the window', () => {
    const clock = new ManualClock();
    const limiter = new SandboxChurnLimiter({ perTenMinutes: 3, now: clock.now });
    const start = clock.now();
    for (const at of [0, 1, 2]) {
      clock.set(start + at * MIN);
      expect(limiter.take('T1:U1').allowed).toBe(true);
    }
    clock.set(start + 6 * MIN);
    const first = limiter.take('T1:U1');
    expect(first).toEqual({ allowed: false, notify: true, retryInMs: 4 * MIN, limit: 3 });
    expect(limiter.take('T1:U1')).toMatchObject({ allowed: false, notify: false });
    // Another learner, even of the same workspace, has a window of their own.
    expect(limiter.take('T1:U2').allowed).toBe(true);
    // The first fresh sandbox leaves the window ten minutes after it was taken: one more is allowed.
    clock.set(start + 10 * MIN);
    expect(limiter.take('T1:U1').allowed).toBe(true);
    const again = limiter.take('T1:U1');
    expect(again).toMatchObject({ allowed: false, notify: true, retryInMs: MIN });
  });

  it('words the notice in minutes, never less than one, and says the current sandbox still works', () => {
    expect(churnText({ allowed: false, notify: true, retryInMs: 3.2 * MIN, limit: 6 })).toBe(
      "You've reset your sandbox 6 times in a few minutes; the next fresh sandbox is available in about 4 min. Your current one still works (`stop` still interrupts a command).",
    );
    expect(churnText({ allowed: false, notify: true, retryInMs: 5_000, limit: 6 })).toMatch(/about 1 min/);
  });
});

describe('Tutor: a reset loop is held to the fresh-sandbox limit', () => {
  function setup() {
    const clock = new ManualClock();
    const stores = createMemoryStores({ now: clock.now });
    const sandbox = new FakeSandbox();
    const { log } = captureLogs();
    const catalog = new LessonCatalog([makeLesson('basics', { steps: 2 }), makeLesson('nginx-race', { kind: 'exercise', steps: 1 })]);
    const tutor = new Tutor({ learners: stores.learners, store: stores.tutor, catalog, sandboxes: sandbox, log, limits: { commandsPerMinute: 1000, actionsPerMinute: 1000, newSandboxesPerTenMinutes: 3, now: clock.now } });
    return { clock, stores, sandbox, tutor };
  }
  const churnNotices = (port: RecordingPort) => port.replies.filter((r) => /^You've reset your sandbox/.test(r.text));

  it('typed, pressed and slash resets share one window; refused ones keep the sandbox and are told once', async () => {
    const t = setup();
    const a = { teamId: 'T1', userId: 'UA', dmChannel: 'DA' };
    const port = new RecordingPort('DA');
    await t.stores.learners.ensureLearner('T1', 'UA');
    for (let i = 0; i < 5; i++) {
      await t.tutor.onMessage(a, 'reset', port);
      await t.tutor.onMessage(a, `$ echo ${i}`, port);
    }
    await t.tutor.onAction(a, 'tutor:reset', 'reset', port);
    expect(await t.tutor.onSlashCommand(a, 'reset', port)).toBeUndefined();
    expect(t.sandbox.callsOf('reset')).toHaveLength(3);
    expect(churnNotices(port)).toHaveLength(1);
    // 7 resets asked (5 typed, 1 pressed, 1 slash), 3 allowed: 4 refused, for dockhand_sandbox_refusals_total
    expect(t.tutor.sandboxRefusals).toBe(4);
    expect(port.replies.filter((r) => /^Your sandbox was reset/.test(r.text))).toHaveLength(3);
    // Every command still ran, in the sandbox the learner kept.
    expect(t.sandbox.callsOf('run')).toHaveLength(5);

    // Learner B of the same workspace is not held by A's loop.
    const b = { teamId: 'T1', userId: 'UB', dmChannel: 'DB' };
    const portB = new RecordingPort('DB');
    await t.stores.learners.ensureLearner('T1', 'UB');
    await t.tutor.onMessage(b, 'reset', portB);
    expect(portB.lastReply()?.text).toMatch(/^Your sandbox was reset/);

    // Ten minutes after the first reset, A gets a fresh sandbox again.
    t.clock.advance(10 * MIN);
    await t.tutor.onMessage(a, 'reset', port);
    expect(port.lastReply()?.text).toMatch(/^Your sandbox was reset/);
  });

  it("a challenge's Accept over the limit keeps the sandbox and says when to try again", async () => {
    const t = setup();
    const a = { teamId: 'T1', userId: 'UA', dmChannel: 'DA' };
    const port = new RecordingPort('DA');
    for (let i = 0; i < 3; i++) await t.tutor.beginExercise(a, 'nginx-race', port);
    const resets = t.sandbox.callsOf('reset').length;
    await expect(t.tutor.beginExercise(a, 'nginx-race', port)).rejects.toMatchObject({ code: 'RATE_LIMITED', message: expect.stringMatching(/next one is available in about 10 min\. Your current sandbox still works/) });
    expect(t.sandbox.callsOf('reset')).toHaveLength(resets);
    expect(churnNotices(port)).toHaveLength(0);
  });
});

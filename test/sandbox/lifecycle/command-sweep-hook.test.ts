import type { PtySession, SessionResult } from '../../../src/sandbox/shell/pty-session';
import type { SandboxRuntime } from '../../../src/sandbox/engine/sandbox-runtime';
import { StartedSandbox, SWEEP_HOLD_MS } from '../../../src/sandbox/lifecycle/started-sandbox';
import { BurstGate } from '../../../src/kit';

/** The sweep after each command: when it runs, whether the result waits for it, and what the learner is told. */
function sandbox(swept: () => number, burst?: BurstGate) {
  const scripts: string[] = [];
  let release: () => void = () => undefined;
  let gate = Promise.resolve();
  const runtime = {
    exec: async (_id: string, script: string) => {
      scripts.push(script);
      await gate;
      return { exitCode: 0, output: `swept ${swept()}\n`, timedOut: false, truncated: false, durationMs: 1 };
    },
  } as unknown as SandboxRuntime;
  const sb = new StartedSandbox('L', 'c1', 0, { runtime, emit: () => undefined, onGone: () => undefined, onRemoved: () => undefined, shell: { cols: 80, rows: 24 }, burst });
  const hold = (): void => {
    gate = new Promise((r) => (release = r));
  };
  return { sb, scripts, hold, release: () => release() };
}

const session = { alive: true, shellProcessId: 42 } as unknown as PtySession;
const result = (over: Partial<SessionResult> = {}): SessionResult => ({ output: '', exitCode: 0, durationMs: 1, truncated: false, timedOut: false, interrupted: false, waitingForInput: false, ...over });
const procs = (over: Partial<NonNullable<SessionResult['processes']>>) => ({ guardKilled: 0, reaped: 0, pidsHit: 0, oomKills: 0, ...over });

describe('the sweep after each command', () => {
  it('runs after every finished command, for the shell it names', async () => {
    const { sb, scripts } = sandbox(() => 0);
    const r = await sb.afterCommand(session, result({ processes: procs({}) }));
    await sb.settled();
    expect(scripts).toHaveLength(1);
    expect(scripts[0]).toMatch(/^S=42; /);
    expect(r.notices).toEqual([]);
  });

  it('is awaited when the shell saw leftovers, and the notice counts the reaped and the swept once', async () => {
    const { sb } = sandbox(() => 2);
    const r = await sb.afterCommand(session, result({ processes: procs({ reaped: 1, escaped: 2 }) }));
    expect(r.notices).toEqual(['3 background processes left running by this command were ended: nothing outlives its command here but containers. For something long-running, use a container (`docker run -d ...`).']);
  });

  it('otherwise runs after the result; what it ended is told once, with the next command, which waits for it', async () => {
    const t = sandbox(() => 1);
    t.hold();
    const first = await t.sb.afterCommand(session, result({ processes: procs({}) }));
    expect(first.notices).toEqual([]);
    let settled = false;
    const waiting = t.sb.settled().then(() => (settled = true));
    await new Promise((r) => setImmediate(r));
    expect(settled).toBe(false);
    t.release();
    await waiting;
    const next = await t.sb.afterCommand(session, result({ processes: procs({}) }));
    expect(next.notices).toEqual(['A background process left running by an earlier command was ended: nothing outlives its command here but containers.']);
    await t.sb.settled();
    const third = await t.sb.afterCommand(session, result({ processes: procs({}) }));
    expect(third.notices?.filter((n) => /earlier command/.test(n))).toHaveLength(1);
  });

  it('never runs while the command still waits for input, nor when the shell exited', async () => {
    const { sb, scripts } = sandbox(() => 0);
    await sb.afterCommand(session, result({ waitingForInput: true, exitCode: null }));
    expect(scripts).toHaveLength(0);
  });

  describe("while other learners' commands are fresh (a class typing at once)", () => {
    const tick = () => new Promise((r) => setImmediate(r));
    it('waits for them to end, then runs', async () => {
      const burst = new BurstGate();
      let end: () => void = () => undefined;
      burst.during(new Promise<void>((r) => (end = r))).catch(() => undefined);
      const t = sandbox(() => 0, burst);
      await t.sb.afterCommand(session, result({ processes: procs({}) }));
      await tick();
      expect(t.scripts).toHaveLength(0);
      end();
      await t.sb.settled();
      expect(t.scripts).toHaveLength(1);
    });

    it("starts at once when the learner's own next command comes", async () => {
      const burst = new BurstGate();
      burst.during(new Promise<void>(() => undefined)).catch(() => undefined);
      const t = sandbox(() => 0, burst);
      await t.sb.afterCommand(session, result({ processes: procs({}) }));
      await tick();
      expect(t.scripts).toHaveLength(0);
      await t.sb.settled();
      expect(t.scripts).toHaveLength(1);
    });

    it('waits at most SWEEP_HOLD_MS for a burst that does not end', async () => {
      jest.useFakeTimers();
      try {
        // fresh for longer than the hold: only the hold's bound ends the wait
        const burst = new BurstGate({ freshMs: 10 * SWEEP_HOLD_MS });
        burst.during(new Promise<void>(() => undefined)).catch(() => undefined);
        const t = sandbox(() => 0, burst);
        await t.sb.afterCommand(session, result({ processes: procs({}) }));
        await jest.advanceTimersByTimeAsync(SWEEP_HOLD_MS - 1);
        expect(t.scripts).toHaveLength(0);
        await jest.advanceTimersByTimeAsync(1);
        expect(t.scripts).toHaveLength(1);
      } finally {
        jest.useRealTimers();
      }
    });
  });
});

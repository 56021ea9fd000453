import { Reaper, reapVerdict } from '../../../src/sandbox/lifecycle/reaper';

const limits = { now: 100_000, lifetimeMs: 50_000, idleMs: 10_000 };

describe('reap verdict', () => {
  it('keeps a young sandbox used recently', () => {
    expect(reapVerdict({ createdAt: 90_000, lastUsed: 95_000, busy: false }, limits)).toBe('keep');
  });

  it('reaps a sandbox idle longer than idleMs, but not one exactly at it', () => {
    expect(reapVerdict({ createdAt: 80_000, lastUsed: 89_999, busy: false }, limits)).toBe('reaped');
    expect(reapVerdict({ createdAt: 80_000, lastUsed: 90_000, busy: false }, limits)).toBe('keep');
  });

  it('never reaps a busy sandbox for idleness', () => {
    expect(reapVerdict({ createdAt: 80_000, lastUsed: 0, busy: true }, limits)).toBe('keep');
  });

  it('expires a sandbox past its lifetime even while busy', () => {
    expect(reapVerdict({ createdAt: 49_999, lastUsed: 99_999, busy: true }, limits)).toBe('expired');
  });

  it('only expires warm sandboxes (no lastUsed), never reaps them for idleness', () => {
    expect(reapVerdict({ createdAt: 60_000, busy: false }, limits)).toBe('keep');
    expect(reapVerdict({ createdAt: 40_000, busy: false }, limits)).toBe('expired');
  });
});

describe('reaper timer', () => {
  afterEach(() => jest.useRealTimers());

  it('ticks every interval until stopped', async () => {
    jest.useFakeTimers();
    const tick = jest.fn(async () => undefined);
    const reaper = new Reaper(1000, tick);
    reaper.start();
    await jest.advanceTimersByTimeAsync(3500);
    expect(tick).toHaveBeenCalledTimes(3);
    reaper.stop();
    await jest.advanceTimersByTimeAsync(5000);
    expect(tick).toHaveBeenCalledTimes(3);
  });

  it('never overlaps a slow pass and reports a failing one', async () => {
    let finish!: () => void;
    let calls = 0;
    const errors: unknown[] = [];
    const reaper = new Reaper(
      1000,
      () => {
        calls++;
        if (calls === 2) return Promise.reject(new Error('boom'));
        return new Promise<void>((r) => (finish = r));
      },
      (e) => errors.push(e),
    );
    const first = reaper.runOnce();
    await reaper.runOnce(); // skipped: the first is still running
    expect(calls).toBe(1);
    finish();
    await first;
    await reaper.runOnce();
    expect(calls).toBe(2);
    expect(errors).toEqual([new Error('boom')]);
  });
});

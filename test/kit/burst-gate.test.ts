import { BurstGate } from '../../src/kit';

describe('BurstGate', () => {
  let now = 0;
  const gate = (freshMs = 2000) => new BurstGate({ freshMs, now: () => now });
  const state = (p: Promise<void>) => {
    const s = { done: false };
    p.then(() => (s.done = true)).catch(() => undefined);
    return s;
  };
  beforeEach(() => {
    jest.useFakeTimers();
    now = 0;
  });
  afterEach(() => jest.useRealTimers());
  const advance = async (ms: number) => {
    now += ms;
    await jest.advanceTimersByTimeAsync(ms);
  };

  it('lets background work through at once when nothing fresh runs', async () => {
    const g = gate();
    const s = state(g.whenQuiet(5000));
    await advance(0);
    expect(s.done).toBe(true);
  });

  it('holds it while fresh foreground work runs, and lets it through when that ends', async () => {
    const g = gate();
    let end: () => void = () => undefined;
    const work = g.during(new Promise<string>((r) => (end = () => r('out'))));
    const s = state(g.whenQuiet(5000));
    await advance(500);
    expect(s.done).toBe(false);
    expect(g.fresh).toBe(1);
    end();
    await expect(work).resolves.toBe('out');
    await advance(0);
    expect(s.done).toBe(true);
  });

  it('stops counting work once it is older than freshMs (a long build holds nobody for longer)', async () => {
    const g = gate(2000);
    g.during(new Promise<void>(() => undefined)).catch(() => undefined);
    await advance(1500);
    // a second command 1.5 s later keeps the burst going until 2 s after it
    g.during(new Promise<void>(() => undefined)).catch(() => undefined);
    const s = state(g.whenQuiet(60_000));
    await advance(1999);
    expect(s.done).toBe(false);
    await advance(1);
    expect(s.done).toBe(true);
    expect(g.fresh).toBe(0);
  });

  it('holds no longer than the caller allows', async () => {
    const g = gate(60_000);
    g.during(new Promise<void>(() => undefined)).catch(() => undefined);
    const s = state(g.whenQuiet(2000));
    await advance(1999);
    expect(s.done).toBe(false);
    await advance(1);
    expect(s.done).toBe(true);
  });

  it('counts failed work as ended', async () => {
    const g = gate();
    let fail: (e: Error) => void = () => undefined;
    const work = g.during(new Promise<void>((_r, j) => (fail = j)));
    const s = state(g.whenQuiet(5000));
    fail(new Error('x'));
    await expect(work).rejects.toThrow('x');
    await advance(0);
    expect(s.done).toBe(true);
  });
});

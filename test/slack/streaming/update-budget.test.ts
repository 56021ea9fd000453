import { UpdateBudget } from '../../../src/slack/streaming/update-budget';

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

function takeAll(budget: UpdateBudget, priority: 'final' | 'interim' = 'interim'): number {
  let n = 0;
  while (budget.tryTake(priority)) n++;
  return n;
}

describe('UpdateBudget', () => {
  it('allows a burst, then exactly the sustained rate per minute', () => {
    const c = clock();
    const budget = new UpdateBudget({ perMinute: 45, burst: 5, finalReserve: 0, now: c.now });
    expect(takeAll(budget)).toBe(5);
    // One token every 60000/45 = 1333.3 ms.
    expect(budget.nextAvailableInMs()).toBe(1334);
    c.advance(1333);
    expect(budget.tryTake()).toBe(false);
    c.advance(1);
    expect(budget.tryTake()).toBe(true);

    let taken = 0;
    for (let ms = 0; ms < 60_000; ms += 100) {
      c.advance(100);
      taken += takeAll(budget);
    }
    expect(taken).toBe(45);
  });

  it('never lets more than burst + perMinute calls into any 60 s window', () => {
    const c = clock();
    const budget = new UpdateBudget({ perMinute: 8, burst: 2, finalReserve: 0, now: c.now });
    const at: number[] = [];
    for (let ms = 0; ms < 5 * 60_000; ms += 50) {
      c.advance(50);
      while (budget.tryTake()) at.push(c.now());
    }
    const maxInWindow = Math.max(...at.map((t) => at.filter((u) => u >= t && u < t + 60_000).length));
    expect(maxInWindow).toBeLessThanOrEqual(10);
    expect(maxInWindow).toBeGreaterThanOrEqual(9);
  });

  it('refuses interim edits while a final is waiting, and gives the token to the final', () => {
    const c = clock();
    const budget = new UpdateBudget({ perMinute: 60, burst: 1, now: c.now });
    expect(budget.tryTake('interim')).toBe(true);
    const release = budget.holdForFinal();
    c.advance(1000);
    expect(budget.tryTake('interim')).toBe(false);
    expect(budget.tryTake('final')).toBe(true);
    release();
    release(); // idempotent: a double release must not unblock other finals' priority
    expect(budget.waitingFinals).toBe(0);
    c.advance(1000);
    expect(budget.tryTake('interim')).toBe(true);
  });

  it('keeps a reserve of tokens that only final edits may spend', () => {
    const c = clock();
    const budget = new UpdateBudget({ perMinute: 60, burst: 5, finalReserve: 2, now: c.now });
    expect(takeAll(budget, 'interim')).toBe(3);
    expect(budget.nextAvailableInMs('interim')).toBe(1000);
    expect(budget.nextAvailableInMs('final')).toBe(0);
    expect(takeAll(budget, 'final')).toBe(2);
    expect(budget.nextAvailableInMs('final')).toBe(1000);
    // Refilling: the first token goes back into the reserve, not to an interim edit.
    c.advance(1000);
    expect(budget.tryTake('interim')).toBe(false);
    expect(budget.tryTake('final')).toBe(true);
  });

  it('pauses every caller for Retry-After after a 429, then resumes with one token', () => {
    const c = clock();
    const budget = new UpdateBudget({ perMinute: 45, burst: 5, now: c.now });
    expect(budget.tryTake()).toBe(true);
    budget.pauseFor(3000);
    expect(budget.nextAvailableInMs()).toBe(3000);
    expect(budget.tryTake('final')).toBe(false);
    c.advance(2999);
    expect(budget.tryTake('final')).toBe(false);
    c.advance(1);
    // One token after the pause, and it is the finals' reserve; tokens did not pile up during the pause.
    expect(budget.tryTake('interim')).toBe(false);
    expect(budget.tryTake('final')).toBe(true);
    expect(budget.tryTake('final')).toBe(false);
    // A shorter pause reported later does not shorten the current one.
    budget.pauseFor(5000);
    budget.pauseFor(1000);
    expect(budget.nextAvailableInMs()).toBeGreaterThanOrEqual(5000);
  });

  it('serves waiting finals first come, first served', () => {
    let now = 0;
    const budget = new UpdateBudget({ perMinute: 60, burst: 1, finalReserve: 0, now: () => now });
    expect(budget.tryTake('final')).toBe(true); // bucket empty now
    const first = budget.holdForFinal();
    const second = budget.holdForFinal();
    now += 1000; // one token refilled
    expect(budget.tryTake('final', second.ticket)).toBe(false);
    expect(budget.tryTake('final', first.ticket)).toBe(true);
    first();
    now += 1000;
    expect(budget.tryTake('final', second.ticket)).toBe(true);
    second();
    expect(budget.waitingFinals).toBe(0);
  });

  it('rejects a budget that could never grant a call', () => {
    expect(() => new UpdateBudget({ perMinute: 0 })).toThrow(RangeError);
    expect(() => new UpdateBudget({ burst: 0 })).toThrow(RangeError);
    expect(() => new UpdateBudget({ burst: 3, finalReserve: 3 })).toThrow(RangeError);
    expect(new UpdateBudget({ burst: 1 }).finalReserve).toBe(0);
  });
});

describe('UpdateBudget: what a class arriving at once needs to know', () => {
  it('tells a final how long it waits counting the finals ahead of it in line', () => {
    const c = clock();
    const budget = new UpdateBudget({ perMinute: 60, burst: 2, finalReserve: 0, now: c.now });
    const holds = Array.from({ length: 5 }, () => budget.holdForFinal());
    // 2 tokens now, then one a second: the 1st and 2nd go at once, the 5th waits 3 s
    expect(holds.map((h) => budget.finalWaitMs(h.ticket))).toEqual([0, 0, 1000, 2000, 3000]);
    expect(budget.tryTake('final', holds[0]!.ticket)).toBe(true);
    holds[0]!();
    expect(budget.finalWaitMs(holds[4]!.ticket)).toBe(3000);
    budget.pauseFor(5000); // a 429: nothing before the pause ends, then the line
    expect(budget.finalWaitMs(holds[1]!.ticket)).toBe(5000);
    expect(budget.finalWaitMs(holds[4]!.ticket)).toBe(5000 + 3000);
  });

  it('affords one more live message only while its final could be made within the horizon', () => {
    const c = clock();
    const budget = new UpdateBudget({ perMinute: 45, burst: 5, now: c.now });
    // 5 tokens + 3 s x 0.75/s = 7.25 finals within 3 s
    expect([0, 5, 6, 7].map((outstanding) => budget.canFinishWithin(outstanding, 3000))).toEqual([true, true, true, false]);
    budget.pauseFor(3000);
    expect(budget.canFinishWithin(0, 3000)).toBe(false);
  });
});

describe('UpdateBudget.tokensLeft (read by the metrics)', () => {
  it('counts whole tokens usable now, and 0 while a 429 pauses the workspace', () => {
    let now = 0;
    const budget = new UpdateBudget({ perMinute: 60, burst: 5, now: () => now });
    expect(budget.tokensLeft).toBe(5);
    budget.tryTake('final');
    budget.tryTake('final');
    expect(budget.tokensLeft).toBe(3);
    now += 1500; // 1.5 tokens at 1 per second: whole tokens only
    expect(budget.tokensLeft).toBe(4);
    budget.pauseFor(10_000);
    expect(budget.tokensLeft).toBe(0);
    now += 10_000;
    expect(budget.tokensLeft).toBe(1);
  });
});

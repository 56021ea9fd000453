import { SlidingWindowLimiter, tooFastText } from '../../src/kit';

function limiter(limit: number, windowMs = 60_000) {
  const clock = { t: 1_000_000 };
  return { clock, limiter: new SlidingWindowLimiter({ limit, windowMs, now: () => clock.t }) };
}

describe('sliding window limiter', () => {
  it('allows `limit` hits per window and refuses the next, saying when the oldest leaves', () => {
    const { clock, limiter: l } = limiter(3);
    expect(l.take('a')).toEqual({ allowed: true });
    clock.t += 10_000;
    expect(l.take('a').allowed).toBe(true);
    expect(l.take('a').allowed).toBe(true);
    expect(l.take('a')).toEqual({ allowed: false, retryInMs: 50_000, limit: 3, first: true });
  });

  it('a hit leaves the window exactly one window after it was taken (1 ms before, it still counts)', () => {
    const { clock, limiter: l } = limiter(1);
    l.take('a');
    clock.t += 59_999;
    expect(l.take('a')).toMatchObject({ allowed: false, retryInMs: 1 });
    clock.t += 1;
    expect(l.take('a').allowed).toBe(true);
    expect(l.take('a')).toMatchObject({ allowed: false, retryInMs: 60_000 });
  });

  it('does not count refused hits', () => {
    const { clock, limiter: l } = limiter(1);
    l.take('a');
    for (let i = 0; i < 5; i++) {
      clock.t += 10_000;
      expect(l.take('a').allowed).toBe(false);
    }
    clock.t += 10_000;
    expect(l.take('a').allowed).toBe(true);
  });

  it('marks only the first refusal of a run as first, until the wait it announced is over', () => {
    const { clock, limiter: l } = limiter(1);
    l.take('a');
    expect(l.take('a')).toMatchObject({ first: true, retryInMs: 60_000 });
    clock.t += 30_000;
    expect(l.take('a')).toMatchObject({ first: false, retryInMs: 30_000 });
    clock.t += 30_000;
    expect(l.take('a').allowed).toBe(true);
    expect(l.take('a')).toMatchObject({ first: true });
  });

  it('keeps keys apart', () => {
    const { limiter: l } = limiter(1);
    l.take('a');
    expect(l.take('a').allowed).toBe(false);
    expect(l.take('b').allowed).toBe(true);
  });

  it('forgets quiet keys: on prune, and by itself once a window has passed', () => {
    const { clock, limiter: l } = limiter(1);
    l.take('old');
    clock.t += 50_000;
    l.take('recent');
    clock.t += 15_000;
    l.prune();
    expect(l.size).toBe(1);
    expect(l.take('recent').allowed).toBe(false);
    clock.t += 120_000;
    l.take('new');
    expect(l.size).toBe(1);
  });

  it('words a refusal once for every layer: the limit, and the wait in whole seconds', () => {
    expect(tooFastText('commands', 30, 12_300)).toBe("Slow down: you are sending commands faster than 30 a minute, and I take at most 30 commands a minute. I'll take the next one in about 13 s.");
    expect(tooFastText('requests', 8, 200)).toMatch(/in about 1 s\.$/);
  });
});

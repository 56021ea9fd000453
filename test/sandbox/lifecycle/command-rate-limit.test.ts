import { AppError } from '../../../src/errors';
import { CommandRateLimit } from '../../../src/sandbox/lifecycle/command-rate-limit';

function limiter(perMinute: number) {
  const clock = { t: 1_000_000 };
  return { clock, rate: new CommandRateLimit({ perMinute, now: () => clock.t }) };
}

const refusal = (f: () => void): AppError | undefined => {
  try {
    f();
    return undefined;
  } catch (err) {
    return err as AppError;
  }
};

describe('command rate limit', () => {
  it('allows perMinute commands, then refuses with RATE_LIMITED and the wait in seconds', () => {
    const { clock, rate } = limiter(3);
    rate.take('a');
    clock.t += 10_000;
    rate.take('a');
    rate.take('a');
    const err = refusal(() => rate.take('a'));
    expect(err).toBeInstanceOf(AppError);
    expect(err?.code).toBe('RATE_LIMITED');
    expect(err?.message).toBe("Slow down: you are sending commands faster than 3 a minute, and I take at most 3 commands a minute. I'll take the next one in about 50 s.");
  });

  it('frees a place once the oldest command is a minute old', () => {
    const { clock, rate } = limiter(2);
    rate.take('a');
    clock.t += 30_000;
    rate.take('a');
    clock.t += 29_999; // the first is 1 ms short of 60 s old: still counted
    expect(refusal(() => rate.take('a'))?.code).toBe('RATE_LIMITED');
    clock.t += 1;
    expect(refusal(() => rate.take('a'))).toBeUndefined();
    expect(refusal(() => rate.take('a'))?.code).toBe('RATE_LIMITED');
  });

  it('does not count refused commands', () => {
    const { clock, rate } = limiter(1);
    rate.take('a');
    for (let i = 0; i < 5; i++) {
      clock.t += 10_000;
      expect(refusal(() => rate.take('a'))).toBeDefined();
    }
    clock.t += 10_001; // 60.001 s after the only accepted one
    expect(refusal(() => rate.take('a'))).toBeUndefined();
  });

  it('counts each learner separately', () => {
    const { rate } = limiter(1);
    rate.take('a');
    expect(refusal(() => rate.take('a'))).toBeDefined();
    expect(refusal(() => rate.take('b'))).toBeUndefined();
  });

  it('prune forgets only learners with nothing in the window', () => {
    const { clock, rate } = limiter(1);
    rate.take('old');
    clock.t += 50_000;
    rate.take('recent');
    clock.t += 15_000;
    rate.prune();
    expect(refusal(() => rate.take('old'))).toBeUndefined();
    expect(refusal(() => rate.take('recent'))?.code).toBe('RATE_LIMITED');
  });
});

import { slowDownText, TurnLimiter } from '../../../src/tutor/turns/turn-limiter';

describe('TurnLimiter', () => {
  it('allows perMinute per learner and kind in a sliding minute, and notifies once per window', () => {
    let now = 0;
    const limiter = new TurnLimiter({ commandsPerMinute: 2, actionsPerMinute: 3, now: () => now });
    expect([1, 2].map(() => limiter.take('T:U1', 'command').allowed)).toEqual([true, true]);
    const first = limiter.take('T:U1', 'command');
    expect(first).toEqual({ allowed: false, notify: true, retryInMs: 60_000, perMinute: 2, kind: 'command' });
    now = 30_000;
    expect(limiter.take('T:U1', 'command')).toMatchObject({ allowed: false, notify: false, retryInMs: 30_000 });
    // Other learners and other kinds have their own windows.
    expect(limiter.take('T:U2', 'command').allowed).toBe(true);
    expect(limiter.take('T:U1', 'action').allowed).toBe(true);
    now = 60_000;
    expect([1, 2].map(() => limiter.take('T:U1', 'command').allowed)).toEqual([true, true]);
    // Over again in a new window: one new notice.
    expect(limiter.take('T:U1', 'command')).toMatchObject({ allowed: false, notify: true });
    expect(limiter.take('T:U1', 'command')).toMatchObject({ allowed: false, notify: false });
  });

  it('says what the limit is and when the next request is taken', () => {
    expect(slowDownText({ allowed: false, notify: true, retryInMs: 12_300, perMinute: 30, kind: 'command' })).toMatch(/^Slow down: you are sending commands faster than 30 a minute, and I take at most 30 commands a minute\. I'll take the next one in about 13 s\./);
  });
});

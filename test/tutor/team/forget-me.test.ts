import type { ChallengeRecord } from '../../../src/store/types';
import { ForgetMe, FORGET_CONFIRM } from '../../../src/tutor/team/forget-me';
import { captureLogs } from '../../support/capture-logs';

const challenge = { id: 'ch1' } as ChallengeRecord;

function forgetMe(opts: { racing?: boolean; sandboxFails?: boolean; stored?: boolean } = {}) {
  const reset: string[] = [];
  const forgotten: string[] = [];
  const refreshed: string[] = [];
  const { logs, log } = captureLogs();
  const f = new ForgetMe({
    store: { forget: async (teamId, userId) => (forgotten.push(`${teamId}:${userId}`), opts.stored === false ? null : { lessons: 2, steps: 5, commands: 9, challengeEntries: opts.racing ? 1 : 0, sandboxes: 1 }) },
    learners: { find: async (teamId, userId) => (opts.stored === false ? null : { id: `id-${userId}`, teamId, userId, displayName: null, firstSeenAt: new Date() }) },
    challenges: { activeEntry: async () => (opts.racing ? { entry: {} as never, challenge } : null) },
    sandboxes: { reset: async (key) => (reset.push(key), opts.sandboxFails ? Promise.reject(new Error('engine down')) : undefined) },
    refreshBoard: async (c) => void refreshed.push(c.id),
    log,
  });
  return { f, reset, forgotten, refreshed, logs };
}

describe('forget me', () => {
  it('asks first, with buttons that carry no user id; anything but `me` gets the usage', () => {
    const { f } = forgetMe();
    const ask = f.ask(' Me ');
    expect(ask.buttons?.map((b) => [b.actionId, b.value])).toEqual([
      [FORGET_CONFIRM, 'me'],
      ['team:forget:cancel', 'me'],
    ]);
    expect(f.ask('U0SOMEONE').text).toMatch(/^`\/tutor forget me` deletes everything/);
  });

  it("deletes only the presser's data and sandbox, withdraws them from a running challenge and refreshes its board, logging counts only", async () => {
    const { f, reset, forgotten, refreshed, logs } = forgetMe({ racing: true });
    const reply = await f.confirm({ teamId: 'T1', userId: 'U0ADA' });
    expect(reset).toEqual(['T1:U0ADA']);
    expect(forgotten).toEqual(['T1:U0ADA']);
    expect(refreshed).toEqual(['ch1']);
    expect(reply.text).toMatch(/^Done: I deleted your progress \(2 lessons\).*your sandbox is removed\. You were withdrawn from the running challenge\./);
    const line = logs.find((l) => l.msg === 'a learner deleted their data')!;
    expect(line).toMatchObject({ lessons: 2, steps: 5, commands: 9, sandboxRemoved: true, withdrawnFromChallenge: true });
    expect(JSON.stringify(line)).not.toContain('U0ADA');
  });

  it('a sandbox that cannot be removed now still lets the data go, and says the sandbox goes when idle', async () => {
    const { f, forgotten } = forgetMe({ sandboxFails: true });
    expect((await f.confirm({ teamId: 'T1', userId: 'U0ADA' })).text).toContain('your sandbox is removed within the idle time');
    expect(forgotten).toEqual(['T1:U0ADA']);
  });

  it('someone the bot never stored is told so', async () => {
    expect((await forgetMe({ stored: false }).f.confirm({ teamId: 'T1', userId: 'U0NEW' })).text).toBe('I had nothing stored about you. Your data is gone, if there was any.');
  });
});

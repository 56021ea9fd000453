import { ADMIN, FIXTURE_TEAM, postsIn, slashIn, textsIn, useRaceBot } from './in-process-race';

/** Issue 12: `/tutor challenge start` where the bot cannot post must answer, start nothing and leave the channel free. */
describe('starting a challenge where the bot cannot post', () => {
  const { bot } = useRaceBot();

  it('in a public channel the bot has not joined, it posts anyway (chat:write.public, in the manifest)', async () => {
    const channel = 'C0OUTPUBLIC';
    bot().standIn.removeBotFrom(channel, 'public');
    expect(await slashIn(bot(), ADMIN, channel, 'challenge start nginx-race 10m')).toMatch(/challenge is on/);
    expect(textsIn(bot(), channel)).toEqual([expect.stringMatching(/^Challenge: NGINX race/), 'Leaderboard']);
  });

  it.each([['private', 'channel_not_found']] as const)('in a %s channel the bot has not joined (%s): rolled back, the admin gets the /invite hint, and after the invite it starts', async (kind, error) => {
    const channel = `C0OUT${kind.toUpperCase()}`;
    bot().standIn.removeBotFrom(channel, kind);
    const mark = bot().standIn.calls.length;
    const reply = await slashIn(bot(), ADMIN, channel, 'challenge start nginx-race 10m');
    expect(reply).toMatch(/I'm not a member of this channel.*nothing was started\. Invite me with `\/invite @Dockhand`, then start the challenge again\./);
    expect(bot().standIn.calls.slice(mark).filter((c) => c.method === 'chat.postMessage').map((c) => c.response.error)).toEqual([error]);
    expect(bot().stores.db.challenges.size).toBe(0);
    expect(await slashIn(bot(), ADMIN, channel, 'challenge list')).toMatch(/No challenge is running/);
    expect(bot().logs.find((l) => l.msg === 'could not post a challenge card; rolled back')).toMatchObject({ code: 'SLACK_NOT_IN_CHANNEL' });

    bot().standIn.inviteBot(channel);
    expect(await slashIn(bot(), ADMIN, channel, 'challenge start nginx-race 10m')).toMatch(/challenge is on/);
    expect(textsIn(bot(), channel)).toEqual([expect.stringMatching(/^Challenge: NGINX race/), 'Leaderboard']);
  });

  it('when the card landed but its leaderboard did not: the card says it could not start, and nothing blocks the channel', async () => {
    const channel = 'C0HALF';
    // The second post (the leaderboard) fails with an error Slack does not retry.
    bot().standIn.once('call', (c: { method: string }) => {
      if (c.method === 'chat.postMessage') bot().standIn.failNext('chat.postMessage', { error: 'msg_too_long' });
    });
    const reply = await slashIn(bot(), ADMIN, channel, 'challenge start nginx-race 10m');
    expect(reply).toMatch(/could not post the challenge card here \(INTERNAL\), so nothing was started/);
    const card = postsIn(bot(), channel)[0]!;
    const edit = bot().standIn.callsTo('chat.update').find((c) => c.args.ts === card.response.ts)!;
    expect(String(edit.args.text)).toBe('The NGINX race challenge could not start.');
    expect(JSON.stringify(edit.args.blocks)).not.toContain('challenge:accept');
    expect(bot().stores.db.challenges.size).toBe(0);
    expect(await slashIn(bot(), ADMIN, channel, 'challenge start nginx-race 10m')).toMatch(/challenge is on/);
  });

  it('at start-up, a challenge a crash left without a card is dropped instead of blocking its channel until the deadline', async () => {
    const half = await bot().stores.challenges.create({ teamId: FIXTURE_TEAM, channelId: 'C0CRASH', exerciseId: 'nginx-race', createdBy: ADMIN, durationMs: 600_000, hintPenaltySeconds: 30 });
    await bot().challenges.restore();
    expect(await bot().stores.challenges.get(half.id)).toBeNull();
    expect(await slashIn(bot(), ADMIN, 'C0CRASH', 'challenge start nginx-race 10m')).toMatch(/challenge is on/);
  });

  it('a failure inside the command (the database is down) still answers the admin, without a stack trace', async () => {
    const store = bot().stores.challenges;
    const original = store.runningInChannel.bind(store);
    store.runningInChannel = () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5432'));
    try {
      const reply = await slashIn(bot(), ADMIN, 'C0DBDOWN', 'challenge start nginx-race 10m');
      expect(reply).toMatch(/^Something went wrong with that challenge command \(INTERNAL\)\. Try again in a moment/);
      expect(reply).not.toMatch(/ECONNREFUSED|at .*\.ts/);
    } finally {
      store.runningInChannel = original;
    }
  });
});

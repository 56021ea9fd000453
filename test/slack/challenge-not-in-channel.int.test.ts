import { startTestBot, uniqueId, type TestBot } from '../support/start-test-bot';
import { inChannel, slash } from '../tutor/challenges/race-helpers';

jest.setTimeout(300_000);
const ADMIN = 'U0ADMIN01';

/**
 * Issue 12: `/tutor challenge start` in a channel the bot has not joined. Slack refuses the card with
 * `not_in_channel` (public, without chat:write.public) or `channel_not_found` (private); the real bot (Bolt over Socket Mode, Postgres) must answer the admin, start nothing,
 * and leave the channel free for the start that follows the invitation.
 */
describe('a challenge started where the bot is not a member', () => {
  let t: TestBot;
  beforeAll(async () => {
    t = await startTestBot({ env: { ADMIN_USER_IDS: ADMIN } });
  });
  afterAll(() => t?.stop());

  it('in a private channel: answers with the /invite hint, leaves nothing behind, and starts once the bot is invited', async () => {
    const channel = uniqueId('G');
    t.standIn.removeBotFrom(channel, 'private');
    let mark = t.standIn.calls.length;
    const reply = await slash(t, ADMIN, channel, 'challenge start nginx-on-8080 10m');
    expect(reply).toContain("I'm not a member of this channel, so I can't post the challenge here, and nothing was started. Invite me with `/invite @Dockhand`");
    // what Slack answers for a private channel the bot cannot see
    expect(t.standIn.calls.slice(mark).filter((c) => c.method === 'chat.postMessage').map((c) => c.response.error)).toEqual(['channel_not_found']);
    expect(await t.bot.db.prisma.challenge.count({ where: { channelId: channel } })).toBe(0);
    expect(await slash(t, ADMIN, channel, 'challenge list')).not.toContain(channel);

    t.standIn.inviteBot(channel);
    mark = t.standIn.calls.length;
    expect(await slash(t, ADMIN, channel, 'challenge start nginx-on-8080 10m')).toMatch(/challenge is on/);
    await inChannel(t, channel, mark, /Challenge: NGINX on port 8080/);
    expect(await slash(t, ADMIN, channel, 'challenge list')).toContain(`<#${channel}>: 0 participants`);
    expect(await slash(t, ADMIN, channel, 'challenge end')).toMatch(/has ended/);
    expect(t.logs.filter((l) => l.level >= 50)).toEqual([]);
  });

  it('in a public channel it has not joined: posts the card anyway (chat:write.public, in the manifest)', async () => {
    const channel = uniqueId('C');
    t.standIn.removeBotFrom(channel, 'public');
    const mark = t.standIn.calls.length;
    expect(await slash(t, ADMIN, channel, 'challenge start nginx-on-8080 10m')).toMatch(/challenge is on/);
    await inChannel(t, channel, mark, /Challenge: NGINX on port 8080/);
    expect(await slash(t, ADMIN, channel, 'challenge end')).toMatch(/has ended/);
  });
});

import { slackFixture } from '../../support/fixtures';
import { ADMIN, callsTo, FIXTURE_TEAM, FIXTURE_USER, textOf, useInProcessBot } from './listener-harness';

describe('/tutor, delivered through Bolt in process', () => {
  const bot = useInProcessBot();
  const slash = async (text: string, over: Record<string, unknown> = {}) => {
    const response_url = bot().responseUrl();
    const res = await bot().deliver({ ...slackFixture('slash-command'), team_id: FIXTURE_TEAM, text, response_url, ...over });
    // respond() has posted the answer by the time the listener is done.
    const answer = bot().standIn.calls.filter((c) => c.method === 'response_url').at(-1)!;
    return { ...res, answer, response_url };
  };

  it('acks at once and answers help only to the caller, with /tutor words', async () => {
    const { acked, answer } = await slash('help');
    expect(acked).toBe(true);
    expect(answer.args.response_type).toBe('ephemeral');
    expect(JSON.stringify(answer.args.blocks)).toContain('`/tutor lessons`');
    expect(callsTo(bot(), 'chat.postMessage')).toEqual([]);
  });

  it('starts a lesson in the DM, opened for the caller, and says so', async () => {
    const { answer } = await slash('start 2');
    expect(textOf(answer)).toBe('Your lesson is waiting in our direct message.');
    expect(callsTo(bot(), 'conversations.open').map((c) => c.args.users)).toEqual([FIXTURE_USER]);
    expect(callsTo(bot(), 'chat.postMessage', bot().standIn.dmChannelFor(FIXTURE_USER)).map(textOf)).toEqual(['Building images · step 1 of 1: Title of images-1']);
  });

  it('hands `challenge ...` to the challenges: an admin starts one in the channel, anyone can list, others cannot start', async () => {
    const channel = 'C0RACE002';
    expect(textOf((await slash('challenge start nginx-race 10m', { user_id: 'U0NOTADMIN', channel_id: channel })).answer)).toMatch(/only the workspace's Dockhand admins/);
    expect(callsTo(bot(), 'chat.postMessage', channel)).toEqual([]);
    expect(textOf((await slash('challenge start nginx-race 10m', { user_id: ADMIN, channel_id: channel })).answer)).toMatch(/challenge is on/);
    expect(callsTo(bot(), 'chat.postMessage', channel).map(textOf)).toEqual([expect.stringMatching(/^Challenge: NGINX race/), expect.stringMatching(/Leaderboard/)]);
    const list = (await slash('challenge list', { user_id: FIXTURE_USER })).answer;
    expect(JSON.stringify(list.args.blocks)).toContain(`NGINX race* in <#${channel}>: 0 participants`);
    expect(bot().stores.db.challenges.size).toBe(1);
  });
});

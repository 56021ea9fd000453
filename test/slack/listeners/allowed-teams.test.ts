import { slackFixture } from '../../support/fixtures';
import { callsTo, FIXTURE_DM, FIXTURE_TEAM, FIXTURE_USER, textOf, useInProcessBot } from './listener-harness';

type BlockActions = { actions: Record<string, unknown>[]; [k: string]: unknown };
const OTHER_TEAM = 'T0OTHER001';

describe('ALLOWED_TEAM_IDS: requests from other workspaces go no further than the first middleware', () => {
  const bot = useInProcessBot({ env: { ALLOWED_TEAM_IDS: `${FIXTURE_TEAM},T0SECOND01` } });
  const dm = (team: string, typed: string) => {
    const body = slackFixture<Record<string, unknown>>('message-im');
    return { ...body, team_id: team, event_id: `Ev${Math.random().toString(36).slice(2, 12).toUpperCase()}`, event: { ...bot().standIn.directMessageEvent(FIXTURE_USER, typed, { channel: FIXTURE_DM }), team } };
  };
  const dropped = () => bot().logs.filter((l) => l.msg === 'request from a workspace not in ALLOWED_TEAM_IDS dropped');

  it('drops a DM, a slash command and a button from another team with one log line each; the allowed team is served', async () => {
    await bot().deliver(dm(OTHER_TEAM, '$ echo hi'));
    const slash = await bot().deliver({ ...slackFixture('slash-command'), team_id: OTHER_TEAM, text: 'reset', response_url: bot().responseUrl() });
    const click = slackFixture<BlockActions>('block-actions');
    const pressed = await bot().deliver({ ...click, team: { id: OTHER_TEAM, domain: 'other' }, user: { ...(click.user as object), team_id: OTHER_TEAM }, actions: [{ ...click.actions[0], action_id: 'tutor:reset', value: 'reset' }] });
    // Acked (the person sees nothing rather than Slack's timeout error), and nothing else happened.
    expect(slash.acked).toBe(true);
    expect(pressed.acked).toBe(true);
    expect(bot().sandbox.callsOf('run')).toEqual([]);
    expect(bot().sandbox.callsOf('reset')).toEqual([]);
    expect(bot().standIn.calls.filter((c) => c.method === 'chat.postMessage' || c.method === 'response_url')).toEqual([]);
    expect(await bot().stores.learners.find(OTHER_TEAM, FIXTURE_USER)).toBeNull();
    expect(dropped().map((l) => l.team)).toEqual([OTHER_TEAM, OTHER_TEAM, OTHER_TEAM]);

    await bot().deliver(dm(FIXTURE_TEAM, 'help'));
    expect(callsTo(bot(), 'chat.postMessage', FIXTURE_DM).map(textOf)).toEqual([expect.stringMatching(/Welcome|Here is what I can do/)]);
    expect(dropped()).toHaveLength(3);
  });
});

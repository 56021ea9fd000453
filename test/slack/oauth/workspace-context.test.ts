import { webApi } from '@slack/bolt';
import { SlackStandIn } from '../../../src/slack/stand-in/slack-stand-in';
import { bindWorkspaceTokens, WorkspaceContext } from '../../../src/slack/oauth/workspace-context';

/** A token-less WebClient sends each call with the token of the workspace the work runs for. */
describe('bindWorkspaceTokens', () => {
  let standIn: SlackStandIn;
  let client: webApi.WebClient;
  const ctx = new WorkspaceContext();
  beforeAll(async () => {
    standIn = new SlackStandIn({ teamId: 'T0ONE', botToken: 'xoxb-one' });
    standIn.addWorkspace('T0TWO').botToken = 'xoxb-two';
    client = new webApi.WebClient(undefined, { slackApiUrl: await standIn.start(), retryConfig: { retries: 0 } });
    const tokens: Record<string, string> = { T0ONE: 'xoxb-one', T0TWO: 'xoxb-two' };
    bindWorkspaceTokens(client, ctx, async (teamId) => tokens[teamId]);
  });
  afterAll(() => standIn.stop());

  it('uses the current workspace\'s token, across awaits and timers', async () => {
    const one = await ctx.run('T0ONE', () => client.auth.test());
    expect(one.team_id).toBe('T0ONE');
    const two = await ctx.run('T0TWO', async () => {
      await new Promise((r) => setTimeout(r, 5));
      return client.auth.test();
    });
    expect(two.team_id).toBe('T0TWO');
    expect(standIn.calls.map((c) => c.token)).toEqual(['xoxb-one', 'xoxb-two']);
  });

  it('refuses a call outside any workspace, or for one without an installation, before anything is sent', async () => {
    const before = standIn.calls.length;
    await expect(client.auth.test()).rejects.toMatchObject({ code: 'SLACK_NO_WORKSPACE' });
    await expect(ctx.run('T0GONE', () => client.auth.test())).rejects.toMatchObject({ code: 'SLACK_NOT_INSTALLED' });
    expect(standIn.calls.length).toBe(before);
  });

  it('leaves a client that has its own token alone', async () => {
    const own = new webApi.WebClient('xoxb-one', { slackApiUrl: standIn.apiUrl });
    bindWorkspaceTokens(own, ctx, async () => 'xoxb-two');
    expect((await ctx.run('T0TWO', () => own.auth.test())).team_id).toBe('T0ONE');
  });
});

import { SlackStandIn } from '../../../src/slack/stand-in/slack-stand-in';
import { verifySlackToken } from '../../../src/slack/app/verify-slack-token';

/** auth.test answered by the Slack stand-in over HTTP: the bot's token belongs to workspace T0OWN. */
describe('start-up auth.test and ALLOWED_TEAM_IDS (single-workspace mode)', () => {
  let slack: SlackStandIn;
  beforeAll(async () => {
    slack = new SlackStandIn({ teamId: 'T0OWN' });
    await slack.start();
  });
  afterAll(() => slack.stop());

  it('refuses to start in one line when the allow-list leaves out the bot token’s own workspace', async () => {
    const err = (await verifySlackToken(slack.botToken, slack.apiUrl, ['T0OTHER', 'T0THIRD']).catch((e: unknown) => e)) as { code: string; message: string };
    expect(err).toMatchObject({ code: 'CONFIG_INVALID' });
    expect(err.message).toBe('ALLOWED_TEAM_IDS (T0OTHER, T0THIRD) leaves out T0OWN, the workspace of SLACK_BOT_TOKEN, so the bot would answer no one: add T0OWN to it or unset it');
    expect(err.message).not.toContain('\n');
  });

  it('starts when the allow-list holds its workspace, or when there is none', async () => {
    await expect(verifySlackToken(slack.botToken, slack.apiUrl, ['T0OTHER', 'T0OWN'])).resolves.toMatchObject({ teamId: 'T0OWN' });
    await expect(verifySlackToken(slack.botToken, slack.apiUrl)).resolves.toMatchObject({ teamId: 'T0OWN', botUserId: slack.botUserId });
  });
});

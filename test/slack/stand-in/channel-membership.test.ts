import { webApi } from '@slack/bolt';
import { SlackStandIn } from '../../../src/slack/stand-in/slack-stand-in';

/**
 * Slack answers a bot's chat.postMessage in a channel it was not invited to with `not_in_channel` (public)
 * or `channel_not_found` (private); with `chat:write.public` (our manifest asks for it) public channels work
 * without an invitation, private ones never do. The stand-in does the same for the channels a test takes the
 * bot out of; every other channel counts as joined.
 */
describe('Slack stand-in: channel membership', () => {
  let standIn: SlackStandIn;
  let client: webApi.WebClient;
  beforeEach(async () => {
    // the scopes without chat:write.public, to see Slack's refusal for public channels too
    standIn = new SlackStandIn({ scopes: ['chat:write', 'im:write'] });
    await standIn.start();
    client = new webApi.WebClient(standIn.botToken, { slackApiUrl: standIn.apiUrl, retryConfig: { retries: 0 } });
  });
  afterEach(() => standIn.stop());

  it('refuses posts where the bot is not a member, like Slack, until it is invited', async () => {
    standIn.removeBotFrom('C0PUBLIC');
    standIn.removeBotFrom('G0PRIVATE', 'private');
    await expect(client.chat.postMessage({ channel: 'C0PUBLIC', text: 'hi' })).rejects.toMatchObject({ code: webApi.ErrorCode.PlatformError, data: { ok: false, error: 'not_in_channel' } });
    await expect(client.chat.postMessage({ channel: 'G0PRIVATE', text: 'hi' })).rejects.toMatchObject({ data: { ok: false, error: 'channel_not_found' } });
    await expect(client.chat.postMessage({ channel: 'C0JOINED', text: 'hi' })).resolves.toMatchObject({ ok: true, channel: 'C0JOINED' });
    standIn.inviteBot('C0PUBLIC');
    await expect(client.chat.postMessage({ channel: 'C0PUBLIC', text: 'hi' })).resolves.toMatchObject({ ok: true });
    // The refused calls are recorded as Slack answered them (status 200, ok: false), and not as posts.
    expect(standIn.calls.filter((c) => c.method === 'chat.postMessage').map((c) => [c.args.channel, c.status, c.response.error ?? 'ok'])).toEqual([
      ['C0PUBLIC', 200, 'not_in_channel'],
      ['G0PRIVATE', 200, 'channel_not_found'],
      ['C0JOINED', 200, 'ok'],
      ['C0PUBLIC', 200, 'ok'],
    ]);
    expect(standIn.callsTo('chat.postMessage').map((c) => c.args.channel)).toEqual(['C0JOINED', 'C0PUBLIC']);
  });

  it('with chat:write.public (the default scopes, as in the manifest), public channels take posts without an invitation; private ones do not', async () => {
    const withScope = new SlackStandIn();
    await withScope.start();
    try {
      const c = new webApi.WebClient(withScope.botToken, { slackApiUrl: withScope.apiUrl, retryConfig: { retries: 0 } });
      withScope.removeBotFrom('C0PUBLIC');
      withScope.removeBotFrom('G0PRIVATE', 'private');
      await expect(c.chat.postMessage({ channel: 'C0PUBLIC', text: 'hi' })).resolves.toMatchObject({ ok: true, channel: 'C0PUBLIC' });
      await expect(c.chat.postMessage({ channel: 'G0PRIVATE', text: 'hi' })).rejects.toMatchObject({ data: { ok: false, error: 'channel_not_found' } });
    } finally {
      await withScope.stop();
    }
  });
});

import { App, LogLevel, webApi } from '@slack/bolt';
import { SlackStandIn } from '../../../src/slack/stand-in/slack-stand-in';
import { slackFixture } from '../../support/fixtures';

/** A bare Bolt app (no Dockhand code) proves the stand-in speaks the protocol Bolt expects. */
async function boltAgainst(standIn: SlackStandIn) {
  const clientOptions = { slackApiUrl: standIn.apiUrl };
  const app = new App({ token: standIn.botToken, appToken: standIn.appToken, socketMode: true, logLevel: LogLevel.ERROR, clientOptions, installerOptions: { clientOptions } });
  const seen: string[] = [];
  app.command('/tutor', async ({ ack, command }) => {
    seen.push(`command:${command.text}`);
    await ack({ text: 'ok from the app' });
  });
  app.action('hint', async ({ ack, action }) => {
    seen.push(`action:${(action as { value?: string }).value}`);
    await ack();
  });
  await app.start();
  await standIn.waitForConnection();
  return { app, seen };
}

describe('Slack stand-in', () => {
  let standIn: SlackStandIn;
  beforeEach(async () => {
    standIn = new SlackStandIn({ rateLimits: { 'chat.update': 3 } });
    await standIn.start();
  });
  afterEach(() => standIn.stop());

  it('opens Socket Mode for the app token only, and rejects a wrong bot token', async () => {
    const wrong = new webApi.WebClient('xoxb-wrong', { slackApiUrl: standIn.apiUrl, retryConfig: { retries: 0 } });
    await expect(wrong.auth.test()).rejects.toMatchObject({ data: { ok: false, error: 'invalid_auth' } });
    const good = new webApi.WebClient(standIn.botToken, { slackApiUrl: standIn.apiUrl });
    await expect(good.auth.test()).resolves.toMatchObject({ ok: true, team_id: standIn.teamId, user_id: standIn.botUserId });
    await expect(good.apps.connections.open()).rejects.toMatchObject({ data: { error: 'invalid_auth' } });
  });

  it('delivers slash_commands and interactive envelopes and waits for each ack, with its payload', async () => {
    const { app, seen } = await boltAgainst(standIn);
    try {
      const cmd = slackFixture('slash-command');
      const ack = await standIn.sendSlashCommand({ ...cmd, text: 'progress' });
      expect(ack.payload).toMatchObject({ text: 'ok from the app' });
      const actions = slackFixture<{ actions: { value: string }[] }>('block-actions');
      await standIn.sendInteractive(actions);
      expect(seen).toEqual(['command:progress', `action:${actions.actions[0]!.value}`]);
    } finally {
      await app.stop();
    }
  });

  it('answers a call with 429 + Retry-After on request, and the Web API client retries after it', async () => {
    const client = new webApi.WebClient(standIn.botToken, { slackApiUrl: standIn.apiUrl });
    standIn.failNext('chat.postMessage', { status: 429, retryAfterSec: 1 });
    const started = Date.now();
    const res = await client.chat.postMessage({ channel: 'D1', text: 'hi' });
    expect(res.ok).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    const statuses = standIn.calls.filter((c) => c.method === 'chat.postMessage').map((c) => c.status);
    expect(statuses).toEqual([429, 200]);
  });

  it('enforces per-method rate limits and records each violation', async () => {
    const client = new webApi.WebClient(standIn.botToken, { slackApiUrl: standIn.apiUrl, rejectRateLimitedCalls: true });
    for (let i = 0; i < 3; i++) await client.chat.update({ channel: 'D1', ts: '1.1', text: `edit ${i}` });
    await expect(client.chat.update({ channel: 'D1', ts: '1.1', text: 'one too many' })).rejects.toMatchObject({ code: 'slack_webapi_rate_limited_error', retryAfter: 1 });
    expect(standIn.rateLimitViolations.map((v) => v.method)).toEqual(['chat.update']);
  });

  it('serves the file upload sequence used by files.uploadV2', async () => {
    const client = new webApi.WebClient(standIn.botToken, { slackApiUrl: standIn.apiUrl });
    const content = 'line\n'.repeat(2000);
    const res = await client.filesUploadV2({ channel_id: 'D1', thread_ts: '1.2', filename: 'output.txt', title: 'output', content });
    expect(res.ok).toBe(true);
    const files = [...standIn.files.values()];
    expect(files).toHaveLength(1);
    expect(files[0]).toMatchObject({ filename: 'output.txt', title: 'output', channelId: 'D1', threadTs: '1.2', completed: true, content });
    expect(standIn.callsTo('files.getUploadURLExternal')).toHaveLength(1);
    expect(standIn.callsTo('files.completeUploadExternal')).toHaveLength(1);
  });

  it('answers the other Web API methods the bot uses, in Slack\'s shapes', async () => {
    const client = new webApi.WebClient(standIn.botToken, { slackApiUrl: standIn.apiUrl });
    expect((await client.conversations.open({ users: 'U123' })).channel?.id).toBe('D123');
    expect((await client.users.info({ user: 'U123' })).user?.id).toBe('U123');
    expect((await client.chat.postEphemeral({ channel: 'C1', user: 'U123', text: 'psst' })).ok).toBe(true);
    expect((await client.views.publish({ user_id: 'U123', view: { type: 'home', blocks: [] } })).ok).toBe(true);
    const posted = await client.chat.postMessage({ channel: 'D123', text: 'hello', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'hello' } }] });
    expect(posted.ts).toMatch(/^\d+\.\d{6}$/);
    expect(standIn.callsTo('chat.postMessage')[0]!.args.blocks).toEqual([{ type: 'section', text: { type: 'mrkdwn', text: 'hello' } }]);
    await expect(client.apiCall('no.such.method')).rejects.toMatchObject({ data: { error: 'unknown_method' } });
  });
});

import { randomUUID } from 'node:crypto';
import { readConfig } from '../../src/config';
import { BotMetrics } from '../../src/ops/metrics';
import { startOpsServer, type OpsServer } from '../../src/ops/ops-server';
import { Readiness } from '../../src/ops/readiness';
import { SlackStandIn } from '../../src/slack/stand-in/slack-stand-in';
import { startBot, type Bot } from '../../src/start-bot';
import { captureLogs, type LogLine } from '../support/capture-logs';
import { slackFixture, type EventCallback } from '../support/fixtures';
import { post, signedRequest } from '../support/signed-http';
import { testBotEnv, uniqueId } from '../support/start-test-bot';
import { freePort } from '../../src/store/embedded-postgres';

const SECRET = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';


/**
 * The real bot in HTTP mode (SLACK_SIGNING_SECRET, no app token): Bolt's own HTTP receiver on PORT, Web
 * API calls to the stand-in, real Postgres and sandboxes. Requests are built and signed the way Slack
 * does it (test/support/signed-http.ts) and posted to /slack/events.
 */
describe('HTTP mode end to end: signed requests to /slack/events', () => {
  let standIn: SlackStandIn;
  let bot: Bot;
  let ops: OpsServer;
  let logs: LogLine[];
  let url: string;
  const metrics = new BotMetrics({ processMetrics: false });
  const readiness = new Readiness();

  beforeAll(async () => {
    standIn = new SlackStandIn({ teamId: uniqueId('T') });
    const apiUrl = await standIn.start();
    const port = await freePort();
    const config = readConfig({
      SLACK_BOT_TOKEN: standIn.botToken,
      SLACK_SIGNING_SECRET: SECRET,
      PORT: String(port),
      SLACK_API_URL: apiUrl,
      ...testBotEnv(),
    });
    expect(config.mode).toBe('http');
    const captured = captureLogs();
    logs = captured.logs;
    ops = await startOpsServer({ port: 0, host: '127.0.0.1', metrics, readiness, log: captured.log });
    bot = await startBot(config, captured.log, { ops: { metrics, readiness } });
    url = `http://127.0.0.1:${port}/slack/events`;
  });
  afterAll(async () => {
    await bot?.stop();
    await bot?.sandboxes.destroyAll();
    await ops?.close();
    await standIn?.stop();
  });

  const baseUrl = () => standIn.apiUrl.replace(/api\/$/, '');
  const dmReplies = (user: string) => standIn.callsTo('chat.postMessage').filter((c) => c.args.channel === standIn.dmChannelFor(user));
  const eventBody = (user: string, text: string, eventId = uniqueId('Ev')) => ({
    token: 'unused',
    team_id: standIn.teamId,
    api_app_id: standIn.appId,
    type: 'event_callback',
    event_id: eventId,
    event_time: Math.floor(Date.now() / 1000),
    event: { ...slackFixture<EventCallback>('message-im').event, user, text, team: standIn.teamId, channel: standIn.dmChannelFor(user) },
    authorizations: [{ team_id: standIn.teamId, user_id: standIn.botUserId, is_bot: true }],
  });
  const commandBody = (user: string, text: string) => ({
    ...slackFixture('slash-command'),
    team_id: standIn.teamId,
    user_id: user,
    channel_id: 'C0HTTPMODE',
    text,
    response_url: `${baseUrl()}response/${randomUUID()}`,
  });

  it('answers the url_verification challenge', async () => {
    const res = await post(url, signedRequest('event', { token: 'unused', challenge: 'c-3po-challenge', type: 'url_verification' }, SECRET));
    expect(res.status).toBe(200);
    expect(res.body).toContain('c-3po-challenge');
  });

  it('handles a signed Events API message: acked with 200, answered in the DM', async () => {
    const user = uniqueId('U');
    const res = await post(url, signedRequest('event', eventBody(user, 'help'), SECRET));
    expect(res.status).toBe(200);
    const reply = await standIn.waitForCall('chat.postMessage', (c) => c.args.channel === standIn.dmChannelFor(user));
    expect(JSON.stringify(reply.args.blocks)).toContain('lessons');
  });

  it('refuses a bad signature, a stale timestamp and a missing signature with 401, and handles none of them', async () => {
    const user = uniqueId('U');
    // First contact gets a welcome; the learner exists before the refused requests.
    await post(url, signedRequest('event', eventBody(user, 'help'), SECRET));
    await standIn.waitForCall('chat.postMessage', (c) => c.args.channel === standIn.dmChannelFor(user));
    const wrongSecret = signedRequest('event', eventBody(user, 'help'), 'ffffffffffffffffffffffffffffffff');
    expect((await post(url, wrongSecret)).status).toBe(401);
    // Correctly signed, but 6 minutes old: outside Slack's 5-minute window.
    const stale = signedRequest('event', eventBody(user, 'help'), SECRET, Math.floor(Date.now() / 1000) - 6 * 60);
    expect((await post(url, stale)).status).toBe(401);
    const tampered = signedRequest('event', eventBody(user, 'help'), SECRET);
    expect((await post(url, { ...tampered, rawBody: tampered.rawBody.replace('"help"', '"reset"') })).status).toBe(401);
    expect((await post(url, tampered, {})).status).toBe(401);

    // A good request afterwards is the only one answered.
    await post(url, signedRequest('event', eventBody(user, 'marker-after-refusals'), SECRET));
    await standIn.waitForCall('chat.postMessage', (c) => c.args.channel === standIn.dmChannelFor(user) && String(c.args.text).includes('marker-after-refusals'));
    expect(dmReplies(user)).toHaveLength(2);
  });

  it('handles an Events API request replayed within 5 minutes only once (the event ledger)', async () => {
    const user = uniqueId('U');
    const eventId = uniqueId('Ev');
    const captured = signedRequest('event', eventBody(user, 'help', eventId), SECRET);
    expect((await post(url, captured)).status).toBe(200);
    await standIn.waitForCall('chat.postMessage', (c) => c.args.channel === standIn.dmChannelFor(user));
    expect((await post(url, captured)).status).toBe(200);
    await post(url, signedRequest('event', eventBody(user, 'marker-after-replay'), SECRET));
    await standIn.waitForCall('chat.postMessage', (c) => c.args.channel === standIn.dmChannelFor(user) && String(c.args.text).includes('marker-after-replay'));
    expect(dmReplies(user)).toHaveLength(2);
    expect(logs.some((l) => l.msg === 'duplicate delivery ignored' && l.eventId === eventId)).toBe(true);
  });

  it('handles a signed slash command (form body): acked with 200, answered only to the caller; a replay is acked and ignored', async () => {
    const user = uniqueId('U');
    const responses = () => standIn.calls.filter((c) => c.method === 'response_url');
    const before = responses().length;
    const captured = signedRequest('command', commandBody(user, 'help'), SECRET);
    expect((await post(url, captured)).status).toBe(200);
    await waitFor(() => responses().length === before + 1);
    expect(JSON.stringify(responses().at(-1)!.args)).toContain('lessons');

    expect((await post(url, captured)).status).toBe(200);
    // One learner's requests are handled in order: once the later command is answered, the replay was decided.
    expect((await post(url, signedRequest('command', commandBody(user, 'progress'), SECRET))).status).toBe(200);
    await waitFor(() => responses().length >= before + 2);
    expect(responses()).toHaveLength(before + 2);
    expect(logs.filter((l) => l.msg === 'replayed request ignored (same signature seen before)')).toHaveLength(1);
  });

  it('handles a signed interactivity request (a button click): acked with 200, answered in the DM; a replay is ignored', async () => {
    const user = uniqueId('U');
    const channel = standIn.dmChannelFor(user);
    const click = {
      ...slackFixture('block-actions'),
      user: { id: user, username: user.toLowerCase(), name: user.toLowerCase(), team_id: standIn.teamId },
      team: { id: standIn.teamId, domain: 'standin' },
      container: { type: 'message', message_ts: '1.000100', channel_id: channel, is_ephemeral: false },
      channel: { id: channel, name: 'directmessage' },
      actions: [{ type: 'button', action_id: 'tutor:lessons', block_id: 'b', value: 'lessons', action_ts: `${Math.floor(Date.now() / 1000)}.000001` }],
      response_url: `${baseUrl()}response/${randomUUID()}`,
    };
    const captured = signedRequest('interactive', click, SECRET);
    expect((await post(url, captured)).status).toBe(200);
    await standIn.waitForCall('chat.postMessage', (c) => c.args.channel === channel);
    expect((await post(url, captured)).status).toBe(200);
    await post(url, signedRequest('event', eventBody(user, 'marker-after-click-replay'), SECRET));
    await standIn.waitForCall('chat.postMessage', (c) => c.args.channel === channel && String(c.args.text).includes('marker-after-click-replay'));
    expect(dmReplies(user)).toHaveLength(2);
  });

  it('reports the HTTP listener as the Slack part of /readyz and counts what came in', async () => {
    const ready = await fetch(`http://127.0.0.1:${ops.port}/readyz`).then(async (r) => ({ status: r.status, body: (await r.json()) as { parts: Record<string, { ok: boolean }> } }));
    expect(ready.status).toBe(200);
    expect(ready.body.parts.slack).toEqual({ ok: true });
    const text = await metrics.text();
    expect(text).toMatch(/^dockhand_slack_requests_total\{kind="command"\} [2-9]/m);
    expect(text).toMatch(/^dockhand_slack_requests_total\{kind="action"\} [12]/m);
    expect(text).toMatch(/^dockhand_slack_event_lag_seconds_count\{kind="event"\} \d+/m);
  });
});

async function waitFor(cond: () => boolean, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

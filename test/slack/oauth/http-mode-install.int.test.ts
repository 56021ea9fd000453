import { randomBytes } from 'node:crypto';
import { readConfig } from '../../../src/config';
import { SlackStandIn } from '../../../src/slack/stand-in/slack-stand-in';
import { startBot, type Bot } from '../../../src/start-bot';
import { captureLogs, type LogLine } from '../../support/capture-logs';
import { slackFixture, type EventCallback } from '../../support/fixtures';
import { getPage, installInto } from '../../support/oauth-browser';
import { post, signedRequest } from '../../support/signed-http';
import { testBotEnv, uniqueId } from '../../support/start-test-bot';
import { freePort } from '../../../src/store/embedded-postgres';

const SECRET = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
const CLIENT = { clientId: '3333333333.4444444444', clientSecret: randomBytes(16).toString('hex') };


/**
 * Multi-workspace installs in HTTP mode: /slack/install and /slack/oauth_redirect on PORT next to
 * /slack/events (Bolt's HTTPReceiver), signed Events API requests from the installed workspace answered
 * with its own token, and from a workspace without an installation dropped.
 */
describe('OAuth installs in HTTP mode', () => {
  let standIn: SlackStandIn;
  let bot: Bot;
  let logs: LogLine[];
  let base: string;
  const team = uniqueId('TH');
  const stranger = uniqueId('TX');

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    standIn = new SlackStandIn({ teamId: uniqueId('T'), oauth: { ...CLIENT, redirectUrls: [`${base}/slack/oauth_redirect`] } });
    standIn.addWorkspace(team, 'HTTP team');
    standIn.addWorkspace(stranger, 'Never installed');
    const apiUrl = await standIn.start();
    const config = readConfig({
      SLACK_SIGNING_SECRET: SECRET,
      PORT: String(port),
      SLACK_API_URL: apiUrl,
      SLACK_CLIENT_ID: CLIENT.clientId,
      SLACK_CLIENT_SECRET: CLIENT.clientSecret,
      SLACK_STATE_SECRET: randomBytes(16).toString('hex'),
      SLACK_TOKEN_KEY: randomBytes(32).toString('hex'),
      ...testBotEnv(),
    });
    expect(config.mode).toBe('http');
    const captured = captureLogs();
    logs = captured.logs;
    bot = await startBot(config, captured.log);
  });
  afterAll(async () => {
    await bot?.stop();
    await bot?.sandboxes.destroyAll();
    await standIn?.stop();
  });

  const dm = (teamId: string, user: string, text: string) => ({
    token: 'unused',
    team_id: teamId,
    api_app_id: standIn.appId,
    type: 'event_callback',
    event_id: uniqueId('Ev'),
    event_time: Math.floor(Date.now() / 1000),
    event: { ...slackFixture<EventCallback>('message-im').event, user, text, team: teamId, channel: standIn.dmChannelFor(user) },
    authorizations: [{ team_id: teamId, user_id: standIn.workspaces.byTeam.get(teamId)!.botUserId, is_bot: true }],
  });

  it('serves the install pages on PORT; a forged state gets the friendly page', async () => {
    const forged = await getPage(`${base}/slack/oauth_redirect?code=1.2&state=forged`, 'slack-app-oauth-state=forged');
    expect(forged.status).toBe(400);
    expect(forged.body).toMatch(/Dockhand could not be installed/);
    const done = await installInto(`${base}/slack/install`, team);
    expect(done.status).toBe(200);
    expect(await bot.db.prisma.installation.count({ where: { teamId: team } })).toBe(1);
  });

  it('answers a signed event from the installed workspace with that workspace\'s token', async () => {
    const user = uniqueId('U');
    const since = standIn.calls.length;
    expect((await post(`${base}/slack/events`, signedRequest('event', dm(team, user, 'help'), SECRET))).status).toBe(200);
    const reply = await standIn.waitForCall('chat.postMessage', (c) => standIn.calls.indexOf(c) >= since && c.args.channel === standIn.dmChannelFor(user), 30_000);
    expect(reply.teamId).toBe(team);
    expect(reply.token).toBe(standIn.workspaces.byTeam.get(team)!.botToken);
  });

  it('drops an event from a workspace that never installed the app, and keeps serving', async () => {
    const user = uniqueId('U');
    const since = standIn.calls.length;
    await post(`${base}/slack/events`, signedRequest('event', dm(stranger, user, 'help'), SECRET));
    await post(`${base}/slack/events`, signedRequest('event', dm(team, user, 'help'), SECRET));
    await standIn.waitForCall('chat.postMessage', (c) => standIn.calls.indexOf(c) >= since && c.teamId === team && c.args.channel === standIn.dmChannelFor(user), 30_000);
    expect(standIn.calls.slice(since).filter((c) => c.teamId === stranger)).toEqual([]);
    expect(JSON.stringify(logs)).not.toContain(standIn.workspaces.byTeam.get(team)!.botToken!);
  });

  it('a signed app_uninstalled deletes the workspace\'s installation', async () => {
    const body = { token: 'unused', team_id: team, api_app_id: standIn.appId, type: 'event_callback', event_id: uniqueId('Ev'), event_time: Math.floor(Date.now() / 1000), event: { type: 'app_uninstalled', event_ts: '1.1' } };
    expect((await post(`${base}/slack/events`, signedRequest('event', body, SECRET))).status).toBe(200);
    const deadline = Date.now() + 10_000;
    while ((await bot.db.prisma.installation.count({ where: { teamId: team } })) > 0) {
      if (Date.now() > deadline) throw new Error('the installation was not deleted within 10 s');
      await new Promise((r) => setTimeout(r, 100));
    }
  });
});

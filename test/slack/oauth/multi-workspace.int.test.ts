import { randomBytes } from 'node:crypto';
import Docker from 'dockerode';
import { readConfig } from '../../../src/config';
import { SlackStandIn, type RecordedCall } from '../../../src/slack/stand-in/slack-stand-in';
import { startBot, type Bot } from '../../../src/start-bot';
import { captureLogs, type LogLine } from '../../support/capture-logs';
import { getPage, installInto, openInstallPage } from '../../support/oauth-browser';
import { testBotEnv, uniqueId } from '../../support/start-test-bot';
import { freePort } from '../../../src/store/embedded-postgres';

jest.setTimeout(300_000);


const CLIENT = { clientId: '1111111111.2222222222', clientSecret: randomBytes(16).toString('hex') };

/**
 * The real bot in multi-workspace mode (Socket Mode + OAuth) against the stand-in with two workspaces
 * that install it through the OAuth redirect; real Postgres, real sandboxes. The same user id exists in
 * both workspaces: nothing of one may reach the other.
 */
describe('multi-workspace installs through OAuth v2', () => {
  let standIn: SlackStandIn;
  let bot: Bot;
  let logs: LogLine[];
  let base: string;
  const teamA = uniqueId('TA');
  const teamB = uniqueId('TB');
  const teamC = uniqueId('TC');
  const user = uniqueId('U');
  const docker = new Docker();

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    standIn = new SlackStandIn({ teamId: uniqueId('T'), oauth: { ...CLIENT, redirectUrls: [`${base}/slack/oauth_redirect`] } });
    standIn.addWorkspace(teamA, 'Team A');
    standIn.addWorkspace(teamB, 'Team B');
    standIn.addWorkspace(teamC, 'Team C');
    const apiUrl = await standIn.start();
    const config = readConfig({
      SLACK_APP_TOKEN: standIn.appToken,
      SLACK_API_URL: apiUrl,
      SLACK_CLIENT_ID: CLIENT.clientId,
      SLACK_CLIENT_SECRET: CLIENT.clientSecret,
      SLACK_STATE_SECRET: randomBytes(16).toString('hex'),
      SLACK_TOKEN_KEY: randomBytes(32).toString('base64'),
      SLACK_REDIRECT_URI: `${base}/slack/oauth_redirect`,
      SLACK_INSTALL_PORT: String(port),
      // An admin of workspace A only: the same user id in B is nobody special.
      ADMIN_USER_IDS: `${teamA}:${user}`,
      ...testBotEnv(),
    });
    expect(config.mode).toBe('socket');
    const captured = captureLogs();
    logs = captured.logs;
    bot = await startBot(config, captured.log);
    await standIn.waitForConnection();
  });
  afterAll(async () => {
    await bot?.stop();
    await bot?.sandboxes.destroyAll();
    await standIn?.stop();
  });

  const tokenOf = (teamId: string) => standIn.workspaces.byTeam.get(teamId)?.botToken;
  const mark = () => standIn.calls.length;
  const after = (since: number) => (c: RecordedCall) => standIn.calls.indexOf(c) >= since;
  /** `$ command` from the user in one workspace; the final state of its output message there. */
  async function run(teamId: string, command: string): Promise<string> {
    const since = mark();
    await standIn.sendDirectMessage(user, `$ ${command}`, { teamId });
    const isFinal = (text: string) => /: (exit|stopped|interrupted)/.test(text);
    const post = await standIn.waitForCall('chat.postMessage', (c) => after(since)(c) && c.teamId === teamId && String(c.args.text).startsWith(`$ ${command}`), 90_000);
    if (isFinal(String(post.args.text))) return String(post.args.text);
    const final = await standIn.waitForCall('chat.update', (c) => after(since)(c) && c.teamId === teamId && c.args.ts === post.response.ts && isFinal(String(c.args.text)), 90_000);
    return String(final.args.text);
  }
  async function slash(teamId: string, text: string): Promise<string> {
    const since = mark();
    await standIn.sendSlashCommand({ command: '/tutor', text, user_id: user, channel_id: 'C0GENERAL', team_id: teamId });
    const answer = await standIn.waitForCall('response_url', after(since));
    return String(answer.args.text);
  }

  it('refuses a redirect with a missing or forged state, or a missing or unknown code, with a friendly page', async () => {
    const redirect = `${base}/slack/oauth_redirect`;
    const page = await openInstallPage(`${base}/slack/install`);
    expect(page.status).toBe(200);
    expect(page.cookie).toMatch(/^slack-app-oauth-state=./);
    const state = new URL(page.authorizeUrl).searchParams.get('state')!;
    const answers = [
      await getPage(`${redirect}?code=123.abc`, page.cookie), // no state
      await getPage(`${redirect}?code=123.abc&state=${state}`), // state without its browser cookie
      await getPage(`${redirect}?code=123.abc&state=forged`, 'slack-app-oauth-state=forged'), // not signed by the bot
      await getPage(`${redirect}?state=${state}`, page.cookie), // no code
    ];
    for (const a of answers) {
      expect(a.status).toBe(400);
      expect(a.body).toMatch(/Dockhand could not be installed/);
      expect(a.body).toMatch(/install page/);
      expect(a.body).not.toMatch(/\bat .*\(|Error:|slack_oauth/);
    }
    // A valid state with a code Slack never issued: Slack answers invalid_code; the page says start again.
    const fresh = await openInstallPage(`${base}/slack/install`);
    const freshState = new URL(fresh.authorizeUrl).searchParams.get('state')!;
    const unknownCode = await getPage(`${redirect}?code=999.nope&state=${freshState}`, fresh.cookie);
    expect(unknownCode.status).toBe(400);
    expect(unknownCode.body).toMatch(/already used or has expired/);
    expect(await bot.db.prisma.installation.count({ where: { teamId: { in: [teamA, teamB] } } })).toBe(0);
  });

  it('installs into two workspaces; each token is stored encrypted', async () => {
    for (const teamId of [teamA, teamB]) {
      const done = await installInto(`${base}/slack/install`, teamId);
      expect(done.status).toBe(200);
      expect(done.body).toMatch(/Dockhand is installed/);
    }
    const rows = await bot.db.prisma.installation.findMany({ where: { teamId: { in: [teamA, teamB] } }, orderBy: { teamId: 'asc' } });
    expect(rows.map((r) => r.teamId).sort()).toEqual([teamA, teamB].sort());
    for (const r of rows) {
      const token = tokenOf(r.teamId)!;
      expect(token).toMatch(/^xoxb-/);
      expect(r.botTokenSealed).not.toContain(token);
      expect(r.botTokenSealed).toMatch(/^v1\./);
      expect(r.installerUserId).toBe('U0INSTALLER');
    }
  });

  it('keeps the same user id in two workspaces apart: sandboxes, files, progress and admin rights', async () => {
    // (Commands without & < >: the bot's messages carry them escaped, as Slack wants.)
    expect(await run(teamA, 'touch /root/only-in-a')).toMatch(/exit 0/);
    expect(await run(teamA, 'ls /root/only-in-a')).toMatch(/exit 0/);
    expect(await run(teamB, 'ls /root/only-in-a')).toMatch(/exit [1-9]/);
    const keyA = `${teamA}:${user}`;
    const keyB = `${teamB}:${user}`;
    expect(bot.sandboxes.containerIdOf(keyA)).toBeDefined();
    expect(bot.sandboxes.containerIdOf(keyB)).toBeDefined();
    expect(bot.sandboxes.containerIdOf(keyA)).not.toBe(bot.sandboxes.containerIdOf(keyB));
    // Every answer in a workspace went out with that workspace's own token.
    for (const c of standIn.calls.filter((c) => c.method === 'chat.postMessage' && c.status === 200)) {
      if (c.teamId === teamA) expect(c.token).toBe(tokenOf(teamA));
      if (c.teamId === teamB) expect(c.token).toBe(tokenOf(teamB));
    }

    const since = mark();
    await standIn.sendDirectMessage(user, 'start running-containers', { teamId: teamA });
    await standIn.waitForCall('chat.postMessage', (c) => after(since)(c) && c.teamId === teamA && /step 1 of/.test(String(c.args.text)), 30_000);
    const [a, b] = await Promise.all([teamA, teamB].map((teamId) => bot.db.prisma.learner.findUniqueOrThrow({ where: { teamId_userId: { teamId, userId: user } }, include: { progress: true } })));
    expect(a!.id).not.toBe(b!.id);
    expect(a!.progress.map((p) => p.lessonId)).toEqual(['running-containers']);
    expect(b!.progress).toEqual([]);
    expect(await slash(teamB, 'progress')).not.toMatch(/Running containers/);

    expect(await slash(teamA, 'challenge end')).toMatch(/No challenge is running/);
    expect(await slash(teamB, 'challenge end')).toMatch(/only Dockhand admins/);
  });

  it('uninstall of one workspace removes its token and sandbox; the other keeps working', async () => {
    const containerA = bot.sandboxes.containerIdOf(`${teamA}:${user}`)!;
    const containerB = bot.sandboxes.containerIdOf(`${teamB}:${user}`)!;
    await standIn.uninstall(teamA);
    const gone = () => docker.getContainer(containerA).inspect().then(() => false, (err: { statusCode?: number }) => err.statusCode === 404);
    const deadline = Date.now() + 30_000;
    while ((await bot.db.prisma.installation.count({ where: { teamId: teamA } })) > 0 || !(await gone())) {
      if (Date.now() > deadline) throw new Error('workspace A (its installation and sandbox container) was not removed within 30 s');
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(bot.sandboxes.containerIdOf(`${teamA}:${user}`)).toBeUndefined();
    expect((await docker.getContainer(containerB).inspect()).State.Running).toBe(true);
    // Progress stays keyed by the workspace (a reinstall finds it); only tokens and sandboxes go.
    expect(await bot.db.prisma.learner.count({ where: { teamId: teamA, userId: user } })).toBe(1);

    // A message from the uninstalled workspace is dropped (no installation), nothing is sent there.
    const since = mark();
    await standIn.sendDirectMessage(user, '$ echo after-uninstall', { teamId: teamA });
    expect(await run(teamB, 'echo still-here')).toMatch(/exit 0/);
    expect(standIn.calls.slice(since).filter((c) => c.teamId === teamA || c.token === tokenOf(teamA))).toEqual([]);
    expect(bot.sandboxes.containerIdOf(`${teamA}:${user}`)).toBeUndefined();
  });

  it('a token revoked without any event stops that workspace (installation and sandbox gone, one warn line); the other keeps working', async () => {
    expect((await installInto(`${base}/slack/install`, teamC)).status).toBe(200);
    expect(await run(teamC, 'touch /root/in-c')).toMatch(/exit 0/);
    const containerC = bot.sandboxes.containerIdOf(`${teamC}:${user}`)!;
    expect(containerC).toBeDefined();
    const logsBefore = logs.length;

    // Revoked at Slack's end, silently: no app_uninstalled, no tokens_revoked. The learner writes again.
    standIn.workspaces.revoke(teamC);
    await standIn.sendDirectMessage(user, '$ echo after-revoke', { teamId: teamC });
    const gone = () => docker.getContainer(containerC).inspect().then(() => false, (err: { statusCode?: number }) => err.statusCode === 404);
    // The removal's own line comes last, once every sandbox of the workspace was handled.
    const finished = () => logs.slice(logsBefore).some((l) => /workspace removed/.test(l.msg) && l.team === teamC && l.reason === 'token_rejected');
    const deadline = Date.now() + 30_000;
    while ((await bot.db.prisma.installation.count({ where: { teamId: teamC } })) > 0 || !(await gone()) || !finished()) {
      if (Date.now() > deadline) throw new Error('workspace C (its installation and sandbox container) was not removed within 30 s of its token being refused');
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(bot.sandboxes.containerIdOf(`${teamC}:${user}`)).toBeUndefined();
    expect(await bot.db.prisma.learner.count({ where: { teamId: teamC, userId: user } })).toBe(1);

    // Its later events are dropped quietly: nothing is sent there, no sandbox starts; B still runs commands.
    const since = mark();
    await standIn.sendDirectMessage(user, '$ echo still-revoked', { teamId: teamC });
    expect(await run(teamB, 'echo b-unaffected')).toMatch(/exit 0/);
    expect(standIn.calls.slice(since).filter((c) => c.teamId === teamC || c.token === tokenOf(teamC))).toEqual([]);
    expect(bot.sandboxes.containerIdOf(`${teamC}:${user}`)).toBeUndefined();

    const fresh = logs.slice(logsBefore);
    const warns = fresh.filter((l) => l.level === 40 && /bot token/.test(l.msg));
    expect(warns).toHaveLength(1);
    expect(warns[0]).toMatchObject({ team: teamC, slackError: 'token_revoked' });
    expect(warns[0]!.msg).toContain(teamC);
    // Nothing else above info but Bolt's own line for each event it drops (as after an uninstall) and the
    // work in flight when the token was refused (the command's reply failed with token_revoked).
    const dropped = (l: LogLine) => l.component === 'bolt' && /Authorization of incoming event did not succeed/.test(l.msg);
    const inFlight = (l: LogLine) => JSON.stringify(l.err ?? '').includes('token_revoked');
    expect(fresh.filter((l) => l.level >= 40 && l !== warns[0] && !dropped(l) && !inFlight(l))).toEqual([]);
    expect(fresh.filter(inFlight).length).toBeLessThanOrEqual(1);
  });

  it('never writes a bot token to the log', () => {
    const text = JSON.stringify(logs);
    expect(logs.length).toBeGreaterThan(10);
    for (const teamId of [teamA, teamB, teamC]) expect(text).not.toContain(tokenOf(teamId)!);
    expect(text).not.toContain(standIn.appToken);
    expect(text).toMatch(/workspace removed/);
  });
});

import { randomBytes } from 'node:crypto';
import { readConfig } from '../../../src/config';
import { SlackStandIn, type RecordedCall } from '../../../src/slack/stand-in/slack-stand-in';
import { startBot, type Bot } from '../../../src/start-bot';
import { PrismaInstallationStore, TokenCipher } from '../../../src/store';
import { freePort } from '../../../src/store/embedded-postgres';
import { captureLogs, type LogLine } from '../../support/capture-logs';
import { installInto } from '../../support/oauth-browser';
import { testBotEnv, uniqueId } from '../../support/start-test-bot';

jest.setTimeout(600_000);

const CLIENT = { clientId: '1111111111.2222222222', clientSecret: randomBytes(16).toString('hex') };

/**
 * The real bot in multi-workspace mode with ALLOWED_TEAM_IDS naming two of three workspaces and a host cap of 3
 * sandboxes (so the default share per workspace is 2): the third workspace cannot install, nor be served when it
 * holds an install from before; one workspace at its share waits while the other still gets a sandbox.
 */
describe('workspaces: an allow-list and a share of the sandboxes each', () => {
  let standIn: SlackStandIn;
  let bot: Bot;
  let logs: LogLine[];
  let base: string;
  const tokenKey = randomBytes(32).toString('base64');
  const teamA = uniqueId('TA');
  const teamB = uniqueId('TB');
  const teamC = uniqueId('TC');

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
      SLACK_TOKEN_KEY: tokenKey,
      SLACK_REDIRECT_URI: `${base}/slack/oauth_redirect`,
      SLACK_INSTALL_PORT: String(port),
      ALLOWED_TEAM_IDS: `${teamA},${teamB}`,
      SANDBOX_MAX_COUNT: '3',
      COMMANDS_PER_MINUTE: '600',
      ...testBotEnv(),
    });
    expect(config.sandbox.maxPerWorkspace).toBe(2);
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

  const mark = () => standIn.calls.length;
  const after = (since: number) => (c: RecordedCall) => standIn.calls.indexOf(c) >= since;
  /** `$ command` from a user of a workspace; its final output there. */
  async function run(teamId: string, user: string, command: string, timeoutMs = 180_000): Promise<string> {
    const since = mark();
    await standIn.sendDirectMessage(user, `$ ${command}`, { teamId });
    const isFinal = (text: string) => /: (exit|stopped|interrupted)/.test(text);
    const mine = (c: RecordedCall) => after(since)(c) && c.teamId === teamId && c.args.channel === standIn.dmChannelFor(user);
    const post = await standIn.waitForCall('chat.postMessage', (c) => mine(c) && String(c.args.text).startsWith(`$ ${command}`), timeoutMs);
    if (isFinal(String(post.args.text))) return String(post.args.text);
    const final = await standIn.waitForCall('chat.update', (c) => mine(c) && c.args.ts === post.response.ts && isFinal(String(c.args.text)), timeoutMs);
    return String(final.args.text);
  }

  it('installs the two listed workspaces and refuses the third with a clear page, storing nothing', async () => {
    for (const teamId of [teamA, teamB]) expect((await installInto(`${base}/slack/install`, teamId)).status).toBe(200);
    const refused = await installInto(`${base}/slack/install`, teamC);
    expect(refused.status).toBe(403);
    expect(refused.body).toContain('This Dockhand is not open to your workspace');
    expect(refused.body).not.toMatch(/\bat .*\(|Error:|slack_oauth/);
    expect(await bot.db.prisma.installation.count({ where: { teamId: teamC } })).toBe(0);
    expect(logs.filter((l) => /install refused: workspace not in ALLOWED_TEAM_IDS/.test(l.msg)).map((l) => l.team)).toEqual([teamC]);
  });

  it('a workspace that installed before it left the list is not served: its DM is dropped with one log line', async () => {
    // As if installed before ALLOWED_TEAM_IDS was set: its installation (with the token Slack gave it) is stored.
    const ws = standIn.workspaces.byTeam.get(teamC)!;
    expect(ws.botToken).toMatch(/^xoxb-/);
    await new PrismaInstallationStore(bot.db.prisma, new TokenCipher(Buffer.from(tokenKey, 'base64'))).save({ teamId: teamC, botUserId: ws.botUserId, botScopes: [], botToken: ws.botToken! });
    const user = uniqueId('U');
    const since = mark();
    const before = logs.length;
    await standIn.sendDirectMessage(user, '$ echo from-c', { teamId: teamC });
    const deadline = Date.now() + 10_000;
    while (!logs.slice(before).some((l) => /not in ALLOWED_TEAM_IDS dropped/.test(l.msg)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(logs.slice(before).filter((l) => /not in ALLOWED_TEAM_IDS dropped/.test(l.msg)).map((l) => l.team)).toEqual([teamC]);
    expect(standIn.calls.slice(since).filter((c) => c.teamId === teamC)).toEqual([]);
    expect(await bot.db.prisma.learner.count({ where: { teamId: teamC } })).toBe(0);
    expect(bot.sandboxes.containerIdOf(`${teamC}:${user}`)).toBeUndefined();
  });

  it("a workspace at its share waits in line, told why; the other workspace's learner still gets a sandbox", async () => {
    const [a1, a2, a3, b1] = [uniqueId('U'), uniqueId('U'), uniqueId('U'), uniqueId('U')];
    expect(await run(teamA, a1, 'echo a1')).toMatch(/exit 0/);
    expect(await run(teamA, a2, 'echo a2')).toMatch(/exit 0/);
    // A's third learner: A holds its share (2 of the host's 3), so they wait and are told why.
    const a3Since = mark();
    const a3Run = run(teamA, a3, 'echo a3-ran');
    const queued = await standIn.waitForCall('chat.postMessage', (c) => after(a3Since)(c) && c.teamId === teamA && /Your workspace is using all 2 sandboxes/.test(String(c.args.text)), 60_000);
    expect(String(queued.args.text)).toMatch(/Your command will run as soon as one is free/);
    expect(bot.sandboxes.containerIdOf(`${teamA}:${a3}`)).toBeUndefined();
    // B's learner is not held behind A's: the host's third sandbox is theirs.
    const started = Date.now();
    expect(await run(teamB, b1, 'echo b1-ok')).toMatch(/b1-ok[\s\S]*exit 0|exit 0/);
    const bystanderMs = Date.now() - started;
    expect(bot.sandboxes.containerIdOf(`${teamB}:${b1}`)).toBeDefined();
    // One of A's sandboxes goes: A's waiting learner gets its place and the command runs.
    await standIn.sendDirectMessage(a1, 'reset', { teamId: teamA });
    expect(await a3Run).toMatch(/exit 0/);
    console.log(`workspace share: B's first command (a new sandbox) took ${bystanderMs} ms while A's third learner waited`);
  });
});

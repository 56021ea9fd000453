import { randomBytes } from 'node:crypto';
import { readConfig } from '../../src/config';
import { SlackStandIn, type StandInOptions } from '../../src/slack/stand-in/slack-stand-in';
import { startBot, type Bot, type StartOptions } from '../../src/start-bot';
import { captureLogs, type LogLine } from './capture-logs';

export { captureLogs, type LogLine } from './capture-logs';

export interface TestBot {
  standIn: SlackStandIn;
  bot: Bot;
  logs: LogLine[];
  teamId: string;
  stop(): Promise<void>;
}

export const uniqueId = (prefix: string) => `${prefix}${randomBytes(5).toString('hex').toUpperCase()}`;

/**
 * What every test bot shares: the run's Postgres, a short shutdown, the sandbox profile (`userns` when the engine
 * remaps users, decided by the global set-up, else the test-machine profile) and an instance of its own, so each
 * test bot sweeps only its own sandboxes.
 */
export function testBotEnv(): Record<string, string | undefined> {
  return {
    DATABASE_URL: process.env.DATABASE_URL,
    SHUTDOWN_DEADLINE_MS: '3000',
    ...testProfileEnv(),
    SANDBOX_INSTANCE: uniqueId('t').toLowerCase(),
    // small disks: each new one is reserved against the host's free space, and a test run starts dozens at once
    SANDBOX_DISK_MB: '1024',
  };
}

/**
 * The tests' sandbox profile as bot variables: the global set-up's choice (`userns` where the engine remaps users).
 * Only when it had to choose `test-host-cgroup` (a test machine without --userns-remap) do the tests acknowledge
 * that profile, deliberately, with SANDBOX_ALLOW_TEST_HOST_CGROUP: the bot refuses it otherwise.
 */
export function testProfileEnv(): { SANDBOX_PROFILE: string; SANDBOX_ALLOW_TEST_HOST_CGROUP?: string } {
  const profile = process.env.SANDBOX_PROFILE || process.env.DOCKHAND_TEST_PROFILE || 'userns';
  return profile === 'test-host-cgroup' ? { SANDBOX_PROFILE: profile, SANDBOX_ALLOW_TEST_HOST_CGROUP: 'true' } : { SANDBOX_PROFILE: profile };
}

/** The real bot (real Bolt app, real Postgres) connected over Socket Mode to a fresh Slack stand-in. */
export async function startTestBot(opts: { env?: Record<string, string>; standIn?: StandInOptions; reuse?: SlackStandIn; keepSandboxes?: boolean; start?: StartOptions } = {}): Promise<TestBot> {
  const standIn = opts.reuse ?? new SlackStandIn({ ...opts.standIn, teamId: opts.standIn?.teamId ?? uniqueId('T') });
  const teamId = standIn.teamId;
  const apiUrl = opts.reuse ? standIn.apiUrl : await standIn.start();
  const config = readConfig({
    SLACK_BOT_TOKEN: standIn.botToken,
    SLACK_APP_TOKEN: standIn.appToken,
    SLACK_API_URL: apiUrl,
    ...testBotEnv(),
    ...opts.env,
  });
  const { logs, log } = captureLogs();
  let bot: Bot;
  try {
    bot = await startBot(config, log, opts.start);
    await standIn.waitForConnection();
  } catch (err) {
    if (!opts.reuse) await standIn.stop();
    throw err;
  }
  return {
    standIn,
    bot,
    logs,
    teamId,
    /** Stops the bot; the stand-in and the sandboxes go too unless a restart test keeps them. */
    async stop() {
      await bot.stop();
      if (opts.keepSandboxes) return;
      await bot.sandboxes.destroyAll();
      if (!opts.reuse) await standIn.stop();
    },
  };
}

/**
 * The bot's in-flight Slack requests once they have ended (bounded wait): a handler ends just after its reply is on
 * the wire, so a test that looks right when the stand-in sees the reply can catch it in between.
 */
export async function inFlightAfter(t: TestBot, timeoutMs = 5000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (t.bot.inFlight.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  return t.bot.inFlight.size;
}

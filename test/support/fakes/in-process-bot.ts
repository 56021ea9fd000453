import { assemble } from '../../../src/assemble';
import { botSettings } from '../../../src/bot-settings';
import { readConfig, type Config } from '../../../src/config';
import { LessonCatalog } from '../../../src/lessons/lesson-catalog';
import type { Lesson } from '../../../src/lessons/types';
import { createSlackApp, InFlight, singleWorkspace, SlackStandIn, type HomePublisher, type RateLimitGate, type SlackApp, type SlackIdentity, type StandInOptions } from '../../../src/slack';
import type { EventLedger } from '../../../src/store/types';
import type { ChallengeClock, ChallengeService } from '../../../src/tutor/challenges';
import type { Tutor } from '../../../src/tutor/tutor';
import type { TurnLimits } from '../../../src/tutor/turns/turn-limiter';
import { captureLogs, type LogLine } from '../capture-logs';
import { FakeSandbox } from './fake-sandbox';
import { createMemoryStores, type MemoryStores } from './memory-stores';

export interface InProcessBot {
  slack: SlackApp;
  standIn: SlackStandIn;
  stores: MemoryStores;
  sandbox: FakeSandbox;
  tutor: Tutor;
  challenges: ChallengeService;
  homes: HomePublisher;
  identity: SlackIdentity;
  /** The configuration the bot was assembled with (readConfig over the stand-in's endpoints and `env`). */
  config: Config;
  logs: LogLine[];
  /** Delivers a payload through Bolt's middleware and listeners, as a receiver would; resolves when they are done. */
  deliver(body: Record<string, unknown>): Promise<{ acked: boolean; ackArgs: unknown[] }>;
  /** A `response_url` the stand-in answers (and records as `response_url` calls). */
  responseUrl(): string;
  stop(): Promise<void>;
}

/**
 * The real Bolt app and the real wiring (createSlackApp + assemble, as start-bot does), with in-memory stores
 * and a scripted sandbox, no receiver started: payloads go in through app.processEvent, Web API calls go over
 * loopback HTTP to a Slack stand-in. No Docker, no database.
 */
export async function startInProcessBot(opts: {
  lessons: Lesson[];
  standIn?: StandInOptions;
  ledger?: EventLedger;
  adminUserIds?: string[];
  limits?: TurnLimits | false;
  rateLimitGate?: RateLimitGate;
  /** Decides challenge times (accepts, readiness, solves, ends) instead of the stores' clock. */
  challengeClock?: ChallengeClock;
  env?: Record<string, string>;
}): Promise<InProcessBot> {
  const standIn = new SlackStandIn(opts.standIn);
  await standIn.start();
  const config = readConfig({ SLACK_BOT_TOKEN: standIn.botToken, SLACK_APP_TOKEN: standIn.appToken, SLACK_API_URL: standIn.apiUrl, ADMIN_USER_IDS: (opts.adminUserIds ?? []).join(','), LOG_LEVEL: 'debug', ...opts.env });
  const { log, logs } = captureLogs();
  const identity: SlackIdentity = { teamId: standIn.teamId, botUserId: standIn.botUserId, botId: 'B0DOCKHAND' };
  const stores = createMemoryStores();
  const ledger = opts.ledger ?? stores.ledger;
  const inFlight = new InFlight();
  const sandbox = new FakeSandbox();
  const catalog = new LessonCatalog(opts.lessons);

  const slack = createSlackApp({ config, log, identity, ledger, inFlight, rateLimitGate: opts.rateLimitGate });
  const settings = botSettings(config);
  // The limits start-bot uses, unless a test sets its own (or none).
  const limits = opts.limits === false ? undefined : (opts.limits ?? settings.limits);
  const ports = { stores: { ...stores, ledger }, sandboxes: sandbox, slack, workspaces: singleWorkspace(identity.teamId), identity, inFlight, catalog, clock: opts.challengeClock, log };
  const { tutor, challenges, homes } = assemble(ports, { ...settings, limits });
  const base_url = standIn.apiUrl.replace(/\/api\/$/, '');
  let responses = 0;

  return {
    slack,
    standIn,
    stores,
    sandbox,
    tutor,
    challenges,
    homes,
    identity,
    config,
    logs,
    async deliver(body) {
      const ackArgs: unknown[] = [];
      let acked = false;
      await slack.app.processEvent({
        body,
        ack: async (...args: unknown[]) => {
          acked = true;
          ackArgs.push(...args);
        },
      });
      return { acked, ackArgs };
    },
    responseUrl: () => `${base_url}/response/r${++responses}`,
    async stop() {
      homes.stop();
      challenges.stop();
      await tutor.drain(AbortSignal.timeout(2000));
      await slack.streamer.close(1000);
      await standIn.stop();
    },
  };
}

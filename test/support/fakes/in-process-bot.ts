import { readConfig } from '../../../src/config';
import { LessonCatalog } from '../../../src/lessons/lesson-catalog';
import type { Lesson } from '../../../src/lessons/types';
import { createSlackApp, InFlight, registerListeners, SlackStandIn, type HomePublisher, type RateLimitGate, type SlackApp, type SlackIdentity, type StandInOptions } from '../../../src/slack';
import type { EventLedger } from '../../../src/store/types';
import { ChallengeRaces, ChallengeService, type ChallengeClock } from '../../../src/tutor/challenges';
import { Tutor } from '../../../src/tutor/tutor';
import type { TurnLimits } from '../../../src/tutor/turn-limiter';
import { TutorEvents } from '../../../src/tutor/tutor-events';
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
  logs: LogLine[];
  /** Delivers a payload through Bolt's middleware and listeners, as a receiver would; resolves when they are done. */
  deliver(body: Record<string, unknown>): Promise<{ acked: boolean; ackArgs: unknown[] }>;
  /** A `response_url` the stand-in answers (and records as `response_url` calls). */
  responseUrl(): string;
  stop(): Promise<void>;
}

/**
 * The real Bolt app and listeners (createSlackApp + registerListeners, as start-bot wires them), with
 * in-memory stores and a scripted sandbox, no receiver started: payloads go in through app.processEvent,
 * Web API calls go over loopback HTTP to a Slack stand-in. No Docker, no database.
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
  const base = { store: stores.challenges, catalog, channels: slack.channels, log, clock: opts.challengeClock };
  const races = new ChallengeRaces(base);
  const events = new TutorEvents((err) => log.error({ err }, 'a tutor event listener failed'));
  // The limits start-bot uses, unless a test sets its own (or none).
  const limits = opts.limits === false ? undefined : (opts.limits ?? { commandsPerMinute: config.sandbox.commandsPerMinute, actionsPerMinute: 2 * config.sandbox.commandsPerMinute });
  const tutor = new Tutor({ learners: stores.learners, store: stores.tutor, catalog, sandboxes: sandbox, log, events, challenges: races, limits });
  const challenges = new ChallengeService({
    ...base,
    teamId: identity.teamId,
    learners: stores.learners,
    races,
    tutor,
    dmFor: (userId) => slack.conversations.forUser(userId),
    adminUserIds: config.adminUserIds,
    hintPenaltySeconds: config.challengeHintPenaltySeconds,
    minSolveSeconds: config.challengeMinSolveSeconds,
    sandboxes: sandbox,
    userNames: (userId) => slack.channels.userNames(userId),
  });
  const { homes } = registerListeners(slack, { config, log, identity, ledger, inFlight, tutor, challenges, events });
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

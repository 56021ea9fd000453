import { App, LogLevel } from '@slack/bolt';
import type { Config } from '../config';
import type { Logger } from '../logger';
import type { EventLedger } from '../store/types';
import type { ChallengeService } from '../tutor/challenges';
import type { Tutor } from '../tutor/tutor';
import type { TutorEvents } from '../tutor/tutor-events';
import { boltLogger } from './bolt-logger';
import { Conversations } from './conversations';
import { registerActions } from './listeners/actions';
import { HomePublisher, registerAppHome } from './listeners/app-home';
import { registerDirectMessages } from './listeners/direct-message';
import { registerMention } from './listeners/mention';
import { registerSlashCommand } from './listeners/slash-command';
import { LiveMessageStreamer } from './live-message';
import { RateLimitGate } from './rate-limit-gate';
import { SlackChannels } from './slack-channels';
import { decodeLearnerText, dedupeAndLog, InFlight } from './middleware';
import { UpdateBudget } from './update-budget';

export interface SlackIdentity {
  teamId: string;
  botUserId: string;
  botId?: string;
}

export interface SlackDeps {
  config: Config;
  log: Logger;
  identity: SlackIdentity;
  ledger: EventLedger;
  inFlight: InFlight;
  /** Where 429s pause calls (tests inject one with a virtual clock). */
  rateLimitGate?: RateLimitGate;
}

/** The Slack side before any listener: the app, and the ports the tutor and challenges talk through. */
export interface SlackApp {
  app: App;
  conversations: Conversations;
  streamer: LiveMessageStreamer;
  channels: SlackChannels;
}

/** What the listeners hand work to; built after createSlackApp, from its ports. */
export interface SlackServices {
  tutor: Tutor;
  challenges: ChallengeService;
  /** The tutor's events: progress changes republish the learner's App Home. */
  events: TutorEvents;
}

/**
 * One Bolt app, Socket Mode or HTTP, with every Web API call going to config.slack.apiUrl. Only the
 * middleware is installed here; registerListeners adds the listeners once the services exist.
 */
export function createSlackApp(deps: SlackDeps): SlackApp {
  const { config, log } = deps;
  // A 429 is not retried by the WebClient (it would pause its whole queue, every learner with it): the
  // rate-limit gate pauses only that method or channel and retries only that request.
  const clientOptions = { slackApiUrl: config.slack.apiUrl, rejectRateLimitedCalls: true, retryConfig: { retries: 5, factor: 1.6, minTimeout: 200, maxTimeout: 5000 } };
  const common = {
    token: config.slack.botToken,
    botUserId: deps.identity.botUserId,
    botId: deps.identity.botId,
    // auth.test already ran in main: a bad token never gets this far.
    tokenVerificationEnabled: false,
    logger: boltLogger(log),
    logLevel: LogLevel.INFO,
    clientOptions,
  };
  const app =
    config.mode === 'http'
      ? new App({ ...common, signingSecret: config.slack.signingSecret, port: config.slack.port })
      : new App({ ...common, appToken: config.slack.appToken, socketMode: true, installerOptions: { clientOptions } });

  const gate = deps.rateLimitGate ?? new RateLimitGate({ log });
  gate.install(app.client);
  // One chat.update budget for the whole workspace (Tier 3, shared by every learner).
  const streamer = new LiveMessageStreamer({ client: app.client, budget: new UpdateBudget(), log });
  const conversations = new Conversations(app.client, streamer, log);
  const channels = new SlackChannels(app.client, streamer);

  app.use(dedupeAndLog(deps));
  // Listeners get a client per token from Bolt: it shares the same gate.
  app.use(async ({ client, next }) => {
    gate.install(client);
    await next();
  });
  // After dedupe, before every listener: learner text arrives as typed, not as Slack encodes it.
  app.use(decodeLearnerText());
  app.error(async (err) => {
    // Never let a listener's failure reach Slack or crash the process.
    log.error({ err: err.original ?? err, code: err.code }, 'slack listener failed');
  });
  return { app, conversations, streamer, channels };
}

/** Registers every listener (call once, before app.start). Returns the App Home publisher: stop it at shutdown. */
export function registerListeners(slack: SlackApp, deps: SlackDeps & SlackServices): { homes: HomePublisher } {
  const { app, conversations } = slack;
  const homes = new HomePublisher({ client: app.client, tutor: deps.tutor, challenges: deps.challenges, events: deps.events, log: deps.log });
  const listenerDeps = { ...deps, conversations, homes };
  registerDirectMessages(app, listenerDeps);
  registerActions(app, listenerDeps);
  registerSlashCommand(app, listenerDeps);
  registerMention(app);
  registerAppHome(app, listenerDeps);
  return { homes };
}

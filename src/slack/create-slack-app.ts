import { App, LogLevel } from '@slack/bolt';
import type { Config } from '../config';
import type { Logger } from '../logger';
import type { EventLedger } from '../store/types';
import type { ChallengeService } from '../tutor/challenges';
import type { Tutor } from '../tutor/tutor';
import { boltLogger } from './bolt-logger';
import { Conversations } from './conversations';
import { registerActions } from './listeners/actions';
import { HomePublisher, registerAppHome } from './listeners/app-home';
import { registerDirectMessages } from './listeners/direct-message';
import { registerMention } from './listeners/mention';
import { registerSlashCommand } from './listeners/slash-command';
import { LiveMessageStreamer } from './live-message';
import { SlackChannels } from './slack-channels';
import { dedupeAndLog, InFlight } from './middleware';
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
  tutor: Tutor;
  inFlight: InFlight;
}

export interface SlackApp {
  app: App;
  conversations: Conversations;
  homes: HomePublisher;
  streamer: LiveMessageStreamer;
  channels: SlackChannels;
  /** Set once the challenge service exists (it needs this app's client). */
  challenges: { service?: ChallengeService };
}

/** One Bolt app, Socket Mode or HTTP, with every Web API call going to config.slack.apiUrl. */
export function createSlackApp(deps: SlackDeps): SlackApp {
  const { config, log } = deps;
  const clientOptions = { slackApiUrl: config.slack.apiUrl, retryConfig: { retries: 5, factor: 1.6, minTimeout: 200, maxTimeout: 5000 } };
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

  // One chat.update budget for the whole workspace (Tier 3, shared by every learner).
  const streamer = new LiveMessageStreamer({ client: app.client, budget: new UpdateBudget(), log });
  const conversations = new Conversations(app.client, streamer, log);
  const challenges: { service?: ChallengeService } = {};
  const homes = new HomePublisher(app.client, deps.tutor, log, (teamId, userId) => challenges.service?.resultsFor(teamId, userId) ?? Promise.resolve([]));
  const channels = new SlackChannels(app.client, streamer);
  const listenerDeps = { ...deps, conversations, homes, challenges };

  app.use(dedupeAndLog(deps));
  registerDirectMessages(app, listenerDeps);
  registerActions(app, listenerDeps);
  registerSlashCommand(app, listenerDeps);
  registerMention(app);
  registerAppHome(app, listenerDeps);
  app.error(async (err) => {
    // Never let a listener's failure reach Slack or crash the process.
    log.error({ err: err.original ?? err, code: err.code }, 'slack listener failed');
  });
  return { app, conversations, homes, streamer, channels, challenges };
}

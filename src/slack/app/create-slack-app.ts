import type { Server } from 'node:http';
import { App, HTTPReceiver, LogLevel, SocketModeReceiver } from '@slack/bolt';
import type { Config } from '../../config';
import type { Logger } from '../../logger';
import type { EventLedger } from '../../store';
import { boltLogger } from './bolt-logger';
import { Conversations } from '../conversations';
import type { InFlight } from './in-flight';
import { LiveMessageStreamer } from '../streaming/live-message-streamer';
import { allowedTeamsOnly, decodeLearnerText, dedupeAndLog } from './middleware';
import type { BoltInstallationStore } from '../oauth/bolt-installation-store';
import { oauthReceiverOptions } from '../oauth/oauth-receiver-options';
import { expectedSlackFailure, RevokedTokenGuard } from '../oauth/revoked-token-guard';
import { bindWorkspaceTokens, type WorkspaceContext } from '../oauth/workspace-context';
import { RateLimitGate } from '../streaming/rate-limit-gate';
import { replayGuard, signatureOf } from './replay-guard';
import { SlackChannels } from '../slack-channels';
import type { SlackIdentity } from '../slack-identity';
import { observeRequests, observeWebApi, type SlackObserver } from './slack-observer';
import { WorkspaceBudgets } from '../streaming/workspace-budgets';

export interface SlackDeps {
  config: Config;
  log: Logger;
  identity: SlackIdentity;
  ledger: EventLedger;
  inFlight: InFlight;
  /** Where 429s pause calls (tests inject one with a virtual clock). */
  rateLimitGate?: RateLimitGate;
  /** Counts Web API calls and incoming requests (the ops metrics); nothing is counted without one. */
  observer?: SlackObserver;
  /** Multi-workspace mode (config.oauth): the installs, and the workspace each piece of work is for. */
  workspaces?: { installs: BoltInstallationStore; context: WorkspaceContext };
}

/** The Slack side before any listener: the app, and the ports the tutor and challenges talk through. */
export interface SlackApp {
  app: App;
  conversations: Conversations;
  streamer: LiveMessageStreamer;
  channels: SlackChannels;
  /** The chat.update budgets, one per workspace (read by the metrics). */
  budgets: WorkspaceBudgets;
  /** Notices a token Slack no longer accepts, on any Web API call. */
  revokedTokens: RevokedTokenGuard;
  /** Starts receiving: the Socket Mode connection, or the HTTP listener on config.slack.port. */
  start(): Promise<void>;
  /** Socket Mode: the WebSocket is connected; HTTP mode: the listener is open (for /readyz). */
  isOpen(): boolean;
}

/**
 * One Bolt app, Socket Mode or HTTP, with every Web API call going to config.slack.apiUrl. Only the
 * middleware is installed here; registerListeners (register-listeners.ts) adds the listeners once the services exist.
 */
export function createSlackApp(deps: SlackDeps): SlackApp {
  const { config, log } = deps;
  // A 429 is not retried by the WebClient (it would pause its whole queue, every learner with it): the
  // rate-limit gate pauses only that method or channel and retries only that request.
  const clientOptions = { slackApiUrl: config.slack.apiUrl, rejectRateLimitedCalls: true, retryConfig: { retries: 5, factor: 1.6, minTimeout: 200, maxTimeout: 5000 } };
  const multi = config.oauth && deps.workspaces;
  // Multi-workspace: no token here; Bolt's authorize reads each workspace's from the installation store.
  const single = multi ? {} : { token: config.slack.botToken, botUserId: deps.identity.botUserId, botId: deps.identity.botId };
  const common = {
    ...single,
    // auth.test already ran in main: a bad token never gets this far.
    tokenVerificationEnabled: false,
    logger: boltLogger(log),
    logLevel: LogLevel.INFO,
    clientOptions,
  };
  // The receivers are built here (not by App) so their state can be read: the Socket Mode connection and
  // the HTTP listener for /readyz, and in HTTP mode each request's signature for the replay guard.
  let socketOpen = false;
  let server: Server | undefined;
  const oauth = multi ? oauthReceiverOptions(config.oauth!, config, multi.installs, log, clientOptions) : { installerOptions: { clientOptions } };
  const receiver =
    config.mode === 'http'
      ? new HTTPReceiver({ signingSecret: config.slack.signingSecret!, port: config.slack.port, logger: common.logger, logLevel: common.logLevel, customPropertiesExtractor: signatureOf, ...oauth })
      : new SocketModeReceiver({ appToken: config.slack.appToken!, logger: common.logger, logLevel: common.logLevel, ...oauth });
  if (receiver instanceof SocketModeReceiver) {
    receiver.client.on('connected', () => (socketOpen = true));
    for (const state of ['disconnected', 'reconnecting', 'disconnecting']) receiver.client.on(state, () => (socketOpen = false));
  }
  const app = new App({ ...common, receiver });

  const gate = deps.rateLimitGate ?? new RateLimitGate({ log });
  // Observed first, gated second: the gate wraps the observer, so each attempt after a 429 is counted.
  const bindTokens = (client: typeof app.client) => multi && bindWorkspaceTokens(client, multi.context, (teamId) => multi.installs.tokenFor(teamId));
  const revokedTokens = new RevokedTokenGuard({ log, workspaces: multi ? { context: multi.context, tokenFor: (teamId) => multi.installs.tokenFor(teamId) } : undefined });
  // The guard goes first (innermost), so it sees the token each request actually carries.
  const instrument = (client: typeof app.client) => {
    revokedTokens.watch(client);
    bindTokens(client);
    if (deps.observer) observeWebApi(client, deps.observer);
    gate.install(client);
  };
  instrument(app.client);
  // One chat.update budget per workspace (Tier 3 is per app per workspace), shared by its learners.
  const budgets = new WorkspaceBudgets({ current: multi ? () => multi.context.current : undefined });
  // The streamer sends through its own client (it retries by itself, ungated): counted all the same.
  const streamer = new LiveMessageStreamer({
    client: app.client,
    budget: budgets,
    log,
    instrument: (c) => {
      revokedTokens.watch(c);
      bindTokens(c);
      if (deps.observer) observeWebApi(c, deps.observer);
    },
  });
  const conversations = new Conversations(app.client, streamer, log, multi ? () => multi.context.current : undefined);
  const channels = new SlackChannels(app.client, streamer);

  // Multi-workspace, first of all: everything a request starts (replies, live edits, App Home) runs as its workspace.
  if (multi) app.use(({ context, body, next }) => multi.context.run(context.teamId ?? teamOfBody(body), next));

  // ALLOWED_TEAM_IDS: other workspaces' requests go no further (not even the event ledger).
  app.use(allowedTeamsOnly({ allowed: config.allowedTeamIds, log, teamOf: ({ context, body }) => context.teamId ?? teamOfBody(body) }));
  if (deps.observer) app.use(observeRequests(deps.observer));
  app.use(dedupeAndLog(deps));
  // HTTP mode: a signed request captured and sent again within Slack's 5-minute window is handled once.
  if (config.mode === 'http') app.use(replayGuard(deps));
  // Listeners get a client per token from Bolt: it shares the same gate.
  app.use(async ({ client, next }) => {
    instrument(client);
    await next();
  });
  // After dedupe, before every listener: learner text arrives as typed, not as Slack encodes it.
  app.use(decodeLearnerText());
  app.error(async (err) => {
    // Never let a listener's failure reach Slack or crash the process.
    const expected = expectedSlackFailure(err);
    if (expected) log.info({ code: err.code, reason: expected }, 'slack request dropped: its workspace cannot be served');
    else log.error({ err: err.original ?? err, code: err.code }, 'slack listener failed');
  });
  return {
    app,
    conversations,
    streamer,
    channels,
    budgets,
    revokedTokens,
    async start() {
      const started: unknown = await app.start();
      if (config.mode === 'http') server = started as Server;
    },
    isOpen: () => (config.mode === 'http' ? server?.listening === true : socketOpen),
  };
}

function teamOfBody(body: unknown): string {
  const b = body as { team_id?: string; team?: { id?: string } | string };
  return b.team_id ?? (typeof b.team === 'string' ? b.team : b.team?.id) ?? '';
}

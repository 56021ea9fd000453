import { EventEmitter } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { BOT_SCOPES } from '../../config';
import { RecordedCalls } from './recorded-calls';
import { blockActions, directMessageEvent, dmChannelFor, eventCallback, interactivePayload, mentionEvent, slashCommandPayload, type PayloadIdentity } from './slack-payloads';
import { SocketModeServer } from './socket-mode-server';
import type { AckResult, RecordedCall, UploadedFile } from './stand-in-types';
import { StandInWorkspaces, type StandInOAuthApp, type StandInWorkspace } from './stand-in-workspaces';
import { waitUntil } from './wait-until';
import { answerWebApi } from './web-api-answers';
import { WebApiRoutes } from './web-api-routes';

export type { AckResult, RecordedCall, UploadedFile } from './stand-in-types';

export interface StandInOptions {
  botToken?: string;
  appToken?: string;
  teamId?: string;
  teamName?: string;
  botUserId?: string;
  appId?: string;
  /** Requests per minute allowed per method; beyond it the call gets 429 and is counted as a violation. */
  rateLimits?: Record<string, number>;
  users?: Record<string, { name: string; realName?: string }>;
  ackTimeoutMs?: number;
  /** The app's OAuth credentials: turns on /oauth/v2/authorize and oauth.v2.access (multi-workspace installs). */
  oauth?: StandInOAuthApp;
  /** The bot's granted scopes (default: the manifest's, BOT_SCOPES); `chat:write.public` lets it post in public channels it has not joined. */
  scopes?: readonly string[];
  /** The default workspace's user groups by id (ADMIN_USERGROUP). */
  usergroups?: Record<string, { handle: string; users: string[] }>;
  /** The default workspace's channels and members by id (`/tutor report #channel`). */
  channels?: Record<string, { name: string; members: string[]; private?: boolean }>;
}

/**
 * A local server speaking Slack's wire protocol: the Web API over HTTP and Socket Mode over a WebSocket.
 * Tests and local mode point the real Bolt app at it (SLACK_API_URL), so every byte goes through Bolt's
 * own receiver and WebClient. It emits 'call' for each request it answers and 'ack' for each envelope acked.
 */
export class SlackStandIn extends EventEmitter {
  readonly calls: RecordedCall[];
  readonly files = new Map<string, UploadedFile>();
  readonly rateLimitViolations: { method: string; at: number }[];
  readonly botToken: string;
  readonly appToken: string;
  readonly teamId: string;
  readonly botUserId: string;
  readonly appId: string;
  /** Every workspace; the default one (teamId) has botToken installed from the start. */
  readonly workspaces: StandInWorkspaces;

  private server?: http.Server;
  private readonly recorded: RecordedCalls;
  private readonly socketMode: SocketModeServer;
  private readonly routes: WebApiRoutes;
  private readonly notMemberOf = new Map<string, 'public' | 'private'>();
  /** The default workspace's channels and members: the options' ones, plus what tests set. */
  private readonly channels: Record<string, { name: string; members: string[]; private?: boolean }>;
  private tsCounter = 0;
  private baseUrl = '';
  private readonly opts: StandInOptions;

  constructor(opts: StandInOptions = {}) {
    super();
    this.opts = opts;
    this.channels = structuredClone(opts.channels ?? {});
    this.botToken = opts.botToken ?? 'xoxb-stand-in-bot-token';
    this.appToken = opts.appToken ?? 'xapp-stand-in-app-token';
    this.teamId = opts.teamId ?? 'T0STANDIN';
    this.botUserId = opts.botUserId ?? 'U0DOCKHAND';
    this.appId = opts.appId ?? 'A0DOCKHAND';
    this.workspaces = new StandInWorkspaces(opts.oauth, this.appId);
    this.workspaces.add(this.teamId, opts.teamName ?? 'Stand-in', this.botUserId, this.botToken);
    this.recorded = new RecordedCalls((call) => this.emit('call', call));
    this.calls = this.recorded.all;
    this.socketMode = new SocketModeServer({ appId: this.appId, ackTimeoutMs: opts.ackTimeoutMs ?? 3000, onAck: (ack) => this.emit('ack', ack) });
    this.routes = new WebApiRoutes({
      appToken: this.appToken,
      workspaces: this.workspaces,
      files: this.files,
      calls: this.recorded,
      rateLimits: opts.rateLimits,
      baseUrl: () => this.baseUrl,
      answer: (method, args, ws) => this.answer(method, args, ws),
    });
    this.rateLimitViolations = this.routes.rateLimitViolations;
  }

  /** Another workspace, where the app is not installed yet (install it through /oauth/v2/authorize). */
  addWorkspace(teamId: string, name = teamId): StandInWorkspace {
    return this.workspaces.add(teamId, name, `UB${teamId.slice(-8)}`);
  }

  /** The app is removed from a workspace: its token stops working, then Slack sends app_uninstalled and tokens_revoked. */
  async uninstall(teamId: string): Promise<void> {
    const ws = this.workspaces.byTeam.get(teamId);
    if (!ws) throw new Error(`stand-in: no workspace ${teamId}`);
    this.workspaces.revoke(teamId);
    await this.sendEvent({ type: 'app_uninstalled', event_ts: this.nextTs() }, { teamId });
    await this.sendEvent({ type: 'tokens_revoked', tokens: { bot: [ws.botUserId] }, event_ts: this.nextTs() }, { teamId });
  }

  get apiUrl(): string {
    return `${this.baseUrl}/api/`;
  }

  /** `host`: the address to listen on and to hand out (a bot in a container reaches a bridge gateway, not 127.0.0.1). */
  async start(port = 0, host = '127.0.0.1'): Promise<string> {
    this.server = http.createServer((req, res) => {
      this.routes.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ok: false, error: 'stand_in_error', detail: String(err) }));
      });
    });
    this.socketMode.attach(this.server);
    await new Promise<void>((resolve) => this.server!.listen(port, host, resolve));
    this.baseUrl = `http://${host}:${(this.server.address() as AddressInfo).port}`;
    return this.apiUrl;
  }

  async stop(): Promise<void> {
    this.socketMode.stop();
    const closed = new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server?.closeAllConnections();
    await closed;
  }

  /** Connected Socket Mode clients (Bolt apps). */
  get connections(): number {
    return this.socketMode.connections;
  }

  async waitForConnection(timeoutMs = 10000): Promise<void> {
    await waitUntil(() => this.connections > 0, timeoutMs, 'a Socket Mode connection');
  }

  /** The next call to `method` fails this way (queued; each is used once). */
  failNext(method: string, fault: { status: 429; retryAfterSec?: number } | { error: string } | { status: number }): void {
    this.routes.failNext(method, fault);
  }

  /**
   * The bot is not a member of `channel` (Slack's default for every channel until someone invites it):
   * chat.postMessage there fails like Slack's, `not_in_channel` (public) or `channel_not_found` (private).
   * Channels are joined unless a test says otherwise.
   */
  removeBotFrom(channel: string, kind: 'public' | 'private' = 'public'): void {
    this.notMemberOf.set(channel, kind);
  }

  /** The people in a channel, as `conversations.members` lists them (a channel never set is `channel_not_found`). */
  setChannelMembers(channel: string, userIds: string[]): void {
    this.channels[channel] = { ...this.channels[channel], name: this.channels[channel]?.name ?? channel.toLowerCase(), members: [...userIds] };
  }

  /** `/invite @Dockhand` in that channel. */
  inviteBot(channel: string): void {
    this.notMemberOf.delete(channel);
  }

  callsTo(method: string): RecordedCall[] {
    return this.recorded.successful(method);
  }

  waitForCall(method: string, predicate: (c: RecordedCall) => boolean = () => true, timeoutMs = 10000): Promise<RecordedCall> {
    return this.recorded.waitFor(method, predicate, timeoutMs);
  }

  /** Sends an Events API envelope and resolves when the app acks it. */
  sendEvent(
    event: Record<string, unknown>,
    opts: { eventId?: string; retryAttempt?: number; retryReason?: string; eventTime?: number; teamId?: string } = {},
  ): Promise<AckResult> {
    const team = this.workspaces.byTeam.get(opts.teamId ?? this.teamId) ?? { teamId: opts.teamId ?? this.teamId, botUserId: this.botUserId };
    return this.socketMode.deliver('events_api', eventCallback(event, team, this.appId, opts), {
      retryAttempt: opts.retryAttempt ?? 0,
      retryReason: opts.retryReason ?? (opts.retryAttempt ? 'timeout' : ''),
    });
  }

  /**
   * A learner's DM to the bot, as Slack sends `message.im`: the text is what the learner typed, encoded
   * as Slack encodes it (entities, links, e-mails, `@here`: encodeLikeSlack). `encoded: true` sends
   * text already in Slack's form (a mention picked from autocomplete, `<@U123>`, cannot be typed).
   */
  sendDirectMessage(user: string, text: string, opts: { eventId?: string; retryAttempt?: number; channel?: string; encoded?: boolean; teamId?: string } = {}): Promise<AckResult> {
    return this.sendEvent(this.directMessageEvent(user, text, opts), opts);
  }

  /** The `message.im` event sendDirectMessage delivers (in-process tests wrap it themselves). */
  directMessageEvent(user: string, text: string, opts: { channel?: string; encoded?: boolean; teamId?: string } = {}): Record<string, unknown> {
    return directMessageEvent(user, text, this.nextTs(), this.teamId, opts);
  }

  /** An `@Dockhand ...` mention in a channel, as Slack sends `app_mention` (the bot's mention first, the rest encoded). */
  sendMention(user: string, channel: string, text: string, opts: { threadTs?: string } = {}): Promise<AckResult> {
    return this.sendEvent(mentionEvent(user, channel, text, this.nextTs(), this.botUserId, opts));
  }

  /**
   * Slash command text is escaped like Slack with the manifest's `should_escape: false`: `&`, `<`, `>`
   * always become entities, links and mentions stay as typed (encodeSlashCommandText). `encoded: true`
   * sends `payload.text` as given.
   */
  sendSlashCommand(payload: Record<string, unknown>, opts: { encoded?: boolean } = {}): Promise<AckResult> {
    return this.socketMode.deliver('slash_commands', slashCommandPayload(payload, this.ids, opts));
  }

  sendInteractive(payload: Record<string, unknown>): Promise<AckResult> {
    return this.socketMode.deliver('interactive', interactivePayload(payload, this.ids));
  }

  /** A click on a button of a message the bot posted, as a `block_actions` payload. */
  clickButton(user: string, message: { channel: string; ts: string; blocks?: unknown }, action: { action_id: string; value?: string; block_id?: string }) {
    return this.sendInteractive(blockActions(user, message, action, this.ids, this.nextTs()));
  }

  /** A global shortcut from Slack's shortcut menu (`callback_id` as in the manifest). */
  globalShortcut(user: string, callbackId: string): Promise<AckResult> {
    return this.sendInteractive({ type: 'shortcut', callback_id: callbackId, action_ts: this.nextTs(), user: { id: user, username: user.toLowerCase(), team_id: this.teamId } });
  }

  /** The user presses Submit on a modal the bot opened (`view` as views.open got it); `values` is the modal's state. */
  submitView(user: string, view: Record<string, unknown>, values: Record<string, Record<string, unknown>>): Promise<AckResult> {
    return this.sendInteractive({
      type: 'view_submission',
      user: { id: user, username: user.toLowerCase(), name: user.toLowerCase(), team_id: this.teamId },
      view: { id: 'V0MODAL', team_id: this.teamId, type: 'modal', callback_id: view.callback_id, private_metadata: view.private_metadata ?? '', blocks: view.blocks, state: { values }, hash: '1.x', app_id: this.appId, bot_id: 'B0DOCKHAND' },
    });
  }

  dmChannelFor(user: string): string {
    return dmChannelFor(user);
  }

  private get ids(): PayloadIdentity {
    return { teamId: this.teamId, appId: this.appId, botUserId: this.botUserId, baseUrl: this.baseUrl };
  }

  private answer(method: string, args: Record<string, unknown>, ws?: StandInWorkspace): Record<string, unknown> {
    return answerWebApi(method, args, {
      teamId: ws?.teamId ?? this.teamId,
      teamName: ws?.name ?? this.opts.teamName,
      botUserId: ws?.botUserId ?? this.botUserId,
      baseUrl: this.baseUrl,
      users: this.opts.users,
      files: this.files,
      nextTs: () => this.nextTs(),
      dmChannelFor: (user) => this.dmChannelFor(user),
      notMemberOf: this.notMemberOf,
      scopes: new Set(this.opts.scopes ?? BOT_SCOPES),
      usergroups: this.opts.usergroups,
      channels: this.channels,
    });
  }

  private nextTs(): string {
    this.tsCounter += 1;
    return `${Math.floor(Date.now() / 1000)}.${String(this.tsCounter).padStart(6, '0')}`;
  }
}

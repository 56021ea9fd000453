import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, WebSocket } from 'ws';
import { encodeLikeSlack, encodeSlashCommandText } from './encode-like-slack';

/**
 * A local server speaking Slack's wire protocol: the Web API over HTTP and Socket Mode over a WebSocket.
 * Tests and local mode point the real Bolt app at it (SLACK_API_URL), so every byte goes through Bolt's
 * own receiver and WebClient.
 */

import { answerWebApi, parseBody, send } from './web-api-answers';
import { uploadedContent } from './uploaded-content';
import { StandInWorkspaces, type StandInOAuthApp, type StandInWorkspace } from './stand-in-workspaces';
import { BOT_SCOPES } from '../../oauth-config';

export type { AckResult, RecordedCall, UploadedFile } from './stand-in-types';
import type { AckResult, RecordedCall, UploadedFile } from './stand-in-types';

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
}

type Fault = { kind: 'ratelimit'; retryAfterSec: number } | { kind: 'error'; error: string } | { kind: 'http'; status: number };

export class SlackStandIn extends EventEmitter {
  readonly calls: RecordedCall[] = [];
  readonly files = new Map<string, UploadedFile>();
  readonly rateLimitViolations: { method: string; at: number }[] = [];
  readonly botToken: string;
  readonly appToken: string;
  readonly teamId: string;
  readonly botUserId: string;
  readonly appId: string;

  private server?: http.Server;
  private wss?: WebSocketServer;
  private sockets = new Set<WebSocket>();
  private pendingAcks = new Map<string, { resolve: (r: AckResult) => void; reject: (e: Error) => void; timer: NodeJS.Timeout; sentAt: number }>();
  private faults = new Map<string, Fault[]>();
  private notMemberOf = new Map<string, 'public' | 'private'>();
  private windowCalls = new Map<string, number[]>();
  private tsCounter = 0;
  private baseUrl = '';
  private readonly opts: StandInOptions;
  /** Every workspace; the default one (teamId) has botToken installed from the start. */
  readonly workspaces: StandInWorkspaces;

  constructor(opts: StandInOptions = {}) {
    super();
    this.opts = opts;
    this.botToken = opts.botToken ?? 'xoxb-stand-in-bot-token';
    this.appToken = opts.appToken ?? 'xapp-stand-in-app-token';
    this.teamId = opts.teamId ?? 'T0STANDIN';
    this.botUserId = opts.botUserId ?? 'U0DOCKHAND';
    this.appId = opts.appId ?? 'A0DOCKHAND';
    this.workspaces = new StandInWorkspaces(opts.oauth, this.appId);
    this.workspaces.add(this.teamId, opts.teamName ?? 'Stand-in', this.botUserId, this.botToken);
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

  async start(port = 0): Promise<string> {
    this.server = http.createServer((req, res) => {
      this.handleHttp(req, res).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ok: false, error: 'stand_in_error', detail: String(err) }));
      });
    });
    this.wss = new WebSocketServer({ noServer: true });
    this.server.on('upgrade', (req, socket, head) => {
      if (!req.url?.startsWith('/socket')) return socket.destroy();
      this.wss!.handleUpgrade(req, socket, head, (ws) => this.onSocket(ws));
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.apiUrl;
  }

  async stop(): Promise<void> {
    for (const [, p] of this.pendingAcks) {
      clearTimeout(p.timer);
      p.reject(new Error('stand-in stopped'));
    }
    this.pendingAcks.clear();
    for (const ws of this.sockets) ws.terminate();
    this.sockets.clear();
    this.wss?.close();
    const closed = new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server?.closeAllConnections();
    await closed;
  }

  /** Connected Socket Mode clients (Bolt apps). */
  get connections(): number {
    return [...this.sockets].filter((s) => s.readyState === WebSocket.OPEN).length;
  }

  async waitForConnection(timeoutMs = 10000): Promise<void> {
    await this.waitUntil(() => this.connections > 0, timeoutMs, 'a Socket Mode connection');
  }

  /** The next call to `method` fails this way (queued; each is used once). */
  failNext(method: string, fault: { status: 429; retryAfterSec?: number } | { error: string } | { status: number }): void {
    const list = this.faults.get(method) ?? [];
    if ('error' in fault) list.push({ kind: 'error', error: fault.error });
    else if (fault.status === 429) list.push({ kind: 'ratelimit', retryAfterSec: (fault as { retryAfterSec?: number }).retryAfterSec ?? 1 });
    else list.push({ kind: 'http', status: fault.status });
    this.faults.set(method, list);
  }

  /**
   * The bot is not a member of `channel` (Slack's default for every channel until someone invites it):
   * chat.postMessage there fails like Slack's, `not_in_channel` (public) or `channel_not_found` (private).
   * Channels are joined unless a test says otherwise.
   */
  removeBotFrom(channel: string, kind: 'public' | 'private' = 'public'): void {
    this.notMemberOf.set(channel, kind);
  }

  /** `/invite @Dockhand` in that channel. */
  inviteBot(channel: string): void {
    this.notMemberOf.delete(channel);
  }

  callsTo(method: string): RecordedCall[] {
    return this.calls.filter((c) => c.method === method && c.status === 200 && c.response.ok === true);
  }

  async waitForCall(method: string, predicate: (c: RecordedCall) => boolean = () => true, timeoutMs = 10000): Promise<RecordedCall> {
    let found: RecordedCall | undefined;
    await this.waitUntil(
      () => (found = this.callsTo(method).find(predicate)) !== undefined,
      timeoutMs,
      `a successful ${method} call`,
    );
    return found!;
  }

  // ---- Socket Mode deliveries -------------------------------------------------------------

  /** Sends an Events API envelope and resolves when the app acks it. */
  sendEvent(
    event: Record<string, unknown>,
    opts: { eventId?: string; retryAttempt?: number; retryReason?: string; eventTime?: number; teamId?: string } = {},
  ): Promise<AckResult> {
    const team = this.workspaces.byTeam.get(opts.teamId ?? this.teamId) ?? { teamId: opts.teamId ?? this.teamId, botUserId: this.botUserId };
    const eventId = opts.eventId ?? `Ev${randomUUID().replace(/-/g, '').slice(0, 10).toUpperCase()}`;
    return this.deliver('events_api', {
      token: 'verification-token-unused',
      team_id: team.teamId,
      context_team_id: team.teamId,
      api_app_id: this.appId,
      event,
      type: 'event_callback',
      event_id: eventId,
      event_time: opts.eventTime ?? Math.floor(Date.now() / 1000),
      authorizations: [{ enterprise_id: null, team_id: team.teamId, user_id: team.botUserId, is_bot: true, is_enterprise_install: false }],
      is_ext_shared_channel: false,
    }, { retryAttempt: opts.retryAttempt ?? 0, retryReason: opts.retryReason ?? (opts.retryAttempt ? 'timeout' : '') });
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
    const ts = this.nextTs();
    return {
      type: 'message',
      channel: opts.channel ?? this.dmChannelFor(user),
      user,
      text: opts.encoded ? text : encodeLikeSlack(text),
      ts,
      event_ts: ts,
      channel_type: 'im',
      team: opts.teamId ?? this.teamId,
      client_msg_id: randomUUID(),
    };
  }

  /** An `@Dockhand ...` mention in a channel, as Slack sends `app_mention` (the bot's mention first, the rest encoded). */
  sendMention(user: string, channel: string, text: string, opts: { threadTs?: string } = {}): Promise<AckResult> {
    const ts = this.nextTs();
    return this.sendEvent({ type: 'app_mention', user, text: `<@${this.botUserId}> ${encodeLikeSlack(text)}`, ts, channel, event_ts: ts, ...(opts.threadTs ? { thread_ts: opts.threadTs } : {}) });
  }

  /**
   * Slash command text is escaped like Slack with the manifest's `should_escape: false`: `&`, `<`, `>`
   * always become entities, links and mentions stay as typed (encodeSlashCommandText). `encoded: true`
   * sends `payload.text` as given.
   */
  sendSlashCommand(payload: Record<string, unknown>, opts: { encoded?: boolean } = {}): Promise<AckResult> {
    // response_url always points here: a fixture's hooks.slack.com address is unreachable.
    return this.deliver('slash_commands', {
      token: 'verification-token-unused',
      team_id: this.teamId,
      api_app_id: this.appId,
      trigger_id: `${Date.now()}.trigger`,
      ...payload,
      ...(typeof payload.text === 'string' && !opts.encoded ? { text: encodeSlashCommandText(payload.text) } : {}),
      response_url: `${this.baseUrl}/response/${randomUUID()}`,
    });
  }

  sendInteractive(payload: Record<string, unknown>): Promise<AckResult> {
    return this.deliver('interactive', {
      token: 'verification-token-unused',
      api_app_id: this.appId,
      team: { id: this.teamId, domain: 'standin' },
      trigger_id: `${Date.now()}.trigger`,
      ...payload,
      response_url: `${this.baseUrl}/response/${randomUUID()}`,
    });
  }

  /** A click on a button of a message the bot posted, as a `block_actions` payload. */
  clickButton(user: string, message: { channel: string; ts: string; blocks?: unknown }, action: { action_id: string; value?: string; block_id?: string }) {
    return this.sendInteractive({
      type: 'block_actions',
      user: { id: user, username: user.toLowerCase(), name: user.toLowerCase(), team_id: this.teamId },
      container: { type: 'message', message_ts: message.ts, channel_id: message.channel, is_ephemeral: false },
      channel: { id: message.channel, name: 'directmessage' },
      message: { type: 'message', ts: message.ts, user: this.botUserId, blocks: message.blocks },
      actions: [{ type: 'button', action_id: action.action_id, block_id: action.block_id ?? 'b', value: action.value, action_ts: this.nextTs() }],
      state: { values: {} },
    });
  }

  dmChannelFor(user: string): string {
    return `D${user.replace(/^[UW]/, '')}`;
  }

  private deliver(type: string, payload: Record<string, unknown>, extra: { retryAttempt?: number; retryReason?: string } = {}): Promise<AckResult> {
    const ws = [...this.sockets].find((s) => s.readyState === WebSocket.OPEN);
    if (!ws) return Promise.reject(new Error('no Socket Mode client is connected'));
    const envelopeId = randomUUID();
    const envelope = {
      envelope_id: envelopeId,
      type,
      payload,
      accepts_response_payload: type !== 'events_api',
      ...(type === 'events_api' ? { retry_attempt: extra.retryAttempt ?? 0, retry_reason: extra.retryReason ?? '' } : {}),
    };
    const timeoutMs = this.opts.ackTimeoutMs ?? 3000;
    return new Promise<AckResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pendingAcks.delete(envelopeId);
        reject(new Error(`no ack for ${type} envelope within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pendingAcks.set(envelopeId, { resolve, reject, timer, sentAt: Date.now() });
      ws.send(JSON.stringify(envelope));
    });
  }

  private onSocket(ws: WebSocket): void {
    this.sockets.add(ws);
    ws.on('close', () => this.sockets.delete(ws));
    ws.on('error', () => this.sockets.delete(ws));
    ws.on('message', (raw) => {
      let msg: { envelope_id?: string; payload?: unknown };
      try {
        msg = JSON.parse(String(raw));
      } catch {
        return;
      }
      const pending = msg.envelope_id ? this.pendingAcks.get(msg.envelope_id) : undefined;
      if (!pending || !msg.envelope_id) return;
      clearTimeout(pending.timer);
      this.pendingAcks.delete(msg.envelope_id);
      const ack = { envelopeId: msg.envelope_id, payload: msg.payload, ackMs: Date.now() - pending.sentAt };
      this.emit('ack', ack);
      pending.resolve(ack);
    });
    ws.send(JSON.stringify({ type: 'hello', num_connections: this.sockets.size, debug_info: { host: 'stand-in', approximate_connection_time: 18060 }, connection_info: { app_id: this.appId } }));
  }

  // ---- Web API ------------------------------------------------------------------------------

  private async handleHttp(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', this.baseUrl);

    if (url.pathname === '/oauth/v2/authorize') return this.workspaces.authorize(url, res);
    if (url.pathname.startsWith('/upload/')) return this.handleUpload(url.pathname.slice('/upload/'.length), req, raw, res);
    if (url.pathname.startsWith('/response/')) {
      this.record('response_url', parseBody(req, raw), undefined, 200, { ok: true });
      return send(res, 200, { ok: true });
    }
    if (!url.pathname.startsWith('/api/')) return send(res, 404, { ok: false, error: 'not_found' });

    const method = url.pathname.slice('/api/'.length);
    const args = { ...Object.fromEntries(url.searchParams), ...parseBody(req, raw) };
    const auth = req.headers.authorization;
    const token = auth?.startsWith('Bearer ') ? auth.slice(7) : typeof args.token === 'string' ? args.token : undefined;

    const fault = this.faults.get(method)?.shift();
    if (fault?.kind === 'ratelimit') {
      this.record(method, args, token, 429, { ok: false, error: 'ratelimited' });
      res.setHeader('Retry-After', String(fault.retryAfterSec));
      return send(res, 429, { ok: false, error: 'ratelimited' });
    }
    if (fault?.kind === 'http') {
      this.record(method, args, token, fault.status, { ok: false, error: 'http_error' });
      return send(res, fault.status, { ok: false, error: 'http_error' });
    }
    if (this.overRateLimit(method)) {
      this.rateLimitViolations.push({ method, at: Date.now() });
      this.record(method, args, token, 429, { ok: false, error: 'ratelimited' });
      res.setHeader('Retry-After', '1');
      return send(res, 429, { ok: false, error: 'ratelimited' });
    }

    // oauth.v2.access takes the app's client credentials, apps.connections.open the app token, the rest a bot token.
    const owner = token && method !== 'apps.connections.open' ? this.workspaces.ofToken(token) : {};
    let body: Record<string, unknown>;
    if (fault?.kind === 'error') body = { ok: false, error: fault.error };
    else if (method === 'oauth.v2.access') body = this.workspaces.access(args, req.headers.authorization);
    else if (token === undefined) body = { ok: false, error: 'not_authed' };
    else if (method === 'apps.connections.open') body = token === this.appToken ? this.answer(method, args) : { ok: false, error: 'invalid_auth' };
    else if (owner.revoked) body = { ok: false, error: 'token_revoked' };
    else if (!owner.ws) body = { ok: false, error: 'invalid_auth' };
    else body = this.answer(method, args, owner.ws);
    this.record(method, args, token, 200, body, owner.ws?.teamId);
    send(res, 200, body);
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
    });
  }

  private async handleUpload(id: string, req: http.IncomingMessage, raw: Buffer, res: http.ServerResponse): Promise<void> {
    const file = this.files.get(id);
    if (!file) return send(res, 404, { ok: false, error: 'file_not_found' });
    file.content = await uploadedContent(file.content, req.headers['content-type'] ?? '', raw);
    this.record('upload', { id, bytes: raw.length }, undefined, 200, { ok: true });
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`OK - ${raw.length}`);
  }

  private overRateLimit(method: string): boolean {
    const limit = this.opts.rateLimits?.[method];
    if (!limit) return false;
    const now = Date.now();
    const recent = (this.windowCalls.get(method) ?? []).filter((t) => now - t < 60000);
    const over = recent.length >= limit;
    if (!over) recent.push(now);
    this.windowCalls.set(method, recent);
    return over;
  }

  private record(method: string, args: Record<string, unknown>, token: string | undefined, status: number, response: Record<string, unknown>, teamId?: string) {
    const call: RecordedCall = { method, args, token, at: Date.now(), status, response, teamId };
    this.calls.push(call);
    this.emit('call', call);
  }

  private nextTs(): string {
    this.tsCounter += 1;
    return `${Math.floor(Date.now() / 1000)}.${String(this.tsCounter).padStart(6, '0')}`;
  }

  private async waitUntil(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!cond()) {
      if (Date.now() > deadline) throw new Error(`stand-in: timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

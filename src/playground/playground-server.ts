import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Logger } from '../logger';
import { assetAnswer } from './asset-encoding';
import type { BrowserAssets } from './browser-assets';
import { isRefusal, type LearnerTokens, type PlaygroundLearner, type PlaygroundVisitor, type Refusal } from './learner-tokens';
import { LINK_REFUSED_HTML, PAGE_HTML } from './page';
import { refuseUpgrade, sameOrigin, securityHeaders, send, sessionCookieHeader, sessionCookieOf, watchCookieName } from './web-security';

/** What a route sees: the learner of the session cookie (routes with `session: true` only run with one). */
export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  match: RegExpExecArray;
  learner: PlaygroundLearner;
  /** Answers JSON with the playground's headers. */
  json(status: number, body: unknown): void;
}

/**
 * One HTTP route of the playground. Further features (the editor's file API, port previews) mount as more
 * routes: `session` puts them behind the learner's cookie, `sameOrigin` (implied for anything but GET/HEAD)
 * behind the Origin check.
 */
export interface PlaygroundRoute {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: RegExp;
  handle(ctx: RouteContext): Promise<void> | void;
  /** A GET a watching admin may use too (reading the learner's step); every other route refuses them. */
  watchable?: boolean;
}

/** A WebSocket endpoint; the upgrade is accepted only with a session cookie and the playground's own Origin. */
export interface PlaygroundSocket {
  path: string;
  handle(socket: WebSocket, learner: PlaygroundLearner, url: URL): Promise<void> | void;
  /** A watching admin's socket (read-only: nothing it sends reaches the learner); left out: admins are refused. */
  watch?(socket: WebSocket, learner: PlaygroundLearner, watcher: string): Promise<void> | void;
}

/**
 * A path prefix served for any method and as an Upgrade (the port previews): only with a session cookie, which
 * is SameSite=Strict, so a cross-site page cannot send it; the Origin policy is the handler's.
 */
export interface PlaygroundPrefix {
  path: RegExp;
  http(req: IncomingMessage, res: ServerResponse, match: RegExpExecArray, learner: PlaygroundLearner | undefined): Promise<void>;
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, match: RegExpExecArray, learner: PlaygroundLearner | undefined): Promise<void>;
}

/** Requests for other hosts on the same listener (port previews on their own origins): never the playground's. */
export interface PlaygroundHosts {
  owns(req: IncomingMessage): boolean;
  http(req: IncomingMessage, res: ServerResponse): Promise<void>;
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void>;
}

export interface PlaygroundServerOptions {
  host: string;
  port: number;
  /** Unset: http://127.0.0.1:<the port listened on>. */
  publicUrl?: URL;
  tokens: LearnerTokens;
  assets: () => Promise<BrowserAssets>;
  routes: PlaygroundRoute[];
  sockets: PlaygroundSocket[];
  /** Handed no learner when the session cookie is missing or refused (the handler answers that). */
  prefixes?: PlaygroundPrefix[];
  /** Routed by Host before anything else: what it owns never reaches the routes, sockets or prefixes. */
  hosts?: PlaygroundHosts;
  /** Where a link's `to` (a preview's `/preview/<port>/`) lands, for its learner whose session ends at `until`. */
  landingFor?(who: PlaygroundLearner, port: number, until: number): string;
  log: Logger;
  /** PLAYGROUND_ADMIN_VIEW: admins' watch links and sessions are honoured (read-only); otherwise refused. */
  adminView?: boolean;
}

const LANDING = /^\/preview\/\d{1,5}\/$/;
const TOKEN_PATH = /^\/p\/([A-Za-z0-9_.-]{1,600})$/;

/** The web playground's HTTP server: the link exchange, the page, its assets, the routes and the sockets. */
export class PlaygroundServer {
  private server?: http.Server;
  private readonly sockets = new Set<Socket>();
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 256 * 1024 });
  private url?: URL;
  private assets?: BrowserAssets;

  constructor(private readonly o: PlaygroundServerOptions) {}

  /** The public origin (known once listening when PUBLIC_URL is unset). */
  get publicUrl(): URL {
    if (!this.url) throw new Error('the playground is not listening yet');
    return this.url;
  }

  /** A learner's link (single use, 10 minutes); `to`: where it lands instead of the page (a port preview). */
  linkFor(who: PlaygroundVisitor, to?: string): string {
    const url = new URL(`/p/${this.o.tokens.mintLink(who)}`, this.publicUrl);
    if (to) url.searchParams.set('to', to);
    return url.toString();
  }

  async start(): Promise<void> {
    this.assets = await this.o.assets();
    const server = http.createServer((req, res) => {
      this.onRequest(req, res).catch((err: unknown) => {
        this.o.log.error({ err, path: safePath(req) }, 'playground request failed');
        if (!res.headersSent) this.json(res, 500, { error: 'Something went wrong; try again.' });
        else res.destroy();
      });
    });
    server.on('upgrade', (req, socket, head) => this.onUpgrade(req, socket, head));
    // closeAllConnections() knows HTTP connections only; an upgraded one (a preview's WebSocket, one refused
    // mid-handshake) would keep close() waiting forever, so stop() ends every socket itself.
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    server.headersTimeout = 20_000;
    server.requestTimeout = 60_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.o.port, this.o.host, () => resolve());
    });
    this.server = server;
    const { port } = server.address() as AddressInfo;
    this.url = this.o.publicUrl ?? new URL(`http://127.0.0.1:${port}`);
    this.o.log.info({ port, publicUrl: this.url.origin }, 'web playground listening');
  }

  async stop(): Promise<void> {
    for (const ws of this.wss.clients) ws.terminate();
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return { ...securityHeaders(this.publicUrl), ...extra };
  }

  /** The bundled page's script or styles, compressed as the browser accepts (see asset-encoding.ts). */
  private asset(req: IncomingMessage, res: ServerResponse, name: keyof BrowserAssets, type: string): void {
    const answer = assetAnswer(req.headers, this.assets![name]);
    res.writeHead(answer.status, this.headers({ 'Content-Type': type, ...answer.headers, ...(answer.status === 200 && { 'Content-Length': String(answer.body.length) }) }));
    res.end(answer.body);
  }

  private json(res: ServerResponse, status: number, body: unknown): void {
    send(res, status, this.headers({ 'Content-Type': 'application/json; charset=utf-8' }), JSON.stringify(body));
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.o.hosts?.owns(req)) return this.o.hosts.http(req, res);
    const url = new URL(req.url ?? '/', 'http://playground.invalid');
    const method = req.method ?? 'GET';
    const token = TOKEN_PATH.exec(url.pathname);
    if (token && method === 'GET') return this.exchange(token[1]!, res, url.searchParams.get('to'));
    if (method === 'GET' && (url.pathname === '/' || url.pathname === '/terminal')) return send(res, 200, this.headers({ 'Content-Type': 'text/html; charset=utf-8' }), PAGE_HTML);
    if (method === 'GET' && url.pathname === '/assets/playground.js') return this.asset(req, res, 'playground.js', 'text/javascript; charset=utf-8');
    if (method === 'GET' && url.pathname === '/assets/playground.css') return this.asset(req, res, 'playground.css', 'text/css; charset=utf-8');
    // browsers ask for it on every page; none is served
    if (method === 'GET' && url.pathname === '/favicon.ico') return send(res, 204, this.headers());
    const prefixed = this.prefixed(req, url);
    if (prefixed) return prefixed.handler.http(req, res, prefixed.match, prefixed.learner);
    for (const route of this.o.routes) {
      const match = route.path.exec(url.pathname);
      if (!match || route.method !== method) continue;
      if (method !== 'GET' && !sameOrigin(req, this.publicUrl)) return this.json(res, 403, { error: 'This request did not come from the playground page.' });
      const learner = this.session(req, url);
      if (isRefusal(learner)) return this.json(res, 401, { error: 'Your playground session has ended. Type `playground` in your DM with Dockhand for a new link.' });
      if (learner.watcher !== undefined && !(this.o.adminView && route.watchable && method === 'GET')) return this.json(res, 403, { error: 'You are watching this playground read-only.' });
      return route.handle({ req, res, match, learner: { teamId: learner.teamId, userId: learner.userId }, json: (status, body) => this.json(res, status, body) });
    }
    this.json(res, 404, { error: 'Not found' });
  }

  /** The link's first open: the token is spent for a session cookie, then the browser goes to a URL without it. */
  private exchange(token: string, res: ServerResponse, to?: string | null): void {
    const learner = this.o.tokens.redeemLink(token);
    if (isRefusal(learner) || (learner.watcher !== undefined && !this.o.adminView)) {
      this.o.log.info({ refused: isRefusal(learner) ? learner.refused : 'admin-view-off' }, 'playground link refused');
      return send(res, 403, this.headers({ 'Content-Type': 'text/html; charset=utf-8' }), LINK_REFUSED_HTML);
    }
    this.o.log.info({ teamId: learner.teamId, userId: learner.userId, watcher: learner.watcher }, learner.watcher ? 'playground watch link opened by an admin' : 'playground link opened');
    if (learner.watcher !== undefined) {
      // beside the admin's own learner session, never over it: a cookie of its own, a page that names it
      const cookie = sessionCookieHeader(this.o.tokens.mintSession(learner), this.o.tokens.sessionSeconds, this.publicUrl, watchCookieName(learner.userId));
      return send(res, 303, this.headers({ 'Set-Cookie': cookie, Location: `/?watch=${learner.userId}` }));
    }
    const session = this.o.tokens.mintSession(learner);
    const cookie = sessionCookieHeader(session, this.o.tokens.sessionSeconds, this.publicUrl);
    // a link may land on a port preview (offered in Slack after a command published one); nothing else. On a
    // preview origin it goes there directly: a Strict cookie may not ride the redirect chain from Slack
    const port = to && LANDING.test(to) ? Number(to.split('/')[2]) : undefined;
    const until = this.o.tokens.sessionExpiresAt(session);
    const location = port && port <= 65535 && this.o.landingFor && until !== undefined ? this.o.landingFor(learner, port, until) : port !== undefined ? to! : '/';
    send(res, 303, this.headers({ 'Set-Cookie': cookie, Location: location }));
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const refuse = (status: number, text: string) => refuseUpgrade(socket, status, text);
    if (this.o.hosts?.owns(req)) {
      this.o.hosts.upgrade(req, socket, head).catch((err: unknown) => {
        this.o.log.warn({ err }, 'preview upgrade failed');
        socket.destroy();
      });
      return;
    }
    const url = new URL(req.url ?? '/', 'http://playground.invalid');
    const prefixed = this.prefixed(req, url);
    if (prefixed) {
      prefixed.handler.upgrade(req, socket, head, prefixed.match, prefixed.learner).catch((err: unknown) => {
        this.o.log.warn({ err }, 'playground upgrade failed');
        socket.destroy();
      });
      return;
    }
    const endpoint = this.o.sockets.find((s) => s.path === url.pathname);
    if (!endpoint) return refuse(404, 'Not Found');
    if (!sameOrigin(req, this.publicUrl)) {
      this.o.log.warn({ origin: String(req.headers.origin ?? '').slice(0, 100) }, 'playground WebSocket from another origin refused');
      return refuse(403, 'Forbidden');
    }
    const learner = this.session(req, url);
    if (isRefusal(learner)) return refuse(401, 'Unauthorized');
    const { watcher } = learner;
    if (watcher !== undefined && !(this.o.adminView && endpoint.watch)) return refuse(403, 'Forbidden');
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const who = { teamId: learner.teamId, userId: learner.userId };
      Promise.resolve(watcher === undefined ? endpoint.handle(ws, who, url) : endpoint.watch!(ws, who, watcher)).catch((err: unknown) => {
        this.o.log.warn({ err }, 'playground socket failed');
        ws.close(4003, 'failed');
      });
    });
  }

  /**
   * The learner's own session, or, for a watch page's request (`?watch=<learner>`), the admin's watch session for
   * that learner: only a watcher's, only that learner's. Previews take the learner's own cookie only (prefixed).
   */
  private session(req: IncomingMessage, url: URL): PlaygroundVisitor | { refused: Refusal } {
    const watched = url.searchParams.get('watch');
    if (watched === null) return this.o.tokens.verifySession(sessionCookieOf(req, this.publicUrl));
    if (!/^[A-Z0-9]{2,32}$/.test(watched)) return { refused: 'malformed' };
    const visitor = this.o.tokens.verifySession(sessionCookieOf(req, this.publicUrl, watchCookieName(watched)));
    return isRefusal(visitor) || (visitor.watcher !== undefined && visitor.userId === watched) ? visitor : { refused: 'malformed' };
  }

  private prefixed(req: IncomingMessage, url: URL): { handler: PlaygroundPrefix; match: RegExpExecArray; learner: PlaygroundLearner | undefined } | undefined {
    for (const handler of this.o.prefixes ?? []) {
      const match = handler.path.exec(url.pathname);
      if (!match) continue;
      const learner = this.o.tokens.verifySession(sessionCookieOf(req, this.publicUrl));
      // A watching admin's session is read-only: a preview would let it act in the learner's app, so it counts as none.
      return { handler, match, learner: isRefusal(learner) || learner.watcher !== undefined ? undefined : learner };
    }
    return undefined;
  }
}

/** A request path for logs: a link token never reaches them. */
function safePath(req: IncomingMessage): string {
  return (req.url ?? '').replace(/^\/p\/[^?]*/, '/p/[link]').split('?')[0]!.slice(0, 200);
}

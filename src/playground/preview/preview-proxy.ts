import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from '../../logger';
import type { PlaygroundLearner } from '../learner-tokens';
import { refuseUpgrade } from '../web-security';
import { browserResponseHeaders, upstreamRequestHeaders } from './preview-headers';
import { problemPage, type PreviewProblem } from './preview-pages';

/** A published port of the learner's nested containers. */
export interface PreviewPort {
  port: number;
  container: string;
}

/** The sandbox side, keyed by learner: their published ports, and a stream to one inside their own sandbox only. */
export interface PreviewDialer {
  ports(who: PlaygroundLearner): Promise<PreviewPort[]>;
  /** Rejects with an error whose `reason` says why ('refused', 'timeout', 'busy', 'no-sandbox'). */
  connect(who: PlaygroundLearner, port: number, opts: { connectTimeoutMs: number; maxMs: number }): Promise<Duplex>;
}

export interface PreviewLimits {
  /** Waiting for the app to accept a connection. */
  connectTimeoutMs: number;
  /** Waiting for the response's headers once connected. */
  firstByteTimeoutMs: number;
  /** A response or WebSocket lives at most this long (an app streaming forever is cut here). */
  maxMs: number;
  /** Bytes each way per response or WebSocket. */
  maxBytes: number;
}

export const DEFAULT_PREVIEW_LIMITS: PreviewLimits = { connectTimeoutMs: 5_000, firstByteTimeoutMs: 30_000, maxMs: 10 * 60_000, maxBytes: 64 * 1024 * 1024 };

const MAX_POOLS = 1000;

/** Where the browser sees the app: under a path prefix of the playground's origin, or at the root of its own origin. */
export interface PreviewPlace {
  /** `/preview/<port>`, or '' on its own origin. */
  prefix: string;
  /** Its own origin (`<label>.<domain>`); unset under the prefix. */
  origin?: URL;
}

const reasonOf = (err: unknown): PreviewProblem => {
  const r = (err as { reason?: unknown }).reason;
  return r === 'refused' || r === 'timeout' || r === 'busy' || r === 'no-sandbox' ? r : 'failed';
};

/**
 * The authenticated reverse proxy of `/preview/<port>/...`: the session's learner's own sandbox, HTTP and
 * WebSocket, streamed both ways without buffering (backpressure is the relay's), bounded in time and bytes.
 */
export class PreviewProxy {
  private readonly live = new Set<Duplex>();
  private readonly agents = new Map<string, http.Agent>();

  constructor(private readonly o: { dialer: PreviewDialer; publicUrl: () => URL; log: Logger; limits?: Partial<PreviewLimits> }) {}

  private get limits(): PreviewLimits {
    return { ...DEFAULT_PREVIEW_LIMITS, ...this.o.limits };
  }

  /** Open preview streams (responses and sockets in flight). */
  get open(): number {
    return this.live.size;
  }

  async http(req: IncomingMessage, res: ServerResponse, who: PlaygroundLearner, port: number, path: string, place: PreviewPlace = { prefix: `/preview/${port}` }): Promise<void> {
    const { prefix } = place;
    const limits = this.limits;
    let bytes = 0;
    const up = http.request({ method: req.method, path, headers: upstreamRequestHeaders(req.headers, { port, prefix, publicUrl: place.origin ?? this.o.publicUrl() }), agent: this.agentFor(who, port) });
    const end = () => {
      up.destroy();
      if (!res.writableEnded) res.destroy();
    };
    const life = setTimeout(end, limits.maxMs);
    const firstByte = setTimeout(() => {
      if (!res.headersSent) sendProblem(res, 'timeout', port);
      end();
    }, limits.firstByteTimeoutMs);
    const settled = () => {
      clearTimeout(life);
      clearTimeout(firstByte);
    };
    res.once('close', () => {
      settled();
      // a response cut short (the tab closed, a cap) takes its relay with it; a complete one keeps it for the next
      if (!res.writableFinished) end();
    });
    up.on('error', (err) => {
      settled();
      const problem = reasonOf(err);
      if (problem === 'failed') this.o.log.info({ err, port }, 'preview request failed');
      if (!res.headersSent) sendProblem(res, problem, port);
      else res.destroy();
    });
    up.on('response', (upRes) => {
      clearTimeout(firstByte);
      res.writeHead(upRes.statusCode ?? 502, browserResponseHeaders(upRes.headers, { prefix, ownOrigin: place.origin !== undefined }));
      // sent on as it comes: an app that streams forever reaches the browser chunk by chunk, until a cap
      res.flushHeaders();
      upRes.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes > limits.maxBytes) return end();
        if (!res.write(chunk)) {
          upRes.pause();
          res.once('drain', () => upRes.resume());
        }
      });
      upRes.on('end', () => res.end());
      upRes.on('error', end);
    });
    let sent = 0;
    req.on('data', (chunk: Buffer) => {
      sent += chunk.length;
      if (sent > limits.maxBytes) end();
    });
    req.pipe(up);
  }

  /** A WebSocket (or any Upgrade) to the app: the handshake is written as the browser sent it, then bytes both ways. */
  async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, who: PlaygroundLearner, port: number, path: string, place: PreviewPlace = { prefix: `/preview/${port}` }): Promise<void> {
    const upstream = await this.dial(who, port);
    if (!('write' in upstream)) {
      const { status } = problemPage(upstream.problem, port);
      refuseUpgrade(socket, status, 'Preview unavailable');
      return;
    }
    const limits = this.limits;
    const headers = upstreamRequestHeaders(req.headers, { port, prefix: place.prefix, publicUrl: place.origin ?? this.o.publicUrl(), upgrade: true });
    const lines = [`${req.method ?? 'GET'} ${path} HTTP/1.1`];
    for (const [k, v] of Object.entries(headers)) for (const one of Array.isArray(v) ? v : [v]) if (one !== undefined && !/[\r\n]/.test(String(one))) lines.push(`${k}: ${one}`);
    upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
    if (head.length) upstream.write(head);
    let bytes = 0;
    const count = (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > limits.maxBytes * 2) end();
    };
    const end = () => {
      upstream.destroy();
      socket.destroy();
    };
    const life = setTimeout(end, limits.maxMs);
    // the browser's side too: the playground's stop ends it (an upgraded socket is no longer the HTTP server's)
    this.live.add(socket);
    socket.once('close', () => this.live.delete(socket));
    upstream.once('close', () => {
      clearTimeout(life);
      socket.destroy();
    });
    socket.once('close', end);
    socket.on('error', end);
    upstream.on('error', end);
    upstream.on('data', count);
    socket.on('data', count);
    upstream.pipe(socket);
    socket.pipe(upstream);
  }

  /** Ends every preview stream (the playground stops). */
  close(): void {
    for (const a of this.agents.values()) a.destroy();
    this.agents.clear();
    for (const s of this.live) s.destroy();
  }

  /**
   * One keep-alive pool per learner and port, so a page's many requests reuse a few relays instead of one exec
   * each; never shared between learners (the key is the session's learner).
   */
  private agentFor(who: PlaygroundLearner, port: number): http.Agent {
    const key = `${who.teamId}:${who.userId}:${port}`;
    let agent = this.agents.get(key);
    if (agent) return agent;
    agent = new http.Agent({ keepAlive: true, maxSockets: 6, maxFreeSockets: 2, timeout: 15_000 });
    const limits = this.limits;
    // the agent's own hook for a connection; it takes a callback when the socket comes later
    (agent as unknown as { createConnection: (opts: unknown, cb: (err: Error | null, s?: Duplex) => void) => undefined }).createConnection = (_opts, cb) => {
      this.o.dialer.connect(who, port, { connectTimeoutMs: limits.connectTimeoutMs, maxMs: limits.maxMs + 5_000 }).then(
        (s) => {
          this.live.add(s);
          s.once('close', () => this.live.delete(s));
          cb(null, s);
        },
        (err: Error) => cb(err),
      );
      return undefined;
    };
    if (this.agents.size >= MAX_POOLS) {
      const [oldKey, old] = this.agents.entries().next().value as [string, http.Agent];
      old.destroy();
      this.agents.delete(oldKey);
    }
    this.agents.set(key, agent);
    return agent;
  }

  private async dial(who: PlaygroundLearner, port: number): Promise<Duplex | { problem: PreviewProblem }> {
    const limits = this.limits;
    try {
      const s = await this.o.dialer.connect(who, port, { connectTimeoutMs: limits.connectTimeoutMs, maxMs: limits.maxMs + 5_000 });
      this.live.add(s);
      s.once('close', () => this.live.delete(s));
      return s;
    } catch (err) {
      const problem = reasonOf(err);
      if (problem === 'failed') this.o.log.warn({ err, port }, 'preview connection failed');
      return { problem };
    }
  }
}

export function sendProblem(res: ServerResponse, problem: PreviewProblem, port: number): void {
  const { status, html } = problemPage(problem, port);
  res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': String(Buffer.byteLength(html)), 'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'", 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' });
  res.end(html);
}

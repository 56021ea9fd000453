import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from '../../logger';
import type { PlaygroundLearner } from '../learner-tokens';
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

  constructor(private readonly o: { dialer: PreviewDialer; publicUrl: () => URL; log: Logger; limits?: Partial<PreviewLimits> }) {}

  private get limits(): PreviewLimits {
    return { ...DEFAULT_PREVIEW_LIMITS, ...this.o.limits };
  }

  /** Open preview streams (responses and sockets in flight). */
  get open(): number {
    return this.live.size;
  }

  async http(req: IncomingMessage, res: ServerResponse, who: PlaygroundLearner, port: number, path: string): Promise<void> {
    const prefix = `/preview/${port}`;
    const upstream = await this.dial(who, port);
    if (!('write' in upstream)) return sendProblem(res, upstream.problem, port);
    const limits = this.limits;
    let bytes = 0;
    const up = http.request({
      method: req.method,
      path,
      headers: upstreamRequestHeaders(req.headers, { port, prefix, publicUrl: this.o.publicUrl() }),
      createConnection: () => upstream as never,
    });
    const end = () => {
      upstream.destroy();
      up.destroy();
      if (!res.writableEnded) res.destroy();
    };
    const life = setTimeout(end, limits.maxMs);
    const firstByte = setTimeout(() => {
      if (!res.headersSent) sendProblem(res, 'timeout', port);
      end();
    }, limits.firstByteTimeoutMs);
    upstream.once('close', () => {
      clearTimeout(life);
      clearTimeout(firstByte);
    });
    res.once('close', end);
    up.on('error', () => {
      if (!res.headersSent) sendProblem(res, 'failed', port);
      end();
    });
    up.on('response', (upRes) => {
      clearTimeout(firstByte);
      res.writeHead(upRes.statusCode ?? 502, browserResponseHeaders(upRes.headers, { prefix }));
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
  async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, who: PlaygroundLearner, port: number, path: string): Promise<void> {
    const upstream = await this.dial(who, port);
    if (!('write' in upstream)) {
      const { status } = problemPage(upstream.problem, port);
      socket.end(`HTTP/1.1 ${status} Preview unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    const limits = this.limits;
    const headers = upstreamRequestHeaders(req.headers, { port, prefix: `/preview/${port}`, publicUrl: this.o.publicUrl(), upgrade: true });
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
    for (const s of this.live) s.destroy();
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

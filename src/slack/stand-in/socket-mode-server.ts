import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import { WebSocketServer, WebSocket } from 'ws';
import type { AckResult } from './stand-in-types';

interface PendingAck {
  resolve: (r: AckResult) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
  sentAt: number;
}

/**
 * Slack's side of Socket Mode: the WebSocket the app opens from apps.connections.open's URL, the
 * envelopes sent down it, and the acks that come back (each envelope waits for its ack up to a timeout,
 * as Slack does before it retries).
 */
export class SocketModeServer {
  private wss?: WebSocketServer;
  private readonly sockets = new Set<WebSocket>();
  private readonly pendingAcks = new Map<string, PendingAck>();

  constructor(private readonly opts: { appId: string; ackTimeoutMs: number; onAck: (ack: AckResult) => void }) {}

  /** Takes the WebSocket upgrades on /socket from the stand-in's HTTP server; other upgrades are refused. */
  attach(server: http.Server): void {
    this.wss = new WebSocketServer({ noServer: true });
    server.on('upgrade', (req, socket, head) => {
      if (!req.url?.startsWith('/socket')) return socket.destroy();
      this.wss!.handleUpgrade(req, socket, head, (ws) => this.onSocket(ws));
    });
  }

  /** Connected Socket Mode clients (Bolt apps). */
  get connections(): number {
    return [...this.sockets].filter((s) => s.readyState === WebSocket.OPEN).length;
  }

  /** Sends one envelope to a connected app; resolves with its ack, rejects when none comes in time. */
  deliver(type: string, payload: Record<string, unknown>, extra: { retryAttempt?: number; retryReason?: string } = {}): Promise<AckResult> {
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
    const timeoutMs = this.opts.ackTimeoutMs;
    return new Promise<AckResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pendingAcks.delete(envelopeId);
        reject(new Error(`no ack for ${type} envelope within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pendingAcks.set(envelopeId, { resolve, reject, timer, sentAt: Date.now() });
      ws.send(JSON.stringify(envelope));
    });
  }

  /** Envelopes still waiting for an ack are rejected; every connection is dropped. */
  stop(): void {
    for (const [, p] of this.pendingAcks) {
      clearTimeout(p.timer);
      p.reject(new Error('stand-in stopped'));
    }
    this.pendingAcks.clear();
    for (const ws of this.sockets) ws.terminate();
    this.sockets.clear();
    this.wss?.close();
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
      this.opts.onAck(ack);
      pending.resolve(ack);
    });
    ws.send(JSON.stringify({ type: 'hello', num_connections: this.sockets.size, debug_info: { host: 'stand-in', approximate_connection_time: 18060 }, connection_info: { app_id: this.opts.appId } }));
  }
}

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AppError } from '../errors';
import type { Logger } from '../logger';
import type { BotMetrics } from './metrics';
import type { Readiness } from './readiness';

export interface OpsServerOptions {
  port: number;
  /** Interface to listen on; 0.0.0.0 in a container so the orchestrator and Prometheus can reach it. */
  host?: string;
  metrics: BotMetrics;
  readiness: Readiness;
  log: Logger;
  /** Process start, for /healthz's uptime (injectable for tests). */
  now?: () => number;
}

export interface OpsServer {
  /** The port actually bound (the one asked for, or the kernel's pick for 0). */
  readonly port: number;
  close(): Promise<void>;
}

const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * The operator's endpoints, on their own port (METRICS_PORT) in every Slack mode, never on Slack's:
 * `/healthz` (the process answers: liveness), `/readyz` (database, Docker engine and Slack connection,
 * 503 naming the failing part) and `/metrics` (Prometheus text). GET and HEAD only; nothing here
 * changes state or shows a secret.
 */
export async function startOpsServer(o: OpsServerOptions): Promise<OpsServer> {
  const now = o.now ?? Date.now;
  const startedAt = now();
  // dockhand_ready: what /readyz says, for alert rules (Prometheus scrapes /metrics, not /readyz)
  o.metrics.bind({ readiness: () => o.readiness.check() });
  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      o.log.warn({ err, path: req.url }, 'ops endpoint failed');
      if (!res.headersSent) res.writeHead(500, { 'content-type': JSON_TYPE });
      res.end(JSON.stringify({ status: 'error' }));
    });
  });
  // A scrape or probe that stalls must not hold a socket forever.
  server.requestTimeout = 10_000;
  server.headersTimeout = 5_000;

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': JSON_TYPE });
      res.end(JSON.stringify({ status: 'method not allowed' }));
      return;
    }
    const reply = (status: number, type: string, body: string) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    switch (path) {
      case '/healthz':
        return reply(200, JSON_TYPE, JSON.stringify({ status: 'ok', uptimeSeconds: Math.round((now() - startedAt) / 1000) }));
      case '/readyz': {
        const report = await o.readiness.check();
        return reply(report.ready ? 200 : 503, JSON_TYPE, JSON.stringify({ status: report.ready ? 'ready' : 'not ready', parts: report.parts }));
      }
      case '/metrics':
        return reply(200, o.metrics.contentType, await o.metrics.text());
      default:
        return reply(404, JSON_TYPE, JSON.stringify({ status: 'not found', endpoints: ['/healthz', '/readyz', '/metrics'] }));
    }
  }

  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      if (err.code === 'EADDRINUSE') {
        reject(new AppError('METRICS_PORT_IN_USE', `METRICS_PORT ${o.port} is already in use on ${o.host ?? '0.0.0.0'}: stop what listens there or set another METRICS_PORT`, { cause: err }));
      } else if (err.code === 'EACCES') {
        reject(new AppError('METRICS_PORT_IN_USE', `METRICS_PORT ${o.port} cannot be opened by this user (ports below 1024 need privileges): set another METRICS_PORT`, { cause: err }));
      } else reject(err);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(o.port, o.host ?? '0.0.0.0');
  });
  server.on('error', (err) => o.log.warn({ err }, 'ops server error'));
  const port = (server.address() as AddressInfo).port;
  o.log.info({ port }, 'health, readiness and metrics listening (/healthz, /readyz, /metrics)');

  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

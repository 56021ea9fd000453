import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { BotMetrics } from '../../src/ops/metrics';
import { startOpsServer, type OpsServer } from '../../src/ops/ops-server';
import { Readiness } from '../../src/ops/readiness';

const log = pino({ level: 'silent' });

async function get(port: number, path: string, method = 'GET'): Promise<{ status: number; type: string; body: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { method, signal: AbortSignal.timeout(5000) });
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: await res.text() };
}

describe('the ops server (/healthz, /readyz, /metrics)', () => {
  let server: OpsServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('answers /healthz while the bot is still starting, and /readyz 503 naming every part not up yet', async () => {
    const readiness = new Readiness();
    server = await startOpsServer({ port: 0, host: '127.0.0.1', metrics: new BotMetrics({ processMetrics: false }), readiness, log });
    const health = await get(server.port, '/healthz');
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toMatchObject({ status: 'ok' });

    const ready = await get(server.port, '/readyz');
    expect(ready.status).toBe(503);
    expect(JSON.parse(ready.body)).toEqual({
      status: 'not ready',
      parts: { database: { ok: false, detail: 'not started' }, docker: { ok: false, detail: 'not started' }, slack: { ok: false, detail: 'not started' } },
    });
  });

  it('turns ready when every part answers, and 503 with the failing part and its reason when one fails', async () => {
    const readiness = new Readiness();
    server = await startOpsServer({ port: 0, host: '127.0.0.1', metrics: new BotMetrics({ processMetrics: false }), readiness, log });
    let dockerUp = true;
    readiness.set('database', async () => undefined);
    readiness.set('docker', async () => {
      if (!dockerUp) throw new Error('connect ECONNREFUSED /var/run/docker.sock');
    });
    readiness.set('slack', () => undefined);
    const ok = await get(server.port, '/readyz');
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body).status).toBe('ready');

    dockerUp = false;
    const down = await get(server.port, '/readyz');
    expect(down.status).toBe(503);
    expect(JSON.parse(down.body).parts).toEqual({ database: { ok: true }, docker: { ok: false, detail: 'connect ECONNREFUSED /var/run/docker.sock' }, slack: { ok: true } });
  });

  it('serves /metrics in the Prometheus text format with the bot metrics', async () => {
    const metrics = new BotMetrics({ processMetrics: false });
    metrics.slackCall('chat.postMessage', 'ratelimited');
    server = await startOpsServer({ port: 0, host: '127.0.0.1', metrics, readiness: new Readiness(), log });
    const res = await get(server.port, '/metrics');
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.body).toContain('dockhand_slack_api_calls_total{method="chat.postMessage",outcome="ratelimited"} 1');
    expect(res.body).toContain('# TYPE dockhand_command_duration_seconds histogram');
  });

  it('refuses other methods and paths without changing anything', async () => {
    server = await startOpsServer({ port: 0, host: '127.0.0.1', metrics: new BotMetrics({ processMetrics: false }), readiness: new Readiness(), log });
    expect((await get(server.port, '/metrics', 'POST')).status).toBe(405);
    expect((await get(server.port, '/slack/events')).status).toBe(404);
    const head = await get(server.port, '/healthz', 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
  });

  it('fails to start with one line naming METRICS_PORT when the port is taken', async () => {
    const squatter = http.createServer();
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    const port = (squatter.address() as AddressInfo).port;
    try {
      const started = startOpsServer({ port, host: '127.0.0.1', metrics: new BotMetrics({ processMetrics: false }), readiness: new Readiness(), log });
      await expect(started).rejects.toMatchObject({ code: 'METRICS_PORT_IN_USE', message: `METRICS_PORT ${port} is already in use on 127.0.0.1: stop what listens there or set another METRICS_PORT` });
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });
});

describe('Readiness', () => {
  it('bounds a probe that never answers by its timeout', async () => {
    const readiness = new Readiness(50);
    readiness.set('database', () => new Promise<void>(() => undefined));
    readiness.set('docker', () => undefined);
    readiness.set('slack', () => undefined);
    const report = await readiness.check();
    expect(report.ready).toBe(false);
    expect(report.parts.database).toEqual({ ok: false, detail: 'no answer within 50 ms' });
  });

  it('keeps secrets out of the reasons it reports', async () => {
    const readiness = new Readiness();
    readiness.set('database', () => {
      throw new Error('connect failed for postgresql://dockhand:hunter2@db:5432/dockhand\nstack line');
    });
    const report = await readiness.check();
    expect(report.parts.database!.detail).toBe('connect failed for postgresql://dockhand:[redacted]@db:5432/dockhand');
  });
});

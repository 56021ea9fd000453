import { BotMetrics } from '../../src/ops/metrics';
import { startOpsServer, type OpsServer } from '../../src/ops/ops-server';
import { Readiness } from '../../src/ops/readiness';
import { LearnerDriver } from '../support/learner-driver';
import { startTestBot, uniqueId, type TestBot } from '../support/start-test-bot';

const sample = (text: string, series: string) => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

async function get(port: number, path: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(10_000) });
  return { status: res.status, body: await res.text() };
}

/**
 * The real bot (Socket Mode, real Postgres, real sandboxes) with the ops server main starts: what an
 * operator's Prometheus and orchestrator see while a learner works.
 */
describe('health, readiness and metrics of the running bot', () => {
  let t: TestBot;
  let ops: OpsServer;
  const metrics = new BotMetrics();
  const readiness = new Readiness();

  beforeAll(async () => {
    const log = (await import('pino')).default({ level: 'silent' });
    ops = await startOpsServer({ port: 0, host: '127.0.0.1', metrics, readiness, log });
    // Up before the bot: the orchestrator sees a live process that is not ready yet.
    expect((await get(ops.port, '/healthz')).status).toBe(200);
    expect((await get(ops.port, '/readyz')).status).toBe(503);
    t = await startTestBot({ start: { ops: { metrics, readiness } } });
  });
  afterAll(async () => {
    await t?.stop();
    await ops?.close();
  });

  it('is ready with the database, the Docker engine and the Socket Mode connection up', async () => {
    const res = await get(ops.port, '/readyz');
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ status: 'ready', parts: { database: { ok: true }, docker: { ok: true }, slack: { ok: true } } });
  });

  it("counts a learner's command run in a real sandbox, its sandbox, and the Slack calls that answered it", async () => {
    const learner = new LearnerDriver(t, uniqueId('U'));
    const { final } = await learner.run('echo metrics-$((6*7))');
    expect(String(final.args.text)).toContain('exit 0');

    const res = await get(ops.port, '/metrics');
    expect(res.status).toBe(200);
    expect(sample(res.body, 'dockhand_command_duration_seconds_count{outcome="ok"}')).toBe(1);
    expect(sample(res.body, 'dockhand_sandboxes{state="in_use"}')).toBeGreaterThanOrEqual(1);
    expect(sample(res.body, 'dockhand_sandbox_events_total{event="created"}')).toBeGreaterThanOrEqual(1);
    expect(sample(res.body, 'dockhand_sandbox_queue_length')).toBe(0);
    expect(sample(res.body, 'dockhand_slack_api_calls_total{method="chat.postMessage",outcome="ok"}')).toBeGreaterThanOrEqual(1);
    expect(sample(res.body, 'dockhand_slack_requests_total{kind="event"}')).toBeGreaterThanOrEqual(1);
    expect(sample(res.body, 'dockhand_slack_event_lag_seconds_count{kind="event"}')).toBeGreaterThanOrEqual(1);
    expect(sample(res.body, 'dockhand_challenges_active')).toBe(0);
    expect(sample(res.body, 'dockhand_chat_update_budget_tokens')).toBeGreaterThanOrEqual(0);
    // the command's work ends just after its final output is on the wire (CI once read the gauge in between)
    let running = sample(res.body, 'dockhand_commands_running');
    for (let i = 0; i < 100 && running !== 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
      running = sample((await get(ops.port, '/metrics')).body, 'dockhand_commands_running');
    }
    expect(running).toBe(0);
  });

  it('says which part failed: the Slack connection once the socket is closed, then everything while shutting down', async () => {
    // The WebSocket closes (the receiver alone: stopping the stand-in would leave Bolt reconnecting to nothing).
    await t.bot.app.stop();
    const gone = await waitForStatus(ops.port, (body) => body.parts.slack?.ok === false);
    expect(gone.parts).toMatchObject({ database: { ok: true }, docker: { ok: true }, slack: { ok: false, detail: 'the Socket Mode connection is not open' } });

    const stopping = t.bot.stop();
    const during = await get(ops.port, '/readyz');
    await stopping;
    expect(during.status).toBe(503);
    expect(JSON.parse(during.body).parts.database).toEqual({ ok: false, detail: 'shutting down' });
    expect((await get(ops.port, '/healthz')).status).toBe(200);
  });
});

async function waitForStatus(port: number, cond: (body: { parts: Record<string, { ok: boolean }> }) => boolean, timeoutMs = 15_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const res = await get(port, '/readyz');
    const body = JSON.parse(res.body) as { parts: Record<string, { ok: boolean }> };
    if (cond(body)) {
      expect(res.status).toBe(503);
      return body;
    }
    if (Date.now() > until) throw new Error(`readiness never changed: ${res.body}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

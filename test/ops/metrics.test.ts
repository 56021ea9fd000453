import { readFileSync } from 'node:fs';
import path from 'node:path';
import { readBuildInfo } from '../../src/ops/build-info';
import { BotMetrics } from '../../src/ops/metrics';

/** Reads one sample's value from the Prometheus text; undefined when the series is absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('BotMetrics', () => {
  it('reads the running bot through its getters at scrape time, not at bind time', async () => {
    const m = new BotMetrics({ processMetrics: false });
    let stats = { sandboxes: 3, creating: 1, warm: 2, queued: 0 };
    let running = 1;
    m.bind({
      sandboxes: () => stats,
      sandboxLimits: { maxSandboxes: 40, warmPool: 5 },
      commandsRunning: () => running,
      updateBudget: () => ({ tokens: 4, finalsWaiting: 0 }),
      activeChallenges: async () => 2,
    });
    let text = await m.text();
    expect(sample(text, 'dockhand_sandboxes{state="in_use"}')).toBe(3);
    expect(sample(text, 'dockhand_sandboxes{state="creating"}')).toBe(1);
    expect(sample(text, 'dockhand_sandboxes{state="warm"}')).toBe(2);
    expect(sample(text, 'dockhand_sandbox_queue_length')).toBe(0);
    expect(sample(text, 'dockhand_sandbox_capacity')).toBe(40);
    expect(sample(text, 'dockhand_warm_pool_target')).toBe(5);
    expect(sample(text, 'dockhand_commands_running')).toBe(1);
    expect(sample(text, 'dockhand_chat_update_budget_tokens')).toBe(4);
    expect(sample(text, 'dockhand_challenges_active')).toBe(2);

    stats = { sandboxes: 40, creating: 0, warm: 0, queued: 7 };
    running = 12;
    text = await m.text();
    expect(sample(text, 'dockhand_sandboxes{state="in_use"}')).toBe(40);
    expect(sample(text, 'dockhand_sandbox_queue_length')).toBe(7);
    expect(sample(text, 'dockhand_commands_running')).toBe(12);
  });

  it('counts refused new sandboxes by reason from the running totals, adding only what is new at each scrape', async () => {
    const m = new BotMetrics({ processMetrics: false });
    let refusals = { startLimit: 0, workspaceQuota: 0 };
    let learner = 0;
    m.bind({ sandboxes: () => ({ sandboxes: 0, creating: 0, warm: 0, queued: 0, refusals }), learnerSandboxRefusals: () => learner });
    let text = await m.text();
    expect(text).toContain('# TYPE dockhand_sandbox_refusals_total counter');
    // every reason is exported from the start, at 0, so a rate() has a series before the first refusal
    for (const reason of ['learner_limit', 'sandbox_limit', 'workspace_quota']) expect(sample(text, `dockhand_sandbox_refusals_total{reason="${reason}"}`)).toBe(0);
    learner = 4;
    refusals = { startLimit: 1, workspaceQuota: 2 };
    text = await m.text();
    expect(sample(text, 'dockhand_sandbox_refusals_total{reason="learner_limit"}')).toBe(4);
    expect(sample(text, 'dockhand_sandbox_refusals_total{reason="sandbox_limit"}')).toBe(1);
    expect(sample(text, 'dockhand_sandbox_refusals_total{reason="workspace_quota"}')).toBe(2);
    // a second scrape with nothing new adds nothing
    text = await m.text();
    expect(sample(text, 'dockhand_sandbox_refusals_total{reason="learner_limit"}')).toBe(4);
    learner = 5;
    expect(sample(await m.text(), 'dockhand_sandbox_refusals_total{reason="learner_limit"}')).toBe(5);
  });

  it('exports the host disk reservation (free, promised, refusals) when the sandboxes report it', async () => {
    const m = new BotMetrics({ processMetrics: false });
    m.bind({ sandboxes: () => ({ sandboxes: 1, creating: 0, warm: 0, queued: 0, hostDisk: { availBytes: 5e9, promisedBytes: 3e9, refusals: 2 } }) });
    const text = await m.text();
    expect(sample(text, 'dockhand_host_disk_bytes{kind="free"}')).toBe(5e9);
    expect(sample(text, 'dockhand_host_disk_bytes{kind="promised"}')).toBe(3e9);
    expect(sample(text, 'dockhand_host_disk_refusals')).toBe(2);
  });

  it('reads 0 before a source is bound, keeps the last count when the database fails, and the scrape still succeeds', async () => {
    const m = new BotMetrics({ processMetrics: false });
    expect(sample(await m.text(), 'dockhand_sandbox_queue_length')).toBe(0);
    m.bind({ activeChallenges: async () => 3 });
    expect(sample(await m.text(), 'dockhand_challenges_active')).toBe(3);
    m.bind({ activeChallenges: () => Promise.reject(new Error('database down')) });
    expect(sample(await m.text(), 'dockhand_challenges_active')).toBe(3);
    m.bind({ activeChallenges: async () => 0 });
    expect(sample(await m.text(), 'dockhand_challenges_active')).toBe(0);
  });

  it('counts commands into the latency histogram by outcome, checks by result, Slack calls by method and outcome', async () => {
    const m = new BotMetrics({ processMetrics: false });
    m.command(0.2, 'ok');
    m.command(3, 'ok');
    m.command(61, 'timeout');
    m.check(true);
    m.check(false);
    m.check(false);
    m.slackCall('chat.update', 'ok');
    m.slackCall('chat.update', 'ratelimited');
    m.slackCall('chat.postMessage', 'error');
    m.sandboxEvent('oom-killed');
    const text = await m.text();
    expect(sample(text, 'dockhand_command_duration_seconds_count{outcome="ok"}')).toBe(2);
    expect(sample(text, 'dockhand_command_duration_seconds_bucket{le="0.25",outcome="ok"}')).toBe(1);
    expect(sample(text, 'dockhand_command_duration_seconds_bucket{le="5",outcome="ok"}')).toBe(2);
    expect(sample(text, 'dockhand_command_duration_seconds_sum{outcome="timeout"}')).toBe(61);
    expect(sample(text, 'dockhand_checks_total{result="passed"}')).toBe(1);
    expect(sample(text, 'dockhand_checks_total{result="failed"}')).toBe(2);
    expect(sample(text, 'dockhand_slack_api_calls_total{method="chat.update",outcome="ratelimited"}')).toBe(1);
    expect(sample(text, 'dockhand_slack_api_calls_total{method="chat.update",outcome="ok"}')).toBe(1);
    expect(sample(text, 'dockhand_slack_api_calls_total{method="chat.postMessage",outcome="error"}')).toBe(1);
    expect(sample(text, 'dockhand_sandbox_events_total{event="oom-killed"}')).toBe(1);
  });

  it('records event lag only for requests Slack stamped, never negative', async () => {
    const m = new BotMetrics({ processMetrics: false });
    m.slackRequest('event', 0.4);
    m.slackRequest('event', -2); // a clock slightly ahead of Slack's
    m.slackRequest('command');
    const text = await m.text();
    expect(sample(text, 'dockhand_slack_requests_total{kind="event"}')).toBe(2);
    expect(sample(text, 'dockhand_slack_requests_total{kind="command"}')).toBe(1);
    expect(sample(text, 'dockhand_slack_event_lag_seconds_count{kind="event"}')).toBe(2);
    expect(sample(text, 'dockhand_slack_event_lag_seconds_bucket{le="0.1",kind="event"}')).toBe(1);
    expect(sample(text, 'dockhand_slack_event_lag_seconds_count{kind="command"}')).toBeUndefined();
  });

  it('keeps two bots in one process apart (own registry) and exports process metrics under their standard names', async () => {
    const a = new BotMetrics();
    const b = new BotMetrics();
    a.check(true);
    expect(sample(await a.text(), 'dockhand_checks_total{result="passed"}')).toBe(1);
    expect(sample(await b.text(), 'dockhand_checks_total{result="passed"}')).toBeUndefined();
    const text = await a.text();
    // what stock Node.js dashboards query
    for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_seconds']) expect(text).toMatch(new RegExp(`^${name} [\\d.e+-]+$`, 'm'));
    expect(text).not.toMatch(/^dockhand_(process|nodejs)_/m);
    expect(a.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
  });

  it('exports dockhand_build_info with the version and commit it was given, else package.json and DOCKHAND_COMMIT', async () => {
    const given = new BotMetrics({ processMetrics: false, build: { version: '1.2.3', commit: 'abc1234' } });
    expect(sample(await given.text(), 'dockhand_build_info{version="1.2.3",commit="abc1234"}')).toBe(1);
    const pkg = JSON.parse(readFileSync(path.resolve(__dirname, '../../package.json'), 'utf8')) as { version: string };
    expect(readBuildInfo({})).toEqual({ version: pkg.version, commit: 'unknown' });
    expect(readBuildInfo({ DOCKHAND_COMMIT: ' 0123456789AB\n' })).toEqual({ version: pkg.version, commit: '0123456789ab' });
    // anything but a commit id (an unexpanded build argument, a label injection) reads unknown
    expect(readBuildInfo({ DOCKHAND_COMMIT: '$DOCKHAND_COMMIT' }).commit).toBe('unknown');
    expect(readBuildInfo({ DOCKHAND_COMMIT: 'x"} 1\nfake 2' }).commit).toBe('unknown');
  });

  it('exports what /readyz says as dockhand_ready, one series per part', async () => {
    const m = new BotMetrics({ processMetrics: false });
    m.bind({ readiness: async () => ({ parts: { database: { ok: true }, docker: { ok: false }, slack: { ok: true } } }) });
    const text = await m.text();
    expect(sample(text, 'dockhand_ready{part="database"}')).toBe(1);
    expect(sample(text, 'dockhand_ready{part="docker"}')).toBe(0);
    expect(sample(text, 'dockhand_ready{part="slack"}')).toBe(1);
  });
});

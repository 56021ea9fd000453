import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { readBuildInfo, type BuildInfo } from './build-info';

/** What a learner's command ended as, for the latency histogram (a small closed set: label cardinality). */
export type CommandOutcome = 'ok' | 'nonzero' | 'timeout' | 'interrupted' | 'waiting_input' | 'error';
/** One Web API request as the bot saw it: `error` is Slack's `ok: false`, `failed` a network or HTTP failure. */
export type SlackCallOutcome = 'ok' | 'error' | 'ratelimited' | 'failed';

/**
 * Read at scrape time from the running bot (getters, no copies). Each is optional: until a part is up
 * (or in a test that does not build it) its gauge reads 0; /readyz says whether the bot is up.
 */
export interface MetricsSources {
  sandboxes?: () => {
    sandboxes: number;
    creating: number;
    warm: number;
    queued: number;
    hostDisk?: { availBytes: number; promisedBytes: number; refusals: number };
    refusals?: { startLimit: number; workspaceQuota: number };
  };
  /** Fresh sandboxes the tutor refused since start (the per-learner limit). */
  learnerSandboxRefusals?: () => number;
  sandboxLimits?: { maxSandboxes: number; warmPool: number };
  commandsRunning?: () => number;
  updateBudget?: () => { tokens: number; finalsWaiting: number };
  /** Running challenges (a database count; when it fails the gauge keeps its last value). */
  activeChallenges?: () => Promise<number>;
  /** Assignments by state (database counts; when they fail the gauge keeps its last values). */
  assignments?: () => Promise<{ assigned: number; completed: number; overdue: number }>;
  /** /readyz's answer, one gauge per part (the ops server binds it). */
  readiness?: () => Promise<{ parts: Record<string, { ok: boolean }> }>;
  /** Kernel keys and key bytes left to the sandboxes' host uid on the engine host (undefined until first read). */
  kernelKeys?: () => { keys: number; bytes: number } | undefined;
}

const COMMAND_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];
const LAG_BUCKETS = [0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 30, 60, 300];

/**
 * Every metric the bot exports, on its own registry (never prom-client's global one, so two bots in one
 * test process do not collide). Names and meanings: docs/metrics.md.
 */
export class BotMetrics {
  readonly registry = new Registry();
  private sources: MetricsSources = {};

  private readonly commandSeconds: Histogram<'outcome'>;
  private readonly checks: Counter<'result'>;
  private readonly lessons: Counter<'event' | 'lesson'>;
  private readonly sandboxEvents: Counter<'event'>;
  private readonly slackCalls: Counter<'method' | 'outcome'>;
  private readonly slackRequests: Counter<'kind'>;
  private readonly eventLag: Histogram<'kind'>;

  constructor(opts: { processMetrics?: boolean; build?: BuildInfo } = {}) {
    const registers = [this.registry];
    // prom-client's standard names (process_cpu_seconds_total, nodejs_heap_size_used_bytes, ...): what stock
    // Node.js dashboards and alert rules query. The `job`/`instance` labels tell this bot's apart.
    if (opts.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
    const build = opts.build ?? readBuildInfo();
    new Gauge({ name: 'dockhand_build_info', help: 'Always 1; the running version (package.json) and commit (DOCKHAND_COMMIT at image build, else unknown)', labelNames: ['version', 'commit'], registers }).set(
      { version: build.version, commit: build.commit },
      1,
    );

    this.commandSeconds = new Histogram({
      name: 'dockhand_command_duration_seconds',
      help: 'Learner commands from the tutor asking the sandbox to run them to their result (queueing and sandbox start included)',
      labelNames: ['outcome'],
      buckets: COMMAND_BUCKETS,
      registers,
    });
    this.checks = new Counter({ name: 'dockhand_checks_total', help: 'Step checks that ran, by result', labelNames: ['result'], registers });
    this.lessons = new Counter({ name: 'dockhand_lessons_total', help: 'Lessons started (from their first step) and completed (their last step done), by lesson id', labelNames: ['event', 'lesson'], registers });
    this.sandboxEvents = new Counter({ name: 'dockhand_sandbox_events_total', help: 'Sandbox lifecycle events (created, adopted, removed, reaped, expired, crashed, oom-killed, queued, disk-full)', labelNames: ['event'], registers });
    this.slackCalls = new Counter({ name: 'dockhand_slack_api_calls_total', help: 'Slack Web API requests sent, by method and outcome (ratelimited = HTTP 429)', labelNames: ['method', 'outcome'], registers });
    this.slackRequests = new Counter({ name: 'dockhand_slack_requests_total', help: 'Requests received from Slack (events, commands, actions...)', labelNames: ['kind'], registers });
    this.eventLag = new Histogram({
      name: 'dockhand_slack_event_lag_seconds',
      help: "Seconds from Slack's event_time to the bot's middleware (delivery delay plus time in the process queue)",
      labelNames: ['kind'],
      buckets: LAG_BUCKETS,
      registers,
    });

    const src = () => this.sources;
    new Gauge({
      name: 'dockhand_sandboxes',
      help: 'Sandboxes by state: in_use (held by a learner), creating, warm (ready, waiting for a learner)',
      labelNames: ['state'],
      registers,
      collect() {
        const s = src().sandboxes?.();
        if (!s) return;
        this.set({ state: 'in_use' }, s.sandboxes);
        this.set({ state: 'creating' }, s.creating);
        this.set({ state: 'warm' }, s.warm);
      },
    });
    new Gauge({
      name: 'dockhand_sandbox_queue_length',
      help: 'Learners waiting for a sandbox because the cap is reached',
      registers,
      collect() {
        const s = src().sandboxes?.();
        if (s) this.set(s.queued);
      },
    });
    new Gauge({
      name: 'dockhand_sandbox_capacity',
      help: 'Most sandboxes allowed at once (SANDBOX_MAX_COUNT or the host default)',
      registers,
      collect() {
        const l = src().sandboxLimits;
        if (l) this.set(l.maxSandboxes);
      },
    });
    new Gauge({
      name: 'dockhand_warm_pool_target',
      help: 'Warm sandboxes the pool aims for (SANDBOX_WARM_POOL; with auto, the most it may keep)',
      registers,
      collect() {
        const l = src().sandboxLimits;
        if (l) this.set(l.warmPool);
      },
    });
    new Gauge({
      name: 'dockhand_host_disk_bytes',
      help: 'Sandbox disk folder (SANDBOX_DISK_MB set), as last measured: free = free on its filesystem, promised = what existing sandbox disks may still grow by',
      labelNames: ['kind'],
      registers,
      collect() {
        const d = src().sandboxes?.().hostDisk;
        if (!d) return;
        this.set({ kind: 'free' }, d.availBytes);
        this.set({ kind: 'promised' }, d.promisedBytes);
      },
    });
    new Gauge({
      name: 'dockhand_host_disk_refusals',
      help: 'New sandboxes refused since start because their disk cap did not fit in the host free space (minus the safety margin)',
      registers,
      collect() {
        const d = src().sandboxes?.().hostDisk;
        if (d) this.set(d.refusals);
      },
    });
    // A counter read from the parts' running totals at scrape time: each scrape adds what they counted since the last.
    const refusalsSeen = new Map<string, number>();
    new Counter({
      name: 'dockhand_sandbox_refusals_total',
      help: 'New sandboxes refused, by reason: learner_limit (the tutor refused a reset), sandbox_limit (the per-learner limit of the sandbox layer), workspace_quota (put in line at the workspace quota)',
      labelNames: ['reason'],
      registers,
      collect() {
        const s = src().sandboxes?.().refusals;
        const totals: Record<string, number | undefined> = { learner_limit: src().learnerSandboxRefusals?.(), sandbox_limit: s?.startLimit, workspace_quota: s?.workspaceQuota };
        for (const [reason, total] of Object.entries(totals)) {
          if (total === undefined) continue;
          const add = total - (refusalsSeen.get(reason) ?? 0);
          if (add > 0) this.inc({ reason }, add);
          else if (add === 0 && !refusalsSeen.has(reason)) this.inc({ reason }, 0);
          refusalsSeen.set(reason, Math.max(total, refusalsSeen.get(reason) ?? 0));
        }
      },
    });
    new Gauge({
      name: 'dockhand_commands_running',
      help: 'Learner commands running right now',
      registers,
      collect() {
        const n = src().commandsRunning?.();
        if (n !== undefined) this.set(n);
      },
    });
    new Gauge({
      name: 'dockhand_chat_update_budget_tokens',
      help: 'chat.update calls the workspace budget allows right now (token bucket, Slack Tier 3)',
      registers,
      collect() {
        const b = src().updateBudget?.();
        if (b) this.set(b.tokens);
      },
    });
    new Gauge({
      name: 'dockhand_chat_update_finals_waiting',
      help: 'Final output edits waiting for a chat.update token',
      registers,
      collect() {
        const b = src().updateBudget?.();
        if (b) this.set(b.finalsWaiting);
      },
    });
    new Gauge({
      name: 'dockhand_challenges_active',
      help: 'Channel challenges running now',
      registers,
      async collect() {
        const count = await src()
          .activeChallenges?.()
          .catch(() => undefined);
        // On a failed count the last known value stays (a gap would read as "no challenges").
        if (count !== undefined) this.set(count);
      },
    });
    new Gauge({
      name: 'dockhand_assignments',
      help: 'Lessons assigned by admins, by state: assigned (all), completed, overdue (open and past the due date)',
      labelNames: ['state'],
      registers,
      async collect() {
        const counts = await src()
          .assignments?.()
          .catch(() => undefined);
        if (counts) for (const state of ['assigned', 'completed', 'overdue'] as const) this.set({ state }, counts[state]);
      },
    });
    new Gauge({
      name: 'dockhand_ready',
      help: 'What /readyz reports at scrape time, by part (database, docker, slack): 1 ready, 0 not',
      labelNames: ['part'],
      registers,
      async collect() {
        const report = await src().readiness?.();
        for (const [part, state] of Object.entries(report?.parts ?? {})) this.set({ part }, state.ok ? 1 : 0);
      },
    });
    new Gauge({
      name: 'dockhand_kernel_keys_remaining',
      help: "Kernel keys (kind=keys) and key bytes (kind=bytes) the sandboxes' host user may still take; at 0 new containers fail to start",
      labelNames: ['kind'],
      registers,
      collect() {
        const k = src().kernelKeys?.();
        if (!k) return;
        this.set({ kind: 'keys' }, k.keys);
        this.set({ kind: 'bytes' }, k.bytes);
      },
    });
  }

  /** The running bot's getters (start-bot binds them once its parts exist). */
  bind(sources: MetricsSources): void {
    this.sources = { ...this.sources, ...sources };
  }

  command(seconds: number, outcome: CommandOutcome): void {
    this.commandSeconds.observe({ outcome }, Math.max(0, seconds));
  }

  check(passed: boolean): void {
    this.checks.inc({ result: passed ? 'passed' : 'failed' });
  }

  lesson(event: 'started' | 'completed', lessonId: string): void {
    this.lessons.inc({ event, lesson: lessonId });
  }

  sandboxEvent(type: string): void {
    this.sandboxEvents.inc({ event: type });
  }

  slackCall(method: string, outcome: SlackCallOutcome): void {
    this.slackCalls.inc({ method, outcome });
  }

  /** A request from Slack; `lagSeconds` when it carried Slack's event_time. */
  slackRequest(kind: string, lagSeconds?: number): void {
    this.slackRequests.inc({ kind });
    if (lagSeconds !== undefined) this.eventLag.observe({ kind }, Math.max(0, lagSeconds));
  }

  /** Prometheus text exposition format (version 0.0.4). */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

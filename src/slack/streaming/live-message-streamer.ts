import { webApi } from '@slack/bolt';
import { AppError } from '../../errors';
import type { Logger } from '../../logger';
import { boltLogger } from '../app/bolt-logger';
import { raceWithTimeout, Sleep, systemClock, type Clock } from './clock';
import { LiveMessage, type LiveMessageHost, type LivePayload } from './live-message';
import { backoffMs, classify, type Outcome } from './slack-call';
import type { UpdateBudget } from './update-budget';
import { WorkspaceBudgets } from './workspace-budgets';

export interface LiveMessageStreamerOptions {
  /** Credentials and API URL are taken from it; calls go through a dedicated client that never retries by itself. */
  client: webApi.WebClient;
  /**
   * The chat.update budget: one for the single workspace, or one per workspace (multi-workspace mode: each
   * live message spends the budget of the workspace it was started for).
   */
  budget: UpdateBudget | WorkspaceBudgets;
  log: Logger;
  /** Called once with the dedicated client, so the metrics and the token guard see its requests too. */
  instrument?: (client: webApi.WebClient) => void;
  /** Per message, at most one edit in this interval (Slack: about one edit per 1-2 s). */
  minIntervalMs?: number;
  /** How long finish() keeps trying to edit; after it, the final output is posted as a new message. */
  finalDeadlineMs?: number;
  /**
   * When the workspace chat.update budget would make a final wait longer than this, the final output
   * is posted as a new message at once (chat.postMessage is limited per channel, not per workspace)
   * and the stale live message is deleted.
   */
  finalRepostAfterMs?: number;
  /** How long start() and uploadSnippet() keep retrying. */
  postDeadlineMs?: number;
  /** Timeout of one HTTP request, so a hung request cannot hold a final edit. */
  requestTimeoutMs?: number;
  /** The transport of the dedicated client (proxy, TLS, instrumentation); default: the global fetch. */
  fetch?: webApi.FetchFunction;
  /** Default: the system clock. Share it with the UpdateBudget (its `now` option). */
  clock?: Clock;
  /** Jitter source in [0, 1); default Math.random. */
  random?: () => number;
}

/**
 * Streams a command's output into one Slack message: the first post, coalesced interim edits within the
 * per-message interval and the workspace budget, and a final edit that is retried until delivered.
 * The caller's WebClient would sleep on a 429 and pause its whole queue, so every call here goes through
 * a dedicated client with retries off; back-off is decided here and shared through the budget.
 */
export class LiveMessageStreamer implements LiveMessageHost {
  private readonly budgets: WorkspaceBudgets;
  readonly minIntervalMs: number;
  readonly finalDeadlineMs: number;
  readonly finalRepostAfterMs: number;
  readonly postDeadlineMs: number;
  /** @internal */
  readonly clock: Clock;
  /** @internal */
  readonly random: () => number;
  private readonly client: webApi.WebClient;
  private readonly log: Logger;
  private readonly live = new Set<LiveMessage>();
  /** Live messages being posted, per budget. */
  private readonly starting = new Map<UpdateBudget, number>();
  private readonly sleeps = new Set<Sleep>();
  private closed = false;

  constructor(opts: LiveMessageStreamerOptions) {
    const budget = opts.budget;
    this.budgets = budget instanceof WorkspaceBudgets ? budget : new WorkspaceBudgets({ make: () => budget });
    this.log = opts.log.child({ component: 'live-message' });
    this.minIntervalMs = opts.minIntervalMs ?? 1500;
    this.finalDeadlineMs = opts.finalDeadlineMs ?? 120_000;
    this.finalRepostAfterMs = opts.finalRepostAfterMs ?? 3000;
    this.postDeadlineMs = opts.postDeadlineMs ?? 30_000;
    this.clock = opts.clock ?? systemClock;
    this.random = opts.random ?? Math.random;
    this.client = new webApi.WebClient(opts.client.token, {
      slackApiUrl: opts.client.slackApiUrl,
      fetch: opts.fetch,
      rejectRateLimitedCalls: true,
      retryConfig: { retries: 0 },
      timeout: opts.requestTimeoutMs ?? 15_000,
      logger: boltLogger(this.log),
    });
    opts.instrument?.(this.client);
  }

  /** Posts the first message (retrying 429s and transient failures); throws AppError SLACK_POST_FAILED if it never lands. */
  async start(channel: string, payload: LivePayload, opts: { threadTs?: string } = {}): Promise<LiveMessage> {
    if (this.closed) throw new AppError('SLACK_STREAMER_CLOSED', 'the live message streamer is closed');
    const budget = this.budget;
    // counted from now: messages being posted will need their final edits too (budgetShort)
    this.starting.set(budget, (this.starting.get(budget) ?? 0) + 1);
    try {
      const res = await this.withRetries('chat.postMessage', this.postDeadlineMs, () =>
        this.client.chat.postMessage({ channel, text: payload.text, blocks: payload.blocks, thread_ts: opts.threadTs }),
      );
      if (!res.ok || !res.value.ts) {
        throw new AppError('SLACK_POST_FAILED', `could not post the live message to ${channel}`, { cause: res.ok ? undefined : res.err });
      }
      const msg = new LiveMessage(this, res.value.channel ?? channel, res.value.ts, opts.threadTs, budget);
      this.live.add(msg);
      return msg;
    } finally {
      this.starting.set(budget, this.starting.get(budget)! - 1);
    }
  }

  /** A live message for a message posted earlier (e.g. by a previous process); close() covers it like the others. */
  adopt(channel: string, ts: string, threadTs?: string): LiveMessage {
    const msg = new LiveMessage(this, channel, ts, threadTs, this.budget);
    if (!this.closed) this.live.add(msg);
    return msg;
  }

  /** Uploads text as a snippet in a thread, retrying; returns the file id, or undefined (logged) if it never lands. */
  async uploadSnippet(channel: string, threadTs: string | undefined, filename: string, title: string, content: string): Promise<string | undefined> {
    const res = await this.withRetries('files.uploadV2', this.postDeadlineMs, () =>
      threadTs
        ? this.client.filesUploadV2({ channel_id: channel, thread_ts: threadTs, filename, title, content })
        : this.client.filesUploadV2({ channel_id: channel, filename, title, content }),
    );
    if (!res.ok) {
      this.log.error({ err: res.err, channel, filename, bytes: Buffer.byteLength(content) }, 'snippet upload failed');
      return undefined;
    }
    const files = (res.value as { files?: { files?: { id?: string }[] }[] }).files;
    return files?.[0]?.files?.[0]?.id ?? 'uploaded';
  }

  /** Live messages not yet finished or abandoned. */
  get activeCount(): number {
    return this.live.size;
  }

  /**
   * Shutdown: interim edits stop; finals already requested, and finals asked for while closing (call
   * finish() on every running command, e.g. with "interrupted"), keep going until `deadlineMs`, then
   * every remaining wait is cancelled (and logged). Later start() calls are refused.
   */
  async close(deadlineMs = 10_000): Promise<void> {
    this.closed = true;
    const finals: Promise<void>[] = [];
    for (const msg of this.live) {
      const f = msg.stopForShutdown();
      if (f) finals.push(f);
    }
    if (finals.length) {
      // Finals asked for while closing are waited for too.
      const all = (async () => {
        while (true) {
          await Promise.allSettled(finals);
          const more = [...this.live].map((m) => m.finishPromise).filter((f): f is Promise<void> => !!f && !finals.includes(f));
          if (!more.length) return;
          finals.push(...more);
        }
      })();
      const outcome = await raceWithTimeout(this.clock, all, deadlineMs);
      if (outcome === 'expired') {
        this.log.error({ pending: finals.length, deadlineMs }, 'shutdown deadline passed with final edits undelivered');
        for (const msg of this.live) msg.abort();
        for (const s of [...this.sleeps]) s.cancel();
        // A request already on the wire ends by its own timeout; shutdown does not wait for it.
        await raceWithTimeout(this.clock, Promise.allSettled(finals), 200);
      }
    }
    this.live.clear();
  }

  // ---- LiveMessageHost: what the live messages it made call back -------------------------------

  /** @internal */
  forget(msg: LiveMessage): void {
    this.live.delete(msg);
  }

  /** The chat.update budget of the workspace the current work is for. */
  get budget(): UpdateBudget {
    return this.budgets.current;
  }

  /** @internal one chat.update call, classified; a 429 pauses the budget of the message's workspace */
  async callUpdate(channel: string, ts: string, payload: LivePayload, budget: UpdateBudget): Promise<Outcome> {
    try {
      await this.client.chat.update({ channel, ts, text: payload.text, blocks: payload.blocks ?? [] });
      return { kind: 'ok' };
    } catch (err) {
      const outcome = classify(err);
      if (outcome.kind === 'ratelimited') budget.pauseFor(outcome.retryAfterMs);
      return outcome;
    }
  }

  /** True when an interim edit could not go out now: a new message is the better way to show something. */
  get budgetShort(): boolean {
    const budget = this.budget;
    if (budget.waitingFinals > 0 || budget.nextAvailableInMs('interim') > 0) return true;
    // Every live message of this workspace still needs its final edit: one more only if the budget can finish
    // it within finalRepostAfterMs (otherwise 30 learners at once post 30 "running" messages whose finals then
    // queue for 40 s behind each other).
    let outstanding = this.starting.get(budget) ?? 0;
    for (const m of this.live) if (m.budgetIs(budget)) outstanding++;
    return !budget.canFinishWithin(outstanding, this.finalRepostAfterMs);
  }

  /** @internal removes a live message whose final output was posted as a new one (best effort; chat.delete has its own limit) */
  async deleteStale(channel: string, ts: string): Promise<void> {
    try {
      await this.client.chat.delete({ channel, ts });
    } catch (err) {
      this.log.info({ err, channel, ts }, 'could not delete the superseded live message');
    }
  }

  /** @internal posts the final output as a new message when the live one can no longer be edited */
  async repost(channel: string, threadTs: string | undefined, payload: LivePayload, deadline: number): Promise<boolean> {
    const res = await this.withRetries(
      'chat.postMessage',
      Math.max(0, deadline - this.clock.now()),
      () => this.client.chat.postMessage({ channel, text: payload.text, blocks: payload.blocks, thread_ts: threadTs }),
      { duringShutdown: true },
    );
    return res.ok;
  }

  /** @internal a cancellable sleep; close() cancels those still pending after its deadline */
  sleep(ms: number): Sleep {
    const s = new Sleep(this.clock, ms, () => this.sleeps.delete(s));
    this.sleeps.add(s);
    return s;
  }

  /** @internal */
  get logger(): Logger {
    return this.log;
  }

  private async withRetries<T>(method: string, budgetMs: number, call: () => Promise<T>, opts: { duringShutdown?: boolean } = {}): Promise<{ ok: true; value: T } | { ok: false; err: unknown }> {
    const deadline = this.clock.now() + budgetMs;
    let lastErr: unknown;
    for (let attempt = 0; ; attempt++) {
      try {
        return { ok: true, value: await call() };
      } catch (err) {
        lastErr = err;
        const outcome = classify(err);
        if (outcome.kind === 'fatal') return { ok: false, err };
        const wait = outcome.kind === 'ratelimited' ? outcome.retryAfterMs : backoffMs(attempt, this.random);
        if (this.clock.now() + wait > deadline || (this.closed && !opts.duringShutdown)) break;
        this.log.warn({ method, attempt, waitMs: wait, reason: outcome.kind }, 'Slack call failed, retrying');
        if (!(await this.sleep(wait).done)) break;
      }
    }
    return { ok: false, err: lastErr };
  }
}

import { webApi, type types } from '@slack/bolt';
import { AppError } from '../errors';
import type { Logger } from '../logger';
import { boltLogger } from './bolt-logger';
import { UpdateBudget } from './update-budget';

export interface LivePayload {
  text: string;
  blocks?: (types.KnownBlock | types.Block)[];
}

/** Time as the streamer sees it: intervals, back-offs, deadlines and waits all go through it (tests inject a virtual one). */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface LiveMessageStreamerOptions {
  /** Credentials and API URL are taken from it; calls go through a dedicated client that never retries by itself. */
  client: webApi.WebClient;
  budget: UpdateBudget;
  log: Logger;
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

const RETRYABLE_PLATFORM_ERRORS = new Set(['internal_error', 'fatal_error', 'service_unavailable', 'request_timeout', 'ratelimited']);
// The message cannot be edited any more: the final output is posted as a new message instead.
const REPOST_ERRORS = new Set(['message_not_found', 'cant_update_message', 'edit_window_closed']);

type Outcome = { kind: 'ok' } | { kind: 'ratelimited'; retryAfterMs: number } | { kind: 'transient'; err: unknown } | { kind: 'fatal'; err: unknown; error?: string };

/**
 * Streams a command's output into one Slack message: the first post, coalesced interim edits within the
 * per-message interval and the workspace budget, and a final edit that is retried until delivered.
 * The caller's WebClient would sleep on a 429 and pause its whole queue, so every call here goes through
 * a dedicated client with retries off; back-off is decided here and shared through the budget.
 */
export class LiveMessageStreamer {
  readonly budget: UpdateBudget;
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
  private readonly sleeps = new Set<Sleep>();
  private closed = false;

  constructor(opts: LiveMessageStreamerOptions) {
    this.budget = opts.budget;
    this.log = opts.log.child({ component: 'live-message' });
    this.minIntervalMs = opts.minIntervalMs ?? 1500;
    this.finalDeadlineMs = opts.finalDeadlineMs ?? 120_000;
    this.finalRepostAfterMs = opts.finalRepostAfterMs ?? 10_000;
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
  }

  /** Posts the first message (retrying 429s and transient failures); throws AppError SLACK_POST_FAILED if it never lands. */
  async start(channel: string, payload: LivePayload, opts: { threadTs?: string } = {}): Promise<LiveMessage> {
    if (this.closed) throw new AppError('SLACK_STREAMER_CLOSED', 'the live message streamer is closed');
    const res = await this.withRetries('chat.postMessage', this.postDeadlineMs, () =>
      this.client.chat.postMessage({ channel, text: payload.text, blocks: payload.blocks, thread_ts: opts.threadTs }),
    );
    if (!res.ok || !res.value.ts) {
      throw new AppError('SLACK_POST_FAILED', `could not post the live message to ${channel}`, { cause: res.ok ? undefined : res.err });
    }
    const msg = new LiveMessage(this, res.value.channel ?? channel, res.value.ts, opts.threadTs);
    this.live.add(msg);
    return msg;
  }

  /** A live message for a message posted earlier (e.g. by a previous process); close() covers it like the others. */
  adopt(channel: string, ts: string, threadTs?: string): LiveMessage {
    const msg = new LiveMessage(this, channel, ts, threadTs);
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

  // ---- used by LiveMessage -------------------------------------------------------------------

  /** @internal */
  forget(msg: LiveMessage): void {
    this.live.delete(msg);
  }

  /** @internal one chat.update call, classified */
  async callUpdate(channel: string, ts: string, payload: LivePayload): Promise<Outcome> {
    try {
      await this.client.chat.update({ channel, ts, text: payload.text, blocks: payload.blocks ?? [] });
      return { kind: 'ok' };
    } catch (err) {
      const outcome = classify(err);
      if (outcome.kind === 'ratelimited') this.budget.pauseFor(outcome.retryAfterMs);
      return outcome;
    }
  }

  /** True when an interim edit could not go out now: a new message is the better way to show something. */
  get budgetShort(): boolean {
    return this.budget.waitingFinals > 0 || this.budget.nextAvailableInMs('interim') > 0;
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

/** One Slack message being edited as a command's output arrives. */
export class LiveMessage {
  private pending?: LivePayload;
  private lastEditAt = 0;
  private timer?: unknown;
  private inFlight?: Promise<void>;
  private finishing?: Promise<void>;
  private finalPayload?: LivePayload;
  private aborted = false;
  private interimsOff = false;
  private readonly log: Logger;

  constructor(
    private readonly streamer: LiveMessageStreamer,
    readonly channel: string,
    readonly ts: string,
    readonly threadTs: string | undefined,
  ) {
    this.log = streamer.logger.child({ channel, ts });
  }

  /** @internal */
  get finishPromise(): Promise<void> | undefined {
    return this.finishing;
  }

  /** True once finish() was called (later updates are ignored). */
  get finished(): boolean {
    return this.finishing !== undefined;
  }

  /** Replaces what the message should show; the latest payload wins and is edited in when interval and budget allow. */
  update(payload: LivePayload): void {
    if (this.finishing || this.aborted || this.interimsOff) return;
    this.pending = payload;
    this.schedule(0);
  }

  /** The final edit: waits for the interval and budget, retries until delivered or the deadline; never throws. */
  finish(payload: LivePayload): Promise<void> {
    if (this.finishing) {
      this.log.warn('finish() called twice; the first final payload stands');
      return this.finishing;
    }
    this.finalPayload = payload;
    this.pending = undefined;
    this.clearTimer();
    this.finishing = this.deliverFinal(payload)
      .catch((err: unknown) => this.log.error({ err }, 'final edit crashed'))
      .finally(() => this.streamer.forget(this));
    return this.finishing;
  }

  /** Uploads text as a snippet in this message's thread (or the thread it lives in). */
  uploadSnippet(filename: string, title: string, content: string): Promise<string | undefined> {
    return this.streamer.uploadSnippet(this.channel, this.threadTs ?? this.ts, filename, title, content);
  }

  /** @internal shutdown: drop interim edits; returns the final's promise if one is in progress */
  stopForShutdown(): Promise<void> | undefined {
    // Interim edits stop; a final asked for now (e.g. "interrupted") is still delivered until close()'s deadline.
    this.interimsOff = true;
    this.pending = undefined;
    this.clearTimer();
    return this.finishing ?? this.inFlight;
  }

  /** @internal the shutdown deadline passed */
  abort(): void {
    this.aborted = true;
    this.clearTimer();
  }

  private schedule(minDelay: number): void {
    if (this.timer !== undefined || this.inFlight || this.finishing || this.aborted || !this.pending) return;
    const now = this.streamer.clock.now();
    const delay = Math.max(minDelay, this.lastEditAt + this.streamer.minIntervalMs - now, this.streamer.budget.nextAvailableInMs('interim'));
    this.timer = this.streamer.clock.setTimeout(() => this.flush(), delay);
  }

  private flush(): void {
    this.timer = undefined;
    if (this.finishing || this.aborted || !this.pending) return;
    const sinceLast = this.streamer.clock.now() - this.lastEditAt;
    if (sinceLast < this.streamer.minIntervalMs) return this.schedule(0);
    if (!this.streamer.budget.tryTake('interim')) {
      // Many messages wait on the same bucket: spread their retries instead of waking all at once,
      // and stay out of the way while finals are queued.
      const base = this.streamer.budget.waitingFinals > 0 ? 500 : 50;
      return this.schedule(base + Math.floor(this.streamer.random() * 250));
    }
    const payload = this.pending;
    this.pending = undefined;
    this.lastEditAt = this.streamer.clock.now();
    this.inFlight = this.streamer
      .callUpdate(this.channel, this.ts, payload)
      .then((outcome) => {
        if (outcome.kind === 'ok') return;
        // Not delivered: keep it unless something newer arrived meanwhile.
        if (outcome.kind !== 'fatal') this.pending ??= payload;
        const level = outcome.kind === 'fatal' ? 'error' : 'warn';
        this.log[level]({ reason: outcome.kind, err: 'err' in outcome ? outcome.err : undefined }, 'interim edit not delivered');
      })
      .finally(() => {
        this.inFlight = undefined;
        this.schedule(0);
      });
  }

  private async deliverFinal(payload: LivePayload): Promise<void> {
    const clock = this.streamer.clock;
    const deadline = clock.now() + this.streamer.finalDeadlineMs;
    // An interim edit in flight must land before the final one, or it could overwrite it.
    if (this.inFlight) await this.inFlight;
    const release = this.streamer.budget.holdForFinal();
    let attempt = 0;
    try {
      while (!this.aborted) {
        const wait = Math.max(this.lastEditAt + this.streamer.minIntervalMs - clock.now(), this.streamer.budget.nextAvailableInMs('final'));
        if (wait > 0 || !this.streamer.budget.tryTake('final', release.ticket)) {
          // The workspace budget is short: a new message (per-channel limit) shows the output sooner.
          if (wait > this.streamer.finalRepostAfterMs) return await this.postInstead(payload, 'the update budget is short');
          if (clock.now() + Math.max(wait, 1) > deadline) break;
          // Finals compete for the same token: a little jitter avoids them all waking at once.
          if (!(await this.streamer.sleep(Math.max(wait, 20) + Math.floor(this.streamer.random() * 30)).done)) break;
          continue;
        }
        this.lastEditAt = clock.now();
        const outcome = await this.streamer.callUpdate(this.channel, this.ts, payload);
        if (outcome.kind === 'ok') {
          if (attempt > 0) this.log.info({ attempts: attempt + 1 }, 'final edit delivered after retries');
          return;
        }
        attempt += 1;
        if (outcome.kind === 'fatal') {
          if (outcome.error && REPOST_ERRORS.has(outcome.error)) {
            this.log.warn({ error: outcome.error }, 'live message cannot be edited; posting the final output as a new message');
            if (await this.streamer.repost(this.channel, this.threadTs, payload, deadline)) return;
          }
          this.log.error({ err: outcome.err, textChars: payload.text.length }, 'final edit rejected by Slack; not retried');
          return;
        }
        if (outcome.kind === 'ratelimited') {
          this.log.warn({ attempt, retryAfterMs: outcome.retryAfterMs }, 'final edit rate limited; waiting Retry-After');
          continue; // the budget is paused for Retry-After; the loop waits on it
        }
        const backoff = backoffMs(attempt - 1, this.streamer.random);
        this.log.warn({ attempt, backoffMs: backoff, err: outcome.err }, 'final edit failed; retrying');
        if (clock.now() + backoff > deadline) break;
        if (!(await this.streamer.sleep(backoff).done)) break;
      }
      this.log.error({ attempts: attempt, aborted: this.aborted, textChars: payload.text.length }, 'final edit not delivered before its deadline');
      // Output is never lost: past the edit deadline (not at shutdown), the final goes out as a new message.
      if (!this.aborted) await this.postInstead(payload, 'the final edit missed its deadline');
    } finally {
      release();
    }
  }

  /** Delivers the final output as a new message and removes this (stale) one. */
  private async postInstead(payload: LivePayload, why: string): Promise<void> {
    const clock = this.streamer.clock;
    const posted = await this.streamer.repost(this.channel, this.threadTs, payload, clock.now() + this.streamer.postDeadlineMs);
    if (!posted) {
      this.log.error({ why, textChars: payload.text.length }, 'final output lost: neither edited nor posted');
      return;
    }
    this.log.info({ why }, 'final output posted as a new message');
    await this.streamer.deleteStale(this.channel, this.ts);
  }

  private clearTimer(): void {
    if (this.timer !== undefined) this.streamer.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/** A sleep that can be cancelled; `done` resolves true when it ran out, false when cancelled. */
class Sleep {
  readonly done: Promise<boolean>;
  private timer?: unknown;
  private resolve!: (v: boolean) => void;

  constructor(clock: Clock, ms: number, onSettle: () => void) {
    this.done = new Promise<boolean>((resolve) => {
      this.resolve = (v) => {
        if (this.timer !== undefined) clock.clearTimeout(this.timer);
        this.timer = undefined;
        onSettle();
        resolve(v);
      };
      this.timer = clock.setTimeout(() => this.resolve(true), ms);
    });
  }

  cancel(): void {
    this.resolve(false);
  }
}

async function raceWithTimeout<T>(clock: Clock, p: Promise<T>, ms: number): Promise<T | 'expired'> {
  let timer: unknown;
  const expired = new Promise<'expired'>((resolve) => (timer = clock.setTimeout(() => resolve('expired'), ms)));
  try {
    return await Promise.race([p, expired]);
  } finally {
    clock.clearTimeout(timer);
  }
}

function classify(err: unknown): Outcome {
  const e = err as { code?: string; retryAfter?: number; statusCode?: number; data?: { error?: string } };
  switch (e?.code) {
    case webApi.ErrorCode.RateLimitedError:
      return { kind: 'ratelimited', retryAfterMs: Math.max(0, (e.retryAfter ?? 1) * 1000) };
    case webApi.ErrorCode.RequestError:
      return { kind: 'transient', err };
    case webApi.ErrorCode.HTTPError:
      return (e.statusCode ?? 500) >= 500 ? { kind: 'transient', err } : { kind: 'fatal', err };
    case webApi.ErrorCode.PlatformError: {
      const error = e.data?.error;
      return error && RETRYABLE_PLATFORM_ERRORS.has(error) ? { kind: 'transient', err } : { kind: 'fatal', err, error };
    }
    default:
      return { kind: 'fatal', err };
  }
}

/** 0.5 s, 1 s, 2 s ... capped at 15 s, with jitter. */
function backoffMs(attempt: number, random: () => number): number {
  const base = Math.min(15_000, 500 * 2 ** Math.min(attempt, 5));
  return Math.round(base * (0.75 + random() * 0.5));
}

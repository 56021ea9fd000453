import type { types } from '@slack/bolt';
import type { Logger } from '../../logger';
import type { Clock, Sleep } from './clock';
import { backoffMs, REPOST_ERRORS, type Outcome } from './slack-call';
import type { UpdateBudget } from './update-budget';

export interface LivePayload {
  text: string;
  blocks?: (types.KnownBlock | types.Block)[];
}

/**
 * What a live message needs from the streamer that made it: the shared timing settings, the dedicated
 * client's calls, and the sleeps shutdown can cancel. An interface, so this file does not depend on the
 * streamer that depends on it.
 */
export interface LiveMessageHost {
  readonly minIntervalMs: number;
  readonly finalDeadlineMs: number;
  readonly finalRepostAfterMs: number;
  readonly postDeadlineMs: number;
  readonly clock: Clock;
  readonly random: () => number;
  readonly logger: Logger;
  forget(msg: LiveMessage): void;
  callUpdate(channel: string, ts: string, payload: LivePayload, budget: UpdateBudget): Promise<Outcome>;
  repost(channel: string, threadTs: string | undefined, payload: LivePayload, deadline: number): Promise<boolean>;
  deleteStale(channel: string, ts: string): Promise<void>;
  uploadSnippet(channel: string, threadTs: string | undefined, filename: string, title: string, content: string): Promise<string | undefined>;
  sleep(ms: number): Sleep;
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
    private readonly streamer: LiveMessageHost,
    readonly channel: string,
    readonly ts: string,
    readonly threadTs: string | undefined,
    /** Its workspace's chat.update budget, fixed when the message is started or adopted. */
    private readonly budget: UpdateBudget,
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

  /** @internal whether this message spends `budget` (its workspace's) */
  budgetIs(budget: UpdateBudget): boolean {
    return this.budget === budget;
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
    const delay = Math.max(minDelay, this.lastEditAt + this.streamer.minIntervalMs - now, this.budget.nextAvailableInMs('interim'));
    this.timer = this.streamer.clock.setTimeout(() => this.flush(), delay);
  }

  private flush(): void {
    this.timer = undefined;
    if (this.finishing || this.aborted || !this.pending) return;
    const sinceLast = this.streamer.clock.now() - this.lastEditAt;
    if (sinceLast < this.streamer.minIntervalMs) return this.schedule(0);
    if (!this.budget.tryTake('interim')) {
      // Many messages wait on the same bucket: spread their retries instead of waking all at once,
      // and stay out of the way while finals are queued.
      const base = this.budget.waitingFinals > 0 ? 500 : 50;
      return this.schedule(base + Math.floor(this.streamer.random() * 250));
    }
    const payload = this.pending;
    this.pending = undefined;
    this.lastEditAt = this.streamer.clock.now();
    this.inFlight = this.streamer
      .callUpdate(this.channel, this.ts, payload, this.budget)
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
    const release = this.budget.holdForFinal();
    let attempt = 0;
    try {
      while (!this.aborted) {
        const wait = Math.max(this.lastEditAt + this.streamer.minIntervalMs - clock.now(), this.budget.finalWaitMs(release.ticket));
        if (wait > 0 || !this.budget.tryTake('final', release.ticket)) {
          // The workspace budget is short: a new message (per-channel limit) shows the output sooner.
          if (wait > this.streamer.finalRepostAfterMs) return await this.postInstead(payload, 'the update budget is short');
          if (clock.now() + Math.max(wait, 1) > deadline) break;
          // Finals compete for the same token: a little jitter avoids them all waking at once.
          if (!(await this.streamer.sleep(Math.max(wait, 20) + Math.floor(this.streamer.random() * 30)).done)) break;
          continue;
        }
        this.lastEditAt = clock.now();
        const outcome = await this.streamer.callUpdate(this.channel, this.ts, payload, this.budget);
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

export type UpdatePriority = 'final' | 'interim';

export interface UpdateBudgetOptions {
  /** Sustained chat.update calls per minute for the whole workspace (Slack Tier 3 is about 50). */
  perMinute?: number;
  /**
   * Tokens that may be spent at once. In any 60 s window at most `burst + perMinute` calls go out,
   * so keep that sum under Slack's limit.
   */
  burst?: number;
  /** Tokens interim edits leave in the bucket for finals (below burst; default 1). */
  finalReserve?: number;
  /** Injectable clock (ms) for tests. */
  now?: () => number;
}

/**
 * A per-workspace token bucket for chat.update, shared by every live message. Final edits have priority:
 * interim edits leave `finalReserve` tokens in the bucket and are refused while a final waits, so under
 * load learners see fewer progress edits but every final output. A 429 pauses the whole bucket for
 * Retry-After, so all streams back off together.
 */
export class UpdateBudget {
  readonly perMinute: number;
  readonly burst: number;
  readonly finalReserve: number;
  private readonly now: () => number;
  private tokens: number;
  private refilledAt: number;
  private pausedUntil = 0;
  private finalsWaiting = 0;
  // Waiting finals are served first come, first served: without it a final can lose the race for
  // each refilled token many times in a row under load.
  private readonly finalQueue: number[] = [];
  private nextTicket = 1;

  constructor(opts: UpdateBudgetOptions = {}) {
    this.perMinute = opts.perMinute ?? 45;
    this.burst = opts.burst ?? 5;
    this.finalReserve = opts.finalReserve ?? Math.min(1, this.burst - 1);
    if (!(this.perMinute > 0) || !(this.burst >= 1) || !(this.finalReserve >= 0 && this.finalReserve < this.burst)) {
      throw new RangeError('UpdateBudget needs perMinute > 0, burst >= 1 and 0 <= finalReserve < burst');
    }
    this.now = opts.now ?? Date.now;
    this.tokens = this.burst;
    this.refilledAt = this.now();
  }

  /** Takes one token if the budget allows a call of this priority now; a final with a ticket waits its turn. */
  tryTake(priority: UpdatePriority = 'interim', ticket?: number): boolean {
    this.refill();
    if (this.now() < this.pausedUntil) return false;
    if (priority === 'interim' && this.finalsWaiting > 0) return false;
    if (priority === 'final' && ticket !== undefined && this.finalQueue.length > 0 && this.finalQueue[0] !== ticket) return false;
    if (this.tokens < this.needed(priority)) return false;
    this.tokens -= 1;
    return true;
  }

  /** Milliseconds until a call of this priority may be allowed (0: now); does not count waiting finals. */
  nextAvailableInMs(priority: UpdatePriority = 'interim'): number {
    this.refill();
    const now = this.now();
    const pause = Math.max(0, this.pausedUntil - now);
    const missing = this.needed(priority) - this.tokens;
    const refill = missing <= 0 ? 0 : Math.ceil(missing / this.ratePerMs());
    return Math.max(pause, refill);
  }

  /** Slack answered 429: nobody in this workspace edits before `ms` have passed. */
  pauseFor(ms: number): void {
    const until = this.now() + Math.max(0, ms);
    if (until <= this.pausedUntil) return;
    this.pausedUntil = until;
    // Slack says we spent too much: resume with a single final's token, then the sustained rate.
    this.tokens = Math.min(this.tokens, 1);
    this.refilledAt = until;
  }

  /** Declares a final edit waiting for a token; interim edits are refused until the returned release is called. */
  holdForFinal(): (() => void) & { ticket: number } {
    this.finalsWaiting += 1;
    const ticket = this.nextTicket++;
    this.finalQueue.push(ticket);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.finalsWaiting -= 1;
      const i = this.finalQueue.indexOf(ticket);
      if (i >= 0) this.finalQueue.splice(i, 1);
    };
    return Object.assign(release, { ticket });
  }

  /**
   * Milliseconds until the final holding `ticket` can have its token: the finals ahead of it in line get theirs
   * first (nextAvailableInMs alone would tell the 30th of 30 finals "about a second", and it would wait 40 s).
   */
  finalWaitMs(ticket: number): number {
    this.refill();
    const ahead = Math.max(0, this.finalQueue.indexOf(ticket));
    const pause = Math.max(0, this.pausedUntil - this.now());
    const missing = ahead + this.needed('final') - this.tokens;
    return Math.max(pause, missing <= 0 ? 0 : pause + Math.ceil(missing / this.ratePerMs()));
  }

  /**
   * Whether one more live message (one that will need a final edit) can be finished within `horizonMs`,
   * given the `outstanding` ones already posted: their finals come first.
   */
  canFinishWithin(outstanding: number, horizonMs: number): boolean {
    this.refill();
    const pause = Math.max(0, this.pausedUntil - this.now());
    if (pause >= horizonMs) return false;
    return outstanding + 1 <= this.tokens + (horizonMs - pause) * this.ratePerMs();
  }

  /** Whole tokens usable now, 0 while paused by a 429 (for metrics). */
  get tokensLeft(): number {
    this.refill();
    return this.now() < this.pausedUntil ? 0 : Math.floor(this.tokens);
  }

  /** Finals currently waiting (for logs and tests). */
  get waitingFinals(): number {
    return this.finalsWaiting;
  }

  private needed(priority: UpdatePriority): number {
    return priority === 'final' ? 1 : 1 + this.finalReserve;
  }

  private ratePerMs(): number {
    return this.perMinute / 60000;
  }

  private refill(): void {
    const now = this.now();
    const elapsed = now - this.refilledAt;
    // refilledAt is in the future during a pause: nothing accrues until it ends.
    if (elapsed <= 0) return;
    this.tokens = Math.min(this.burst, this.tokens + elapsed * this.ratePerMs());
    this.refilledAt = now;
  }
}

import { AppError } from '../../errors';
import { SlidingWindowLimiter, tooFastText } from '../../kit';

/**
 * The sandbox's own per-learner limit on commands, for every caller (the tutor limits learners before
 * this, with the same window and wording; a command the tutor let through is rarely refused here).
 */
export class CommandRateLimit {
  private readonly window: SlidingWindowLimiter;

  constructor(private readonly o: { perMinute: number; now?: () => number }) {
    this.window = new SlidingWindowLimiter({ limit: o.perMinute, windowMs: 60_000, now: o.now });
  }

  /** Counts one command for the learner, or throws RATE_LIMITED (the refused one does not count). */
  take(learnerKey: string): void {
    const d = this.window.take(learnerKey);
    if (!d.allowed) throw new AppError('RATE_LIMITED', tooFastText('commands', this.o.perMinute, d.retryInMs));
  }

  /** Forgets learners with nothing in the window, so the map does not grow with every learner ever seen. */
  prune(): void {
    this.window.prune();
  }
}

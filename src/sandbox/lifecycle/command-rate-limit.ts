import { AppError } from '../../errors';

const WINDOW_MS = 60000;

/** Per-learner sliding one-minute window of commands; the clock is injected so tests need no waiting. */
export class CommandRateLimit {
  private readonly times = new Map<string, number[]>();
  private readonly now: () => number;

  constructor(private readonly o: { perMinute: number; now?: () => number }) {
    this.now = o.now ?? Date.now;
  }

  /** Counts one command for the learner, or throws RATE_LIMITED (the refused one does not count). */
  take(learnerKey: string): void {
    const now = this.now();
    const times = (this.times.get(learnerKey) ?? []).filter((t) => now - t <= WINDOW_MS);
    if (times.length >= this.o.perMinute) {
      this.times.set(learnerKey, times);
      const waitS = Math.ceil((WINDOW_MS - (now - times[0]!)) / 1000);
      throw new AppError('RATE_LIMITED', `You are sending commands faster than ${this.o.perMinute} a minute; try again in ${waitS} s.`);
    }
    times.push(now);
    this.times.set(learnerKey, times);
  }

  /** Forgets learners with nothing in the window, so the map does not grow with every learner ever seen. */
  prune(): void {
    const now = this.now();
    for (const [k, times] of this.times) if (!times.some((t) => now - t <= WINDOW_MS)) this.times.delete(k);
  }
}

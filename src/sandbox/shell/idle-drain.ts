import type { Clock } from '../../kit';

export interface IdleDrainOptions {
  /** Bytes read (and dropped) per window while no command runs; past them reading pauses until the window ends. */
  budgetBytes: number;
  windowMs: number;
  clock: Clock;
  /** Stop reading the terminal: the writer then blocks on a full terminal buffer instead of costing the bot CPU. */
  pause(): void;
  resume(): void;
}

/**
 * Output that arrives while no command runs belongs to nobody (no one sees an idle terminal): it is dropped, and
 * read at a bounded rate so a process flooding the terminal between commands cannot keep the bot busy. Each
 * window reads at most the budget plus the chunk that crossed it, then the terminal is paused until the window
 * ends. A command starting ends the drain at once.
 */
export class IdleDrain {
  private windowStart = -Infinity;
  private used = 0;
  private paused = false;
  private timer: unknown;
  /** Bytes read and dropped while idle, in all. */
  dropped = 0;

  constructor(private readonly o: IdleDrainOptions) {}

  /** One chunk read while idle: counted and dropped; pauses the terminal once this window's budget is spent. */
  take(bytes: number): void {
    this.dropped += bytes;
    const now = this.o.clock.now();
    if (now - this.windowStart >= this.o.windowMs) {
      this.windowStart = now;
      this.used = 0;
    }
    this.used += bytes;
    if (this.used < this.o.budgetBytes || this.paused) return;
    this.paused = true;
    this.o.pause();
    this.timer = this.o.clock.setTimeout(
      () => {
        this.timer = undefined;
        this.resume();
      },
      Math.max(1, this.windowStart + this.o.windowMs - now),
    );
  }

  /** A command starts (or the session ends): read everything again, at once. */
  stop(): void {
    if (this.timer !== undefined) this.o.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.resume();
  }

  private resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.o.resume();
  }
}

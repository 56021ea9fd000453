/**
 * Holds background work back while a burst of fresh foreground work is under way: a class typing at once. Measured
 * with 100 learners sending a first command together on 2 CPUs, each command's follow-up work (the sweep after it,
 * the automatic check: an exec through the engine each, ~0.1 CPU-s) ran beside the other learners' commands and the
 * last outputs came seconds late. Only fresh work counts (started less than `freshMs` ago): one learner's long
 * build never holds anybody's follow-ups for longer than that. Every hold is bounded by the caller.
 */
export interface BurstGateOptions {
  /** How long a piece of foreground work counts as part of a burst (default 2 s). */
  freshMs?: number;
  now?: () => number;
}

export class BurstGate {
  private readonly open = new Map<number, number>();
  private nextId = 0;
  private readonly waiters = new Set<() => void>();
  private readonly freshMs: number;
  private readonly now: () => number;

  constructor(o: BurstGateOptions = {}) {
    this.freshMs = o.freshMs ?? 2000;
    this.now = o.now ?? Date.now;
  }

  /** Fresh foreground work still open. */
  get fresh(): number {
    const since = this.now() - this.freshMs;
    let n = 0;
    for (const at of this.open.values()) if (at > since) n++;
    return n;
  }

  /** Counts `work` as foreground from now until it settles; returns it unchanged. */
  during<T>(work: Promise<T>): Promise<T> {
    const id = this.nextId++;
    this.open.set(id, this.now());
    const end = () => {
      this.open.delete(id);
      this.wake();
    };
    work.then(end, end);
    return work;
  }

  /**
   * Resolves once no fresh foreground work is open, or after `maxMs` at the most (at once when none is). Work that
   * ages past `freshMs` stops counting without an event, so the wait also looks again when the youngest would.
   */
  whenQuiet(maxMs: number): Promise<void> {
    if (this.fresh === 0 || maxMs <= 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const deadline = this.now() + maxMs;
      let timer: NodeJS.Timeout | undefined;
      const check = () => {
        clearTimeout(timer);
        if (this.fresh === 0 || this.now() >= deadline) {
          this.waiters.delete(check);
          resolve();
          return;
        }
        const youngest = Math.max(...[...this.open.values()].filter((at) => at > this.now() - this.freshMs));
        timer = setTimeout(check, Math.max(1, Math.min(deadline, youngest + this.freshMs) - this.now()));
        timer.unref?.();
      };
      this.waiters.add(check);
      check();
    });
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }
}

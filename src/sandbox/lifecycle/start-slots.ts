/**
 * Why a sandbox start is wanted, most urgent first: a learner waits on it (a command, a check, a seed), a
 * learner will soon want it (their lesson just opened), or a pool is topping up.
 */
export type StartKind = 'waiting' | 'ahead' | 'warm';

const ORDER: readonly StartKind[] = ['waiting', 'ahead', 'warm'];

interface Waiter {
  key?: string;
  go: () => void;
}

/**
 * At most `limit` starts at once; a free slot goes to the most urgent start in line (see StartKind), first come
 * first served within a kind. Starting a nested dockerd is CPU-bound, so thirty at once on two cores make every
 * one of them slow: with the starts in line, the learner who typed goes before the classmates still reading.
 */
export class StartSlots {
  private running = 0;
  private readonly waiting: Record<StartKind, Waiter[]> = { waiting: [], ahead: [], warm: [] };
  private learners = 0;
  private idleWaiters: (() => void)[] = [];

  constructor(readonly limit: number) {}

  get active(): number {
    return this.running;
  }

  /** Starts in line, by kind. */
  get queued(): Record<StartKind, number> {
    return { waiting: this.waiting.waiting.length, ahead: this.waiting.ahead.length, warm: this.waiting.warm.length };
  }

  /** Resolves when no learner's sandbox is starting or waiting to start (at once when none is). */
  learnersIdle(): Promise<void> {
    return this.learners === 0 ? Promise.resolve() : new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * The learner now waits on the start made ahead for `key`: if it is still in line it moves to the back of the
   * waiting ones (ahead of every start made ahead and every pool's). True when it was in line.
   */
  promote(key: string): boolean {
    const i = this.waiting.ahead.findIndex((w) => w.key === key);
    if (i < 0) return false;
    this.waiting.waiting.push(...this.waiting.ahead.splice(i, 1));
    return true;
  }

  async run<T>(kind: StartKind, fn: () => Promise<T>, key?: string): Promise<T> {
    const learner = kind !== 'warm';
    if (learner) this.learners++;
    try {
      if (this.running >= this.limit) await new Promise<void>((go) => this.waiting[kind].push({ key, go }));
      else this.running++;
      try {
        return await fn();
      } finally {
        const next = ORDER.map((k) => this.waiting[k]).find((line) => line.length > 0)?.shift();
        // The slot passes straight to the next in line.
        if (next) next.go();
        else this.running--;
      }
    } finally {
      if (learner && --this.learners === 0) for (const w of this.idleWaiters.splice(0)) w();
    }
  }
}

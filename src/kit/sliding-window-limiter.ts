export interface SlidingWindowOptions {
  /** Hits a key may have in any window. */
  limit: number;
  windowMs: number;
  /** The clock (ms); injected so tests move time instead of waiting. */
  now?: () => number;
}

export type WindowDecision =
  | { allowed: true }
  | {
      allowed: false;
      /** When the oldest hit leaves the window, i.e. when the next one is taken. */
      retryInMs: number;
      limit: number;
      /** The first refusal since this key's last one stood: a flood is told once, not once per hit. */
      first: boolean;
    };

interface KeyWindow {
  /** Accepted hits still in the window, oldest first. */
  hits: number[];
  /** Until when the last refusal stands. */
  refusedUntil: number;
}

/**
 * At most `limit` hits per key in any `windowMs`. A hit leaves the window exactly `windowMs` after it was
 * taken, the moment a refusal said to come back. Refused hits do not count, so retrying does not push the
 * wait further out. Keys with nothing in the window are dropped, at the latest one window after they go quiet.
 */
export class SlidingWindowLimiter<K = string> {
  private readonly keys = new Map<K, KeyWindow>();
  private readonly now: () => number;
  private lastSweep: number;

  constructor(private readonly o: SlidingWindowOptions) {
    this.now = o.now ?? Date.now;
    this.lastSweep = this.now();
  }

  /** Counts one hit for `key`, or refuses it. */
  take(key: K): WindowDecision {
    const now = this.now();
    if (now - this.lastSweep >= this.o.windowMs) this.prune();
    const w = this.keys.get(key) ?? { hits: [], refusedUntil: 0 };
    this.keys.set(key, w);
    while (w.hits.length > 0 && !this.inWindow(w.hits[0]!, now)) w.hits.shift();
    if (w.hits.length < this.o.limit) {
      w.hits.push(now);
      return { allowed: true };
    }
    const retryInMs = w.hits[0]! + this.o.windowMs - now;
    const first = now >= w.refusedUntil;
    if (first) w.refusedUntil = now + retryInMs;
    return { allowed: false, retryInMs, limit: this.o.limit, first };
  }

  /** Forgets keys with nothing in the window and no refusal standing. */
  prune(): void {
    const now = this.now();
    this.lastSweep = now;
    for (const [k, w] of this.keys) if (now >= w.refusedUntil && !w.hits.some((t) => this.inWindow(t, now))) this.keys.delete(k);
  }

  /** Keys remembered now. */
  get size(): number {
    return this.keys.size;
  }

  private inWindow(hit: number, now: number): boolean {
    return now - hit < this.o.windowMs;
  }
}

/**
 * The one wording of a per-minute refusal, whichever layer refuses: the learner reads the same sentence
 * from the tutor's limit and from the sandbox's.
 */
export function tooFastText(what: string, perMinute: number, retryInMs: number): string {
  const seconds = Math.max(1, Math.ceil(retryInMs / 1000));
  return `Slow down: you are sending ${what} faster than ${perMinute} a minute, and I take at most ${perMinute} ${what} a minute. I'll take the next one in about ${seconds} s.`;
}

import type { Clock } from '../../../src/slack/streaming/clock';

interface Timer {
  id: number;
  at: number;
  fn: () => void;
}

/**
 * A clock whose time moves only when a test says so. Timers fire in due order (ties in creation order),
 * each at its own due time, so intervals measured with `now()` are exact and independent of machine load.
 * Implements the streamer's Clock; `now` also fits UpdateBudget's and the fake stores' `now` options.
 */
export class VirtualClock implements Clock {
  private t: number;
  private seq = 0;
  private readonly timers = new Map<number, Timer>();

  constructor(start = Date.UTC(2025, 0, 6, 9, 0, 0)) {
    this.t = start;
  }

  now = (): number => this.t;

  date = (): Date => new Date(this.t);

  setTimeout = (fn: () => void, ms: number): number => {
    const id = ++this.seq;
    this.timers.set(id, { id, at: this.t + Math.max(0, Number.isFinite(ms) ? ms : 0), fn });
    return id;
  };

  clearTimeout = (handle: unknown): void => {
    this.timers.delete(handle as number);
  };

  /** A promise resolved after `ms` of virtual time. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.setTimeout(resolve, ms));
  }

  /** Timers not yet fired nor cleared. */
  get pendingTimers(): number {
    return this.timers.size;
  }

  /** Due time of the earliest pending timer. */
  nextDue(): number | undefined {
    return this.next()?.at;
  }

  /** Fires the earliest timer due at or before `limit`, moving time to its due time; false when there is none. */
  fireNext(limit = Infinity): boolean {
    const timer = this.next();
    if (!timer || timer.at > limit) return false;
    this.timers.delete(timer.id);
    this.t = Math.max(this.t, timer.at);
    timer.fn();
    return true;
  }

  /** Moves time forward without firing anything (the caller fires what became due). */
  setTime(t: number): void {
    if (t < this.t) throw new Error('a virtual clock does not go backwards');
    this.t = t;
  }

  private next(): Timer | undefined {
    let best: Timer | undefined;
    for (const timer of this.timers.values()) if (!best || timer.at < best.at || (timer.at === best.at && timer.id < best.id)) best = timer;
    return best;
  }
}

/**
 * Counts HTTP requests in flight through a fetch it wraps, so a driver knows when real I/O has settled.
 * The response body is read before the request counts as done, and handed back from memory.
 */
export class TrackedFetch {
  private inFlight = 0;
  private waiters: (() => void)[] = [];

  constructor(private readonly base: typeof fetch = globalThis.fetch) {}

  get pending(): number {
    return this.inFlight;
  }

  readonly fetch = async (url: string | URL, init?: RequestInit) => {
    this.inFlight += 1;
    try {
      const res = await this.base(url, init);
      const body = new Uint8Array(await res.arrayBuffer());
      const text = () => new TextDecoder().decode(body);
      return {
        ok: res.ok,
        status: res.status,
        statusText: res.statusText,
        url: res.url,
        headers: res.headers,
        arrayBuffer: async () => body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer,
        text: async () => text(),
        json: async () => JSON.parse(text()) as unknown,
      };
    } finally {
      this.inFlight -= 1;
      if (this.inFlight === 0) for (const w of this.waiters.splice(0)) w();
    }
  };

  /** Resolves once no request is in flight. */
  idle(): Promise<void> {
    return this.inFlight === 0 ? Promise.resolve() : new Promise((resolve) => this.waiters.push(resolve));
  }
}

const macrotask = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Drives a VirtualClock together with real loopback I/O: time moves only when no request is in flight
 * and the event loop has gone a full turn without starting one, so every run sees the same order of events.
 */
export class ClockDriver {
  constructor(
    readonly clock: VirtualClock,
    private readonly io: TrackedFetch,
  ) {}

  /** Waits until real I/O is done and the callbacks it triggered have run. */
  async settle(): Promise<void> {
    for (let quietTurns = 0; quietTurns < 2; ) {
      await macrotask();
      if (this.io.pending > 0) {
        quietTurns = 0;
        await this.io.idle();
      } else quietTurns += 1;
    }
  }

  /** Lets `ms` of virtual time pass, firing every timer due meanwhile, each at its due time. */
  async advance(ms: number): Promise<void> {
    const until = this.clock.now() + ms;
    await this.settle();
    while (this.clock.fireNext(until)) await this.settle();
    this.clock.setTime(until);
    await this.settle();
  }

  /** Runs timers in order until `p` settles; fails when nothing is left that could settle it, or after `maxMs` of virtual time. */
  async run<T>(p: Promise<T>, maxMs = 10 * 60_000): Promise<T> {
    let done = false;
    p.then(
      () => (done = true),
      () => (done = true),
    );
    const limit = this.clock.now() + maxMs;
    for (;;) {
      await this.settle();
      if (done) return p;
      if (!this.clock.fireNext(limit)) {
        throw new Error(this.clock.pendingTimers ? `still pending after ${maxMs} ms of virtual time` : 'stuck: the promise waits on nothing the clock could fire');
      }
    }
  }
}

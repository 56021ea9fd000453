interface Lane {
  /** Settles when the last serial task queued on this lane has; never rejects. */
  tail: Promise<unknown>;
  /** Everything counted on this lane and not yet settled (serial and tracked alike). */
  pending: Set<Promise<unknown>>;
  /** The work `once` hands to every caller while it runs. */
  shared?: Promise<unknown>;
}

export interface KeyedLanesOptions<K> {
  /** Called when a key's lane empties (after its entry is gone, before the last task's caller sees its result). */
  onIdle?: (key: K) => void;
}

/**
 * Per-key lanes: `run` serialises a key's tasks in arrival order, `track` counts work without ordering it,
 * `once` shares one piece of work among concurrent callers. Different keys never wait for each other. A
 * key's entry goes as soon as nothing is in flight for it, so memory follows the keys active now, not every
 * key ever seen. A task's failure reaches its caller only; the next task in the lane runs anyway.
 */
export class KeyedLanes<K = string> {
  private readonly lanes = new Map<K, Lane>();
  private total = 0;

  constructor(private readonly options: KeyedLanesOptions<K> = {}) {}

  /** Runs `task` after every task queued before it on `key` has settled (succeeded or failed). */
  run<T>(key: K, task: () => Promise<T>): Promise<T> {
    const lane = this.lane(key);
    const counted = this.count(key, lane, lane.tail.then(task));
    lane.tail = counted.then(
      () => undefined,
      () => undefined,
    );
    return counted;
  }

  /** Counts `task` (started now) as in flight on `key`, beside whatever the lane runs. */
  track<T>(key: K, task: () => Promise<T>): Promise<T> {
    return this.count(key, this.lane(key), new Promise<T>((resolve) => resolve(task())));
  }

  /** While work started by `once` for `key` is in flight, every caller gets that same promise; otherwise starts `task`. */
  once<T>(key: K, task: () => Promise<T>): Promise<T> {
    const shared = this.lanes.get(key)?.shared;
    if (shared) return shared as Promise<T>;
    const lane = this.lane(key);
    const p = this.track(key, task);
    // `track` settles `p` only later, so the lane is still this one here.
    lane.shared = p;
    return p;
  }

  /** How much is in flight (queued, running or tracked): for `key`, or for every key together. */
  inFlight(key?: K): number {
    return key === undefined ? this.total : (this.lanes.get(key)?.pending.size ?? 0);
  }

  /** Something is in flight for `key`. */
  busy(key: K): boolean {
    return this.lanes.has(key);
  }

  /** Keys with something in flight. */
  get size(): number {
    return this.lanes.size;
  }

  /** Settles once everything in flight for `key` now has settled (at once when nothing is). */
  settled(key: K): Promise<void> {
    return settleAll([...(this.lanes.get(key)?.pending ?? [])]);
  }

  /**
   * Shutdown: resolves true once everything in flight now has settled, false if `signal` aborts first.
   * Nothing in flight is true even with an aborted signal (there is nothing to cut short).
   */
  drain(signal: AbortSignal): Promise<boolean> {
    const all = [...this.lanes.values()].flatMap((lane) => [...lane.pending]);
    if (all.length === 0) return Promise.resolve(true);
    return settlesBefore(settleAll(all), signal);
  }

  private lane(key: K): Lane {
    let lane = this.lanes.get(key);
    if (!lane) {
      lane = { tail: Promise.resolve(), pending: new Set() };
      this.lanes.set(key, lane);
    }
    return lane;
  }

  /** Counts `work` on the lane until it settles; the count drops before the caller sees the result. */
  private count<T>(key: K, lane: Lane, work: Promise<T>): Promise<T> {
    this.total++;
    const counted: Promise<T> = work.finally(() => {
      this.total--;
      lane.pending.delete(counted);
      if (lane.shared === counted) lane.shared = undefined;
      if (lane.pending.size > 0 || this.lanes.get(key) !== lane) return;
      // Nothing left on the lane: drop it; a later task starts a fresh, empty lane.
      this.lanes.delete(key);
      this.options.onIdle?.(key);
    });
    lane.pending.add(counted);
    return counted;
  }
}

function settleAll(work: Promise<unknown>[]): Promise<void> {
  return Promise.allSettled(work).then(() => undefined);
}

/** Resolves true once `work` settles, false if `signal` aborts first (at once when it already has). */
export function settlesBefore(work: Promise<unknown>, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = () => resolve(false);
    signal.addEventListener('abort', onAbort, { once: true });
    const settled = () => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    };
    work.then(settled, settled);
  });
}

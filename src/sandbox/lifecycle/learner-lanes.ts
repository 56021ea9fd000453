interface Lane {
  chain: Promise<unknown>;
  inFlight: number;
}

/** One lane per learner: commands run one at a time in the order sent; counts what is queued or running. */
export class LearnerLanes {
  private readonly lanes = new Map<string, Lane>();

  /** Runs `fn` after everything queued before it for this learner, whether that succeeded or failed. */
  enqueue<T>(learnerKey: string, fn: () => Promise<T>): Promise<T> {
    const lane = this.lane(learnerKey);
    lane.inFlight++;
    const next = lane.chain.then(fn, fn).finally(() => this.done(learnerKey, lane));
    lane.chain = next.catch(() => undefined);
    return next;
  }

  /** Counts `fn` as in flight without ordering it (one-shot scripts run beside the shell). */
  track<T>(learnerKey: string, fn: () => Promise<T>): Promise<T> {
    const lane = this.lane(learnerKey);
    lane.inFlight++;
    return fn().finally(() => this.done(learnerKey, lane));
  }

  /** Something is queued or running for the learner: the reaper leaves such a sandbox alone. */
  busy(learnerKey: string): boolean {
    return (this.lanes.get(learnerKey)?.inFlight ?? 0) > 0;
  }

  private lane(learnerKey: string): Lane {
    let lane = this.lanes.get(learnerKey);
    if (!lane) {
      lane = { chain: Promise.resolve(), inFlight: 0 };
      this.lanes.set(learnerKey, lane);
    }
    return lane;
  }

  private done(learnerKey: string, lane: Lane): void {
    lane.inFlight--;
    // Nothing left in the lane: drop it, a later command starts a fresh (empty) chain.
    if (lane.inFlight === 0 && this.lanes.get(learnerKey) === lane) this.lanes.delete(learnerKey);
  }
}

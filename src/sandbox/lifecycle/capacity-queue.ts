interface Waiter {
  learnerKey: string;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** The line of learners waiting for a sandbox slot under the global cap; first come, first served. */
export class CapacityQueue {
  private readonly waiters: Waiter[] = [];

  /** `onQueued` tells a learner their place whenever it is given or changes. */
  constructor(private readonly onQueued: (learnerKey: string, position: number) => void) {}

  get length(): number {
    return this.waiters.length;
  }

  /** Joins the line; resolves when release() lets this learner through. */
  wait(learnerKey: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiters.push({ learnerKey, resolve, reject });
      this.onQueued(learnerKey, this.waiters.length);
    });
  }

  /**
   * Lets learners through in order while `hasRoom()` holds (asked again after each one, since letting one
   * through takes a slot), then tells everyone still waiting their new place.
   */
  release(hasRoom: () => boolean): void {
    let moved = false;
    while (this.waiters.length > 0 && hasRoom()) {
      this.waiters.shift()!.resolve();
      moved = true;
    }
    if (moved) this.waiters.forEach((w, i) => this.onQueued(w.learnerKey, i + 1));
  }

  /** Empties the line, failing every wait (shutdown). */
  rejectAll(err: unknown): void {
    for (const w of this.waiters.splice(0)) w.reject(err);
  }
}

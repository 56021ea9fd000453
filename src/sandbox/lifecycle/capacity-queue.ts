/** Why a learner waits: the host's cap on sandboxes, or their workspace's share of it. */
export type WaitReason = 'capacity' | 'workspace';

interface Waiter {
  learnerKey: string;
  reason: WaitReason;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * The line of learners waiting for a sandbox slot; first come, first served among those who can go. A
 * learner held by their workspace's quota does not hold up a learner of another workspace behind them.
 */
export class CapacityQueue {
  private readonly waiters: Waiter[] = [];

  /** `onQueued` tells a learner their place (and why they wait) whenever it is given or changes. */
  constructor(private readonly onQueued: (learnerKey: string, position: number, reason: WaitReason) => void) {}

  get length(): number {
    return this.waiters.length;
  }

  /** True while the learner waits in line. */
  has(learnerKey: string): boolean {
    return this.waiters.some((w) => w.learnerKey === learnerKey);
  }

  /** Joins the line; resolves when release() lets this learner through. */
  wait(learnerKey: string, reason: WaitReason = 'capacity'): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiters.push({ learnerKey, reason, resolve, reject });
      this.onQueued(learnerKey, this.waiters.length, reason);
    });
  }

  /**
   * Lets learners through in order while `hasRoom(learnerKey)` holds for them (asked again for each one,
   * since letting one through takes a slot); one it does not hold for keeps their place and the next is
   * asked. Then tells everyone still waiting their new place.
   */
  release(hasRoom: (learnerKey: string) => boolean): void {
    let moved = false;
    for (let i = 0; i < this.waiters.length; ) {
      if (hasRoom(this.waiters[i]!.learnerKey)) {
        this.waiters.splice(i, 1)[0]!.resolve();
        moved = true;
      } else i++;
    }
    if (moved) this.waiters.forEach((w, i) => this.onQueued(w.learnerKey, i + 1, w.reason));
  }

  /** Empties the line, failing every wait (shutdown). */
  rejectAll(err: unknown): void {
    for (const w of this.waiters.splice(0)) w.reject(err);
  }
}

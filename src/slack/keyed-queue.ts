/** Runs tasks one at a time per key, in arrival order; different keys run in parallel. */
export class KeyedQueue {
  private tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    const result = prev.then(task, task);
    const tail = result.catch(() => undefined);
    this.tails.set(key, tail);
    // `tail` never rejects (caught above), so this cleanup cannot produce an unhandled rejection.
    tail
      .then(() => {
        if (this.tails.get(key) === tail) this.tails.delete(key);
      })
      .catch(() => undefined);
    return result;
  }

  get pendingKeys(): number {
    return this.tails.size;
  }
}

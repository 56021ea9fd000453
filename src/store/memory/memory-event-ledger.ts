import type { EventLedger } from '../types';

/** In-memory EventLedger for unit tests; held to the same contract tests as the Prisma one. */
export class MemoryEventLedger implements EventLedger {
  private readonly seen = new Map<string, Date>();

  async claim(eventId: string) {
    if (this.seen.has(eventId)) return false;
    this.seen.set(eventId, new Date());
    return true;
  }

  async prune(olderThan: Date) {
    let n = 0;
    for (const [id, at] of this.seen) if (at < olderThan) n += this.seen.delete(id) ? 1 : 0;
    return n;
  }
}

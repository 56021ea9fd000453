import type { EventLedger } from '../../../src/store/types';
import type { MemoryDatabase } from './memory-database';

/** EventLedger in memory; passes the store contract (test/store/store-contract.ts). */
export class MemoryEventLedger implements EventLedger {
  constructor(private readonly db: MemoryDatabase) {}

  async claim(eventId: string): Promise<boolean> {
    if (this.db.processedEvents.has(eventId)) return false;
    this.db.processedEvents.set(eventId, this.db.now());
    return true;
  }

  async prune(olderThan: Date): Promise<number> {
    let removed = 0;
    for (const [id, receivedAt] of this.db.processedEvents) {
      if (receivedAt.getTime() < olderThan.getTime()) {
        this.db.processedEvents.delete(id);
        removed += 1;
      }
    }
    return removed;
  }
}

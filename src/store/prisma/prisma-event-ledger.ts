import type { Db } from './prisma-client';
import type { EventLedger } from '../types';

export class PrismaEventLedger implements EventLedger {
  constructor(private readonly db: Db) {}

  async claim(eventId: string): Promise<boolean> {
    // INSERT .. ON CONFLICT DO NOTHING: concurrent re-deliveries cannot both win.
    const { count } = await this.db.processedEvent.createMany({ data: [{ eventId }], skipDuplicates: true });
    return count === 1;
  }

  async prune(olderThan: Date): Promise<number> {
    const { count } = await this.db.processedEvent.deleteMany({ where: { receivedAt: { lt: olderThan } } });
    return count;
  }
}

import { Prisma } from '../generated/client';
import type { Db } from './prisma-client';
import type { EventLedger } from '../types';

export class PrismaEventLedger implements EventLedger {
  constructor(private readonly db: Db) {}

  async claim(eventId: string): Promise<boolean> {
    // One INSERT: concurrent re-deliveries cannot both win (the unique key refuses the second). Not createMany with
    // skipDuplicates: that runs as a transaction of three round trips, in front of every event's answer.
    try {
      await this.db.processedEvent.create({ data: { eventId }, select: { eventId: true } });
      return true;
    } catch (err) {
      if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') return false;
      throw err;
    }
  }

  async prune(olderThan: Date): Promise<number> {
    const { count } = await this.db.processedEvent.deleteMany({ where: { receivedAt: { lt: olderThan } } });
    return count;
  }
}

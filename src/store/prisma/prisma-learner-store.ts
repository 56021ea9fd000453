import { Prisma } from '../generated/client';
import type { Db } from './prisma-client';
import type { LearnerRecord, LearnerStore } from '../types';

export class PrismaLearnerStore implements LearnerStore {
  constructor(private readonly db: Db) {}

  async ensureLearner(teamId: string, userId: string, displayName?: string) {
    const existing = await this.find(teamId, userId);
    if (existing) {
      await this.db.learner.update({ where: { id: existing.id }, data: { lastSeenAt: new Date(), ...(displayName ? { displayName } : {}) } });
      return { learner: { ...existing, displayName: displayName ?? existing.displayName }, created: false };
    }
    return this.create(teamId, userId, { displayName: displayName ?? null });
  }

  async addLearner(teamId: string, userId: string, dmChannel?: string) {
    return this.create(teamId, userId, { dmChannel: dmChannel ?? null });
  }

  /** A new learner row; when two first messages race, the other one stored the learner and it is returned. */
  private async create(teamId: string, userId: string, data: { displayName?: string | null; dmChannel?: string | null }) {
    try {
      const row = await this.db.learner.create({ data: { teamId, userId, ...data } });
      return { learner: toRecord(row), created: true };
    } catch (err) {
      if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') {
        return { learner: (await this.find(teamId, userId))!, created: false };
      }
      throw err;
    }
  }

  async setDisplayName(teamId: string, userId: string, displayName: string) {
    // one statement: updateMany runs as a transaction of three round trips, holding the learner's row lock across
    // them while the same learner's lesson start waits to write that row (seconds on a loaded event loop)
    await this.db.learner.update({ where: { teamId_userId: { teamId, userId } }, data: { displayName, lastSeenAt: new Date() }, select: { id: true } }).catch((err: unknown) => {
      if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2025') return undefined; // no such learner: nothing to name
      throw err;
    });
  }

  /** Every learner's user id in one workspace (uninstall removes their sandboxes). */
  async userIdsOf(teamId: string): Promise<string[]> {
    return (await this.db.learner.findMany({ where: { teamId }, select: { userId: true } })).map((r) => r.userId);
  }

  async find(teamId: string, userId: string): Promise<LearnerRecord | null> {
    const row = await this.db.learner.findUnique({ where: { teamId_userId: { teamId, userId } } });
    return row ? toRecord(row) : null;
  }
}

function toRecord(row: { id: string; teamId: string; userId: string; displayName: string | null; firstSeenAt: Date }): LearnerRecord {
  return { id: row.id, teamId: row.teamId, userId: row.userId, displayName: row.displayName, firstSeenAt: row.firstSeenAt };
}

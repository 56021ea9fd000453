import type { LearnerRecord, LearnerStore } from '../../../src/store/types';
import type { LearnerRow, MemoryDatabase } from './memory-database';

const toRecord = (r: LearnerRow): LearnerRecord => ({ id: r.id, teamId: r.teamId, userId: r.userId, displayName: r.displayName, firstSeenAt: new Date(r.firstSeenAt) });

/** LearnerStore in memory; passes the store contract (test/store/store-contract.ts). */
export class MemoryLearnerStore implements LearnerStore {
  constructor(private readonly db: MemoryDatabase) {}

  async ensureLearner(teamId: string, userId: string, displayName?: string) {
    const existing = this.db.learnerByUser(teamId, userId);
    if (existing) {
      existing.lastSeenAt = this.db.now();
      if (displayName) existing.displayName = displayName;
      return { learner: toRecord(existing), created: false };
    }
    const now = this.db.now();
    const row: LearnerRow = { id: this.db.newId(), teamId, userId, displayName: displayName ?? null, firstSeenAt: now, lastSeenAt: now, activeLessonId: null, dmChannel: null };
    this.db.learners.set(row.id, row);
    return { learner: toRecord(row), created: true };
  }

  async addLearner(teamId: string, userId: string, dmChannel?: string) {
    const existing = this.db.learnerByUser(teamId, userId);
    if (existing) return { learner: toRecord(existing), created: false };
    const { learner, created } = await this.ensureLearner(teamId, userId);
    this.db.learner(learner.id).dmChannel = dmChannel ?? null;
    return { learner, created };
  }

  async setDisplayName(teamId: string, userId: string, displayName: string) {
    const row = this.db.learnerByUser(teamId, userId);
    if (!row) return;
    row.displayName = displayName;
    row.lastSeenAt = this.db.now();
  }

  async find(teamId: string, userId: string): Promise<LearnerRecord | null> {
    const row = this.db.learnerByUser(teamId, userId);
    return row ? toRecord(row) : null;
  }

  /** Every learner's user id in one workspace (uninstall removes their sandboxes), as PrismaLearnerStore. */
  async userIdsOf(teamId: string): Promise<string[]> {
    return [...this.db.learners.values()].filter((l) => l.teamId === teamId).map((l) => l.userId);
  }
}

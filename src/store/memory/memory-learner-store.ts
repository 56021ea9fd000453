import { randomUUID } from 'node:crypto';
import type { LearnerRecord, LearnerStore } from '../types';

/** In-memory LearnerStore for unit tests; held to the same contract tests as the Prisma one. */
export class MemoryLearnerStore implements LearnerStore {
  private readonly rows = new Map<string, LearnerRecord>();

  async ensureLearner(teamId: string, userId: string, displayName?: string) {
    const key = `${teamId}:${userId}`;
    const existing = this.rows.get(key);
    if (existing) {
      if (displayName) existing.displayName = displayName;
      return { learner: { ...existing }, created: false };
    }
    const learner = { id: randomUUID(), teamId, userId, displayName: displayName ?? null, firstSeenAt: new Date() };
    this.rows.set(key, learner);
    return { learner: { ...learner }, created: true };
  }

  async find(teamId: string, userId: string) {
    const row = this.rows.get(`${teamId}:${userId}`);
    return row ? { ...row } : null;
  }
}

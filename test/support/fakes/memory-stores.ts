import type { ChallengeStore, EventLedger, TutorStore } from '../../../src/store/types';
import { MemoryChallengeStore } from './memory-challenge-store';
import { MemoryDatabase, type MemoryDatabaseOptions } from './memory-database';
import { MemoryEventLedger } from './memory-event-ledger';
import { MemoryLearnerStore } from './memory-learner-store';
import { MemoryTutorStore } from './memory-tutor-store';

export interface MemoryStores {
  db: MemoryDatabase;
  learners: MemoryLearnerStore;
  tutor: TutorStore;
  challenges: ChallengeStore;
  ledger: EventLedger;
}

/** The four stores over one shared in-memory database (learners are shared, as rows are in PostgreSQL). */
export function createMemoryStores(opts: MemoryDatabaseOptions = {}): MemoryStores {
  const db = new MemoryDatabase(opts);
  return { db, learners: new MemoryLearnerStore(db), tutor: new MemoryTutorStore(db), challenges: new MemoryChallengeStore(db), ledger: new MemoryEventLedger(db) };
}

export { MemoryChallengeStore, MemoryDatabase, MemoryEventLedger, MemoryLearnerStore, MemoryTutorStore };

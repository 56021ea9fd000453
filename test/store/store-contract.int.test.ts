import { PrismaChallengeStore } from '../../src/store/prisma/prisma-challenge-store';
import { PrismaEventLedger } from '../../src/store/prisma/prisma-event-ledger';
import { PrismaLearnerStore } from '../../src/store/prisma/prisma-learner-store';
import { PrismaTutorStore } from '../../src/store/prisma/prisma-tutor-store';
import { describeChallengeStoreContract } from './challenge-store-contract';
import { ownDatabase } from './own-database';
import { describeStoreContract } from './store-contract';

// A database of its own: prune() forgets every old event id, which must not touch other suites' rows.
const own = ownDatabase('contract_');

// The same contract runs against the in-memory stores in test/store/memory-stores.test.ts. The database
// runs on this machine, so its clock is the process's: time passes by waiting (a few hundred ms in all).
const prismaSubject = () => {
  const db = own.db();
  return {
    learners: new PrismaLearnerStore(db),
    ledger: new PrismaEventLedger(db),
    tutor: new PrismaTutorStore(db),
    challenges: new PrismaChallengeStore(db),
    now: () => new Date(),
    passTime: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
  };
};
describeStoreContract('Prisma (real Postgres)', prismaSubject);
describeChallengeStoreContract('Prisma (real Postgres)', prismaSubject);

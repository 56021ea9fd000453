import { PrismaClassStore } from '../../../src/store/prisma/prisma-class-store';
import { PrismaLearnerStore } from '../../../src/store/prisma/prisma-learner-store';
import { PrismaTutorStore } from '../../../src/store/prisma/prisma-tutor-store';
import { describeClassStoreContract } from '../class-store-contract';
import { ownDatabase } from '../own-database';

// A database of its own: the counts are over every workspace.
const own = ownDatabase('class_');

describeClassStoreContract('Prisma (real Postgres)', () => {
  const db = own.db();
  return { learners: new PrismaLearnerStore(db), tutor: new PrismaTutorStore(db), class: new PrismaClassStore(db), now: () => new Date(), passTime: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)) };
});

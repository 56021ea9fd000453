import { POOL_SIZE } from '../../../src/store/prisma/prisma-client';
import { PrismaLearnerStore } from '../../../src/store/prisma/prisma-learner-store';
import { PrismaTutorStore } from '../../../src/store/prisma/prisma-tutor-store';
import { ownDatabase } from '../own-database';

// A class opening lesson 1 in the same second on a busy machine holds every pooled connection for seconds: a
// lesson start must queue for one, not fail with "Unable to start a transaction in the given time" (Prisma's
// default 2 s wait), which left learners without their lesson card.
const own = ownDatabase('burst_');

it('a lesson start waits for a connection while the whole pool is busy for 3 s, and succeeds', async () => {
  const db = own.db();
  const { learner } = await new PrismaLearnerStore(db).ensureLearner('T1', 'UBURST');
  // Prisma's queries run once awaited: Promise.all starts them all now
  const busy = Promise.all(Array.from({ length: POOL_SIZE }, () => db.$executeRaw`SELECT pg_sleep(3)`));
  // the sleeps have taken every connection before the start asks for one
  await new Promise((r) => setTimeout(r, 300));
  await expect(new PrismaTutorStore(db).startLesson(learner.id, 'basics', 'one')).resolves.toEqual({ stepId: 'one', resumed: false });
  await busy;
});

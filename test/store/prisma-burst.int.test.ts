import pg from 'pg';
import { applyMigrations } from '../../src/store/migrate';
import { createPrismaClient, POOL_SIZE, type Db } from '../../src/store/prisma-client';
import { PrismaLearnerStore } from '../../src/store/prisma-learner-store';
import { PrismaTutorStore } from '../../src/store/prisma-tutor-store';
import { uniqueId } from '../support/start-test-bot';

// A class opening lesson 1 in the same second on a busy machine holds every pooled connection for seconds: a
// lesson start must queue for one, not fail with "Unable to start a transaction in the given time" (Prisma's
// default 2 s wait), which left learners without their lesson card.
let db: Db;
let admin: pg.Client;
const dbName = uniqueId('burst_').toLowerCase();
beforeAll(async () => {
  admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  const url = new URL(process.env.DATABASE_URL!);
  url.pathname = `/${dbName}`;
  await applyMigrations(url.toString());
  db = createPrismaClient(url.toString());
});
afterAll(async () => {
  await db?.$disconnect();
  await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await admin.end();
});

it('a lesson start waits for a connection while the whole pool is busy for 3 s, and succeeds', async () => {
  const { learner } = await new PrismaLearnerStore(db).ensureLearner('T1', 'UBURST');
  // Prisma's queries run once awaited: Promise.all starts them all now
  const busy = Promise.all(Array.from({ length: POOL_SIZE }, () => db.$executeRaw`SELECT pg_sleep(3)`));
  // the sleeps have taken every connection before the start asks for one
  await new Promise((r) => setTimeout(r, 300));
  await expect(new PrismaTutorStore(db).startLesson(learner.id, 'basics', 'one')).resolves.toEqual({ stepId: 'one', resumed: false });
  await busy;
});

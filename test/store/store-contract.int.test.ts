import pg from 'pg';
import { applyMigrations } from '../../src/store/migrate';
import { PrismaChallengeStore } from '../../src/store/prisma-challenge-store';
import { createPrismaClient, type Db } from '../../src/store/prisma-client';
import { PrismaEventLedger } from '../../src/store/prisma-event-ledger';
import { PrismaLearnerStore } from '../../src/store/prisma-learner-store';
import { PrismaTutorStore } from '../../src/store/prisma-tutor-store';
import { uniqueId } from '../support/start-test-bot';
import { describeChallengeStoreContract } from './challenge-store-contract';
import { describeStoreContract } from './store-contract';

// A database of its own: prune() forgets every old event id, which must not touch other suites' rows.
let db: Db;
let admin: pg.Client;
const dbName = uniqueId('contract_').toLowerCase();
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

// The same contract runs against the in-memory stores in test/store/memory-stores.test.ts. The database
// runs on this machine, so its clock is the process's: time passes by waiting (a few hundred ms in all).
const prismaSubject = () => ({
  learners: new PrismaLearnerStore(db),
  ledger: new PrismaEventLedger(db),
  tutor: new PrismaTutorStore(db),
  challenges: new PrismaChallengeStore(db),
  now: () => new Date(),
  passTime: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
});
describeStoreContract('Prisma (real Postgres)', prismaSubject);
describeChallengeStoreContract('Prisma (real Postgres)', prismaSubject);

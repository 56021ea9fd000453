import pg from 'pg';
import { applyMigrations } from '../../src/store/migrate';
import { createPrismaClient, type Db } from '../../src/store/prisma-client';
import { PrismaEventLedger } from '../../src/store/prisma-event-ledger';
import { PrismaLearnerStore } from '../../src/store/prisma-learner-store';
import type { EventLedger, LearnerStore } from '../../src/store/types';
import { uniqueId } from '../support/start-test-bot';

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

// The contract of the LearnerStore and EventLedger interfaces; an in-memory fake, if one is ever added, must pass it too.
const implementations: [string, () => { learners: LearnerStore; ledger: EventLedger }][] = [
  ['Prisma (real Postgres)', () => ({ learners: new PrismaLearnerStore(db), ledger: new PrismaEventLedger(db) })],
];

describe.each(implementations)('store contract: %s', (_name, make) => {
  it('creates a learner once and finds it afterwards', async () => {
    const { learners } = make();
    const team = uniqueId('T');
    const first = await learners.ensureLearner(team, 'U1', 'Ada');
    const again = await learners.ensureLearner(team, 'U1');
    expect(first.created).toBe(true);
    expect(again.created).toBe(false);
    expect(again.learner.id).toBe(first.learner.id);
    expect((await learners.find(team, 'U1'))?.displayName).toBe('Ada');
    expect(await learners.find(team, 'U2')).toBeNull();
  });

  it('keeps learners of different teams apart', async () => {
    const { learners } = make();
    const a = await learners.ensureLearner(uniqueId('T'), 'U1');
    const b = await learners.ensureLearner(uniqueId('T'), 'U1');
    expect(a.learner.id).not.toBe(b.learner.id);
  });

  it('creates exactly one learner when first messages race', async () => {
    const { learners } = make();
    const team = uniqueId('T');
    const results = await Promise.all([1, 2, 3, 4].map(() => learners.ensureLearner(team, 'U9')));
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.learner.id)).size).toBe(1);
  });

  it('claims an event id once, even under concurrent deliveries', async () => {
    const { ledger } = make();
    const id = uniqueId('Ev');
    const claims = await Promise.all([1, 2, 3].map(() => ledger.claim(id)));
    expect(claims.filter(Boolean)).toHaveLength(1);
    expect(await ledger.claim(id)).toBe(false);
  });

  it('forgets event ids older than the retention cut-off only', async () => {
    const { ledger } = make();
    const id = uniqueId('Ev');
    await ledger.claim(id);
    expect(await ledger.prune(new Date(Date.now() - 60_000))).toBe(0);
    expect(await ledger.claim(id)).toBe(false);
    expect(await ledger.prune(new Date(Date.now() + 1000))).toBeGreaterThanOrEqual(1);
    expect(await ledger.claim(id)).toBe(true);
  });
});

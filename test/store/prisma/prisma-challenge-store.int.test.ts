import { createPrismaClient, type Db } from '../../../src/store/prisma/prisma-client';
import { PrismaChallengeStore } from '../../../src/store/prisma/prisma-challenge-store';
import { PrismaLearnerStore } from '../../../src/store/prisma/prisma-learner-store';
import { uniqueId } from '../../support/start-test-bot';

let db: Db;
let store: PrismaChallengeStore;
let learners: PrismaLearnerStore;
beforeAll(() => {
  db = createPrismaClient(process.env.DATABASE_URL!);
  store = new PrismaChallengeStore(db);
  learners = new PrismaLearnerStore(db);
});
afterAll(() => db.$disconnect());

async function challenge(durationMs = 60_000) {
  return store.create({ teamId: uniqueId('T'), channelId: uniqueId('C'), exerciseId: 'nginx-on-8080', createdBy: 'UADMIN', durationMs, hintPenaltySeconds: 60 });
}

describe('challenge store (real Postgres)', () => {
  it('sets the deadline from the database clock', async () => {
    const c = await challenge(90_000);
    expect(c.endsAt.getTime() - c.startedAt.getTime()).toBe(90_000);
    expect(Math.abs(c.startedAt.getTime() - Date.now())).toBeLessThan(5_000);
  });

  it('allows one running challenge per channel, enforced by the database', async () => {
    const c = await challenge();
    await expect(store.create({ teamId: c.teamId, channelId: c.channelId, exerciseId: 'x', createdBy: 'U', durationMs: 60_000, hintPenaltySeconds: 0 })).rejects.toMatchObject({ code: 'CHALLENGE_CHANNEL_BUSY' });
    await store.end(c.id);
    await expect(store.create({ teamId: c.teamId, channelId: c.channelId, exerciseId: 'x', createdBy: 'U', durationMs: 60_000, hintPenaltySeconds: 0 })).resolves.toBeTruthy();
  });

  it('counts a solve exactly at the deadline and refuses one a millisecond later', async () => {
    const c = await challenge();
    const a = (await learners.ensureLearner(c.teamId, 'UA')).learner;
    const b = (await learners.ensureLearner(c.teamId, 'UB')).learner;
    const ea = await store.accept(c.id, a.id);
    const eb = await store.accept(c.id, b.id);
    if (ea.kind !== 'accepted' || eb.kind !== 'accepted') throw new Error('accept failed');
    expect(await store.recordSolve(ea.entry.id, c.endsAt)).toEqual({ solved: true, first: true });
    expect(await store.recordSolve(eb.entry.id, new Date(c.endsAt.getTime() + 1))).toEqual({ solved: false, first: false });
    // Solving twice does not move the recorded time.
    expect(await store.recordSolve(ea.entry.id, new Date(c.endsAt.getTime() - 1000))).toEqual({ solved: false, first: false });
    const rows = await store.entries(c.id);
    expect(rows.find((r) => r.id === ea.entry.id)!.solvedAt!.getTime()).toBe(c.endsAt.getTime());
    expect(rows.find((r) => r.id === eb.entry.id)!.solvedAt).toBeNull();
  });

  it('ends once, never later than the deadline, and refuses entries afterwards', async () => {
    const c = await challenge(10_000);
    const ended = await store.end(c.id);
    expect(ended!.endedAt!.getTime()).toBeLessThanOrEqual(c.endsAt.getTime());
    expect(await store.end(c.id)).toBeNull();
    const l = (await learners.ensureLearner(c.teamId, 'UC')).learner;
    expect(await store.accept(c.id, l.id)).toEqual({ kind: 'ended' });
  });

  it('keeps a learner in one running challenge at a time, and accepting twice is harmless', async () => {
    const c1 = await challenge();
    const c2 = await store.create({ teamId: c1.teamId, channelId: uniqueId('C'), exerciseId: 'nginx-on-8080', createdBy: 'U', durationMs: 60_000, hintPenaltySeconds: 0 });
    const l = (await learners.ensureLearner(c1.teamId, 'UD')).learner;
    expect((await store.accept(c1.id, l.id)).kind).toBe('accepted');
    expect((await store.accept(c1.id, l.id)).kind).toBe('already');
    const other = await store.accept(c2.id, l.id);
    expect(other).toMatchObject({ kind: 'busy-elsewhere', other: { id: c1.id } });
    expect(await store.entries(c1.id)).toHaveLength(1);
  });
});

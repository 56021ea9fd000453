import { randomBytes } from 'node:crypto';
import type { StoreContractSubject } from './store-contract';

const uniqueId = (prefix: string) => `${prefix}${randomBytes(5).toString('hex').toUpperCase()}`;

/**
 * The ChallengeStore behaviour issue 11 and 12 added: times passed in by a challenge clock, readiness,
 * disqualification, results message, roll-back of a challenge that never started, and the questions the
 * disqualify command and the hidden solutions ask. Run against Prisma (real PostgreSQL) and the memory store.
 */
export function describeChallengeStoreContract(name: string, make: () => StoreContractSubject | Promise<StoreContractSubject>): void {
  let s: StoreContractSubject;
  let team: string;
  const learner = async (userId: string, teamId = team) => (await s.learners.ensureLearner(teamId, userId)).learner;
  // Whole seconds in the past: representable exactly in a timestamp(3) column, and before the store's own clock.
  const t0 = new Date(Math.floor(Date.now() / 1000) * 1000 - 3_600_000);
  const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);
  const create = (over: { channelId?: string; exerciseId?: string; teamId?: string } = {}, when?: Date) =>
    s.challenges.create({ teamId: over.teamId ?? team, channelId: over.channelId ?? uniqueId('C'), exerciseId: over.exerciseId ?? 'nginx-on-8080', createdBy: 'UADMIN', durationMs: 600_000, hintPenaltySeconds: 30, minSolveSeconds: 5 }, when);
  const accepted = async (challengeId: string, userId: string, when?: Date) => {
    const out = await s.challenges.accept(challengeId, (await learner(userId)).id, when);
    if (out.kind !== 'accepted') throw new Error(`accept: ${out.kind}`);
    return out.entry;
  };

  describe(`challenge store contract (integrity): ${name}`, () => {
    beforeEach(async () => {
      s = await make();
      team = uniqueId('T');
    });

    it('takes every time from the caller when it passes one: start, deadline, accept, ready, solve, end', async () => {
      const c = await create({}, at(0));
      expect(c).toMatchObject({ startedAt: at(0), endsAt: at(600), minSolveSeconds: 5, resultsTs: null });
      const e = await accepted(c.id, 'UA', at(10));
      expect(e).toMatchObject({ acceptedAt: at(10), readyAt: null, disqualifiedAt: null, disqualifiedBy: null });
      expect(await s.challenges.markReady(e.id, at(18))).toBe(true);
      expect(await s.challenges.recordSolve(e.id, at(50))).toEqual({ solved: true, first: true });
      const late = await s.challenges.accept(c.id, (await learner('ULATE')).id, at(601));
      expect(late).toEqual({ kind: 'ended' });
      expect((await s.challenges.end(c.id, at(120)))!.endedAt).toEqual(at(120));
      expect((await s.challenges.entries(c.id))[0]).toMatchObject({ acceptedAt: at(10), readyAt: at(18), solvedAt: at(50) });
    });

    it('marks an entry ready once, never before its acceptance and never after its solve', async () => {
      const c = await create({}, at(0));
      const a = await accepted(c.id, 'UA', at(10));
      expect(await s.challenges.markReady(a.id, at(5))).toBe(true);
      expect(await s.challenges.markReady(a.id, at(30))).toBe(false);
      const b = await accepted(c.id, 'UB', at(10));
      await s.challenges.recordSolve(b.id, at(20));
      expect(await s.challenges.markReady(b.id, at(25))).toBe(false);
      const rows = await s.challenges.entries(c.id);
      expect(rows.find((r) => r.id === a.id)!.readyAt).toEqual(at(10));
      expect(rows.find((r) => r.id === b.id)!.readyAt).toBeNull();
    });

    it('disqualifies an entry once, recording who did it', async () => {
      const c = await create();
      const e = await accepted(c.id, 'UA');
      expect(await s.challenges.disqualify(e.id, 'UADMIN', at(70))).toBe(true);
      expect(await s.challenges.disqualify(e.id, 'UOTHER')).toBe(false);
      expect((await s.challenges.entries(c.id))[0]).toMatchObject({ disqualifiedAt: at(70), disqualifiedBy: 'UADMIN' });
      expect(await s.challenges.disqualify('00000000-0000-4000-8000-000000000000', 'UADMIN')).toBe(false);
    });

    it('remembers the results message', async () => {
      const c = await create();
      await s.challenges.setResultsMessage(c.id, '222.000003');
      expect((await s.challenges.get(c.id))!.resultsTs).toBe('222.000003');
    });

    it('discards a challenge nobody could join (the channel is free again), but never one with entries', async () => {
      const lonely = await create();
      await s.challenges.discard(lonely.id);
      expect(await s.challenges.get(lonely.id)).toBeNull();
      await expect(create({ channelId: lonely.channelId })).resolves.toMatchObject({ channelId: lonely.channelId });
      const joined = await create();
      await accepted(joined.id, 'UA');
      await s.challenges.discard(joined.id);
      expect(await s.challenges.get(joined.id)).not.toBeNull();
    });

    it("finds a channel's running challenge, else its latest", async () => {
      const channelId = uniqueId('C');
      expect(await s.challenges.latestInChannel(team, channelId)).toBeNull();
      const first = await create({ channelId }, at(0));
      await s.challenges.end(first.id, at(60));
      const second = await create({ channelId }, at(100));
      await s.challenges.end(second.id, at(160));
      expect((await s.challenges.latestInChannel(team, channelId))!.id).toBe(second.id);
      const running = await create({ channelId }, at(50));
      expect((await s.challenges.latestInChannel(team, channelId))!.id).toBe(running.id);
      expect(await s.challenges.latestInChannel(uniqueId('T'), channelId)).toBeNull();
    });

    it("tells whether a challenge on an exercise runs in the learner's workspace", async () => {
      const me = await learner('UME');
      const other = await learner('UOTHER', uniqueId('T'));
      const c = await create({ exerciseId: 'serve-your-page' });
      expect(await s.challenges.exerciseRunning(me.id, 'serve-your-page')).toBe(true);
      expect(await s.challenges.exerciseRunning(me.id, 'nginx-on-8080')).toBe(false);
      expect(await s.challenges.exerciseRunning(other.id, 'serve-your-page')).toBe(false);
      await s.challenges.end(c.id);
      expect(await s.challenges.exerciseRunning(me.id, 'serve-your-page')).toBe(false);
    });
  });
}

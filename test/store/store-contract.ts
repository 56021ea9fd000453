import { randomBytes } from 'node:crypto';
import type { ChallengeStore, EventLedger, LearnerStore, TutorStore } from '../../src/store/types';

/** One implementation of every store interface of src/store/types.ts, sharing their learners. */
export interface StoreContractSubject {
  learners: LearnerStore;
  ledger: EventLedger;
  tutor: TutorStore;
  challenges: ChallengeStore;
  /** The stores' clock: the database's for Prisma, the injected one for a fake. */
  now(): Date;
  /** Lets `ms` pass on that clock: a short real wait for Prisma, a step of the injected clock for a fake. */
  passTime(ms: number): Promise<void>;
}

const uniqueId = (prefix: string) => `${prefix}${randomBytes(5).toString('hex').toUpperCase()}`;

/**
 * The behaviour every store implementation must have. Each test works in a workspace (team id) of its
 * own, so implementations backed by a shared database need no clean-up between tests.
 * Run by test/store/store-contract.int.test.ts (Prisma, real PostgreSQL) and test/store/memory-stores.test.ts.
 */
export function describeStoreContract(name: string, make: () => StoreContractSubject | Promise<StoreContractSubject>): void {
  let s: StoreContractSubject;
  let team: string;
  const learner = async (userId = uniqueId('U'), teamId = team) => (await s.learners.ensureLearner(teamId, userId)).learner;

  describe(`store contract: ${name}`, () => {
    beforeEach(async () => {
      s = await make();
      team = uniqueId('T');
    });

    describe('LearnerStore', () => {
      it('creates a learner once and finds it afterwards', async () => {
        const first = await s.learners.ensureLearner(team, 'U1', 'Ada');
        const again = await s.learners.ensureLearner(team, 'U1');
        expect(first.created).toBe(true);
        expect(again.created).toBe(false);
        expect(again.learner.id).toBe(first.learner.id);
        expect(first.learner).toMatchObject({ teamId: team, userId: 'U1', displayName: 'Ada' });
        expect((await s.learners.find(team, 'U1'))?.displayName).toBe('Ada');
        expect(await s.learners.find(team, 'U2')).toBeNull();
      });

      it('adds a learner with their DM channel in one call, and a second add finds the first', async () => {
        const first = await s.learners.addLearner(team, 'U9', 'D9');
        const again = await s.learners.addLearner(team, 'U9', 'DOTHER');
        expect(first.created).toBe(true);
        expect(again).toMatchObject({ created: false, learner: { id: first.learner.id } });
        expect(await s.tutor.dmChannelOf(team, 'U9')).toBe('D9');
        await s.learners.setDisplayName(team, 'U9', 'Grace');
        expect((await s.learners.find(team, 'U9'))?.displayName).toBe('Grace');
        await s.learners.setDisplayName(team, 'UNOBODY', 'Nobody');
        expect(await s.learners.find(team, 'UNOBODY')).toBeNull();
      });

      it('records when a learner was first seen, and a later name replaces the stored one', async () => {
        const before = s.now().getTime();
        const { learner: l } = await s.learners.ensureLearner(team, 'U1', 'Ada');
        expect(Math.abs(l.firstSeenAt.getTime() - before)).toBeLessThan(5000);
        const renamed = await s.learners.ensureLearner(team, 'U1', 'Ada L.');
        expect(renamed.learner.displayName).toBe('Ada L.');
        expect((await s.learners.find(team, 'U1'))?.displayName).toBe('Ada L.');
        expect((await s.learners.find(team, 'U1'))?.firstSeenAt.getTime()).toBe(l.firstSeenAt.getTime());
      });

      it('keeps learners of different teams apart', async () => {
        const a = await s.learners.ensureLearner(uniqueId('T'), 'U1');
        const b = await s.learners.ensureLearner(uniqueId('T'), 'U1');
        expect(a.learner.id).not.toBe(b.learner.id);
      });

      it('creates exactly one learner when first messages race', async () => {
        const results = await Promise.all([1, 2, 3, 4].map(() => s.learners.ensureLearner(team, 'U9')));
        expect(results.filter((r) => r.created)).toHaveLength(1);
        expect(new Set(results.map((r) => r.learner.id)).size).toBe(1);
      });
    });

    describe('EventLedger', () => {
      it('claims an event id once, even under concurrent deliveries', async () => {
        const id = uniqueId('Ev');
        const claims = await Promise.all([1, 2, 3].map(() => s.ledger.claim(id)));
        expect(claims.filter(Boolean)).toHaveLength(1);
        expect(await s.ledger.claim(id)).toBe(false);
        expect(await s.ledger.claim(uniqueId('Ev'))).toBe(true);
      });

      it('forgets event ids older than the retention cut-off only', async () => {
        const id = uniqueId('Ev');
        await s.ledger.claim(id);
        expect(await s.ledger.prune(new Date(s.now().getTime() - 60_000))).toBe(0);
        expect(await s.ledger.claim(id)).toBe(false);
        await s.passTime(20);
        expect(await s.ledger.prune(new Date(s.now().getTime() + 1000))).toBeGreaterThanOrEqual(1);
        expect(await s.ledger.claim(id)).toBe(true);
      });
    });

    describe('TutorStore', () => {
      it('remembers a learner\'s DM channel by team and user', async () => {
        const l = await learner('UDM');
        expect(await s.tutor.dmChannelOf(team, 'UDM')).toBeNull();
        await s.tutor.setDmChannel(l.id, 'D0DM');
        expect(await s.tutor.dmChannelOf(team, 'UDM')).toBe('D0DM');
        expect(await s.tutor.dmChannelOf(uniqueId('T'), 'UDM')).toBeNull();
        expect(await s.tutor.dmChannelOf(team, 'UNOBODY')).toBeNull();
      });

      it('starts a lesson at its first step and makes it the active one', async () => {
        const l = await learner();
        expect(await s.tutor.activeLesson(l.id)).toBeNull();
        expect(await s.tutor.startLesson(l.id, 'first-container', 'run')).toEqual({ stepId: 'run', resumed: false });
        const active = await s.tutor.activeLesson(l.id);
        expect(active).toMatchObject({ lessonId: 'first-container', stepId: 'run' });
        expect(Math.abs(active!.stepStartedAt.getTime() - s.now().getTime())).toBeLessThan(5000);
        expect(await s.tutor.summaries(l.id)).toEqual([
          expect.objectContaining({ lessonId: 'first-container', currentStepId: 'run', completedAt: null, stepsCompleted: 0, attempts: 0, hintsUsed: 0, timeSpentMs: 0 }),
        ]);
      });

      it('resumes an unfinished lesson where the learner was, unless asked to restart it', async () => {
        const l = await learner();
        await s.tutor.startLesson(l.id, 'basics', 'one');
        await s.tutor.recordAttempt(l.id, 'basics', 'one');
        await s.tutor.completeStep(l.id, 'basics', 'one', 'two', { skipped: false });
        expect(await s.tutor.startLesson(l.id, 'basics', 'one')).toEqual({ stepId: 'two', resumed: true });
        expect((await s.tutor.summaries(l.id))[0]).toMatchObject({ stepsCompleted: 1, attempts: 1 });

        expect(await s.tutor.startLesson(l.id, 'basics', 'one', { restart: true })).toEqual({ stepId: 'one', resumed: false });
        expect(await s.tutor.activeLesson(l.id)).toMatchObject({ lessonId: 'basics', stepId: 'one' });
        // A restart forgets the earlier run's steps.
        expect((await s.tutor.summaries(l.id))[0]).toMatchObject({ currentStepId: 'one', stepsCompleted: 0, attempts: 0 });
      });

      it('counts checks and hints per step, and sums them per lesson', async () => {
        const l = await learner();
        await s.tutor.startLesson(l.id, 'basics', 'one');
        expect(await s.tutor.recordAttempt(l.id, 'basics', 'one')).toBe(1);
        expect(await s.tutor.recordAttempt(l.id, 'basics', 'one')).toBe(2);
        expect(await s.tutor.recordHint(l.id, 'basics', 'one')).toBe(1);
        expect(await s.tutor.recordHint(l.id, 'basics', 'one')).toBe(2);
        // Another step counts from scratch (its row is created on first use).
        expect(await s.tutor.recordHint(l.id, 'basics', 'two')).toBe(1);
        await s.tutor.recordSolutionShown(l.id, 'basics', 'one');
        expect((await s.tutor.summaries(l.id))[0]).toMatchObject({ attempts: 2, hintsUsed: 3 });
      });

      it('moves to the next step once, even when the completion is delivered twice', async () => {
        const l = await learner();
        await s.tutor.startLesson(l.id, 'basics', 'one');
        await s.tutor.completeStep(l.id, 'basics', 'one', 'two', { skipped: false });
        await s.tutor.completeStep(l.id, 'basics', 'two', 'three', { skipped: true });
        // A late duplicate of the first completion (a retried click).
        await s.tutor.completeStep(l.id, 'basics', 'one', 'two', { skipped: false });
        expect(await s.tutor.activeLesson(l.id)).toMatchObject({ stepId: 'three' });
        expect((await s.tutor.summaries(l.id))[0]).toMatchObject({ currentStepId: 'three', stepsCompleted: 2, completedAt: null });
      });

      it('completes the lesson after its last step: no active lesson, and starting it again begins afresh', async () => {
        const l = await learner();
        await s.tutor.startLesson(l.id, 'basics', 'one');
        await s.tutor.completeStep(l.id, 'basics', 'one', null, { skipped: false });
        expect(await s.tutor.activeLesson(l.id)).toBeNull();
        const [summary] = await s.tutor.summaries(l.id);
        expect(summary).toMatchObject({ lessonId: 'basics', currentStepId: null, stepsCompleted: 1 });
        expect(summary!.completedAt).toBeInstanceOf(Date);
        expect(await s.tutor.startLesson(l.id, 'basics', 'one')).toEqual({ stepId: 'one', resumed: false });
        expect((await s.tutor.summaries(l.id))[0]).toMatchObject({ completedAt: null, stepsCompleted: 0 });
      });

      it('pauses a lesson without losing its progress', async () => {
        const l = await learner();
        await s.tutor.startLesson(l.id, 'basics', 'one');
        await s.tutor.completeStep(l.id, 'basics', 'one', 'two', { skipped: false });
        await s.tutor.stopLesson(l.id);
        expect(await s.tutor.activeLesson(l.id)).toBeNull();
        expect((await s.tutor.summaries(l.id))[0]).toMatchObject({ currentStepId: 'two', stepsCompleted: 1 });
        expect(await s.tutor.startLesson(l.id, 'basics', 'one')).toEqual({ stepId: 'two', resumed: true });
      });

      it('times each step from its start to its completion', async () => {
        const l = await learner();
        await s.tutor.startLesson(l.id, 'basics', 'one');
        await s.passTime(120);
        const secondStarted = s.now().getTime();
        await s.tutor.completeStep(l.id, 'basics', 'one', 'two', { skipped: false });
        const active = await s.tutor.activeLesson(l.id);
        expect(active!.stepStartedAt.getTime()).toBeGreaterThanOrEqual(secondStarted - 5);
        const spent = (await s.tutor.summaries(l.id))[0]!.timeSpentMs;
        // At least the time that passed (less a rounding millisecond or two of timestamp(3) columns).
        expect(spent).toBeGreaterThanOrEqual(115);
        expect(spent).toBeLessThan(5000);
      });

      it('lists lessons in the order they were started, each with its own steps', async () => {
        const l = await learner();
        await s.tutor.startLesson(l.id, 'first', 'a');
        await s.passTime(10);
        await s.tutor.startLesson(l.id, 'second', 'x');
        await s.tutor.recordHint(l.id, 'second', 'x');
        expect((await s.tutor.summaries(l.id)).map((x) => [x.lessonId, x.hintsUsed])).toEqual([
          ['first', 0],
          ['second', 1],
        ]);
        expect(await s.tutor.activeLesson(l.id)).toMatchObject({ lessonId: 'second' });
        const other = await learner();
        expect(await s.tutor.summaries(other.id)).toEqual([]);
      });

      it('hands unfinished command runs of a workspace to the next start, once', async () => {
        const a = await learner('UA');
        const b = await learner('UB');
        const elsewhere = await learner('UA', uniqueId('T'));
        const done = await s.tutor.startCommand({ learnerId: a.id, command: 'docker ps', channel: 'DA' });
        await s.tutor.finishCommand(done, { exitCode: 0, durationMs: 12, outputBytes: 40, truncated: false, timedOut: false, interrupted: false });
        const cut = await s.tutor.startCommand({ learnerId: a.id, command: 'sleep 100', channel: 'DA' });
        const noChannel = await s.tutor.startCommand({ learnerId: b.id, command: 'top' });
        await s.tutor.startCommand({ learnerId: elsewhere.id, command: 'other team' });

        const runs = await s.tutor.takeInterruptedRuns(team);
        expect(runs.sort((x, y) => x.command.localeCompare(y.command))).toEqual([
          { id: cut, command: 'sleep 100', channel: 'DA', teamId: team, userId: 'UA' },
          { id: noChannel, command: 'top', channel: null, teamId: team, userId: 'UB' },
        ]);
        expect(await s.tutor.takeInterruptedRuns(team)).toEqual([]);
      });

      it('tracks sandbox containers until they are removed or crash', async () => {
        await learner('US');
        const c1 = uniqueId('c');
        const c2 = uniqueId('c');
        expect(await s.tutor.knownSandbox(c1)).toBe(false);
        await s.tutor.recordSandbox(team, 'US', c1, 'creating');
        await s.tutor.recordSandbox(team, 'US', c1, 'ready');
        expect(await s.tutor.knownSandbox(c1)).toBe(true);
        await s.tutor.recordSandbox(team, 'US', c1, 'removed');
        expect(await s.tutor.knownSandbox(c1)).toBe(false);
        await s.tutor.recordSandbox(team, 'US', c2, 'ready');
        await s.tutor.recordSandbox(team, 'US', c2, 'crashed');
        expect(await s.tutor.knownSandbox(c2)).toBe(false);
        // A container of an unknown learner is not recorded.
        const c3 = uniqueId('c');
        await s.tutor.recordSandbox(team, 'UNOBODY', c3, 'ready');
        expect(await s.tutor.knownSandbox(c3)).toBe(false);
      });

      it("adopts by the container's labels: a known learner's container with no record yet is theirs; a removed, crashed or other learner's one is not", async () => {
        await learner('UO');
        await learner('UP');
        const fresh = uniqueId('c');
        // the record was still being written when the bot stopped: no row, the labels decide
        expect(await s.tutor.ownsSandbox(team, 'UO', fresh)).toBe(true);
        await s.tutor.recordSandbox(team, 'UO', fresh, 'ready');
        expect(await s.tutor.ownsSandbox(team, 'UO', fresh)).toBe(true);
        expect(await s.tutor.ownsSandbox(team, 'UP', fresh)).toBe(false);
        await s.tutor.recordSandbox(team, 'UO', fresh, 'removed');
        expect(await s.tutor.ownsSandbox(team, 'UO', fresh)).toBe(false);
        const crashed = uniqueId('c');
        await s.tutor.recordSandbox(team, 'UO', crashed, 'crashed');
        expect(await s.tutor.ownsSandbox(team, 'UO', crashed)).toBe(false);
        // a learner the store does not know (deleted, or another database): never adopted
        expect(await s.tutor.ownsSandbox(team, uniqueId('UGONE'), uniqueId('c'))).toBe(false);
      });
    });

    describe('ChallengeStore', () => {
      const create = (over: Partial<{ channelId: string; durationMs: number; hintPenaltySeconds: number }> = {}) =>
        s.challenges.create({ teamId: team, channelId: over.channelId ?? uniqueId('C'), exerciseId: 'nginx-on-8080', createdBy: 'UADMIN', durationMs: over.durationMs ?? 60_000, hintPenaltySeconds: over.hintPenaltySeconds ?? 60 });
      const accepted = async (challengeId: string, userId: string) => {
        const out = await s.challenges.accept(challengeId, (await learner(userId)).id);
        if (out.kind !== 'accepted') throw new Error(`accept: ${out.kind}`);
        return out.entry;
      };

      it('sets the deadline from the store clock', async () => {
        const c = await create({ durationMs: 90_000, hintPenaltySeconds: 30 });
        expect(c.endsAt.getTime() - c.startedAt.getTime()).toBe(90_000);
        expect(Math.abs(c.startedAt.getTime() - s.now().getTime())).toBeLessThan(5000);
        expect(c).toMatchObject({ teamId: team, exerciseId: 'nginx-on-8080', createdBy: 'UADMIN', endedAt: null, cardTs: null, leaderboardTs: null, hintPenaltySeconds: 30 });
        expect(await s.challenges.get(c.id)).toEqual(c);
      });

      it('allows one running challenge per channel', async () => {
        const c = await create();
        await expect(create({ channelId: c.channelId })).rejects.toMatchObject({ code: 'CHALLENGE_CHANNEL_BUSY' });
        await expect(create()).resolves.toBeTruthy();
        await s.challenges.end(c.id);
        await expect(create({ channelId: c.channelId })).resolves.toMatchObject({ channelId: c.channelId, endedAt: null });
      });

      it('finds running challenges by channel and by workspace, soonest deadline first', async () => {
        const late = await create({ durationMs: 120_000 });
        const soon = await create({ durationMs: 30_000 });
        const ended = await create();
        await s.challenges.end(ended.id);
        expect((await s.challenges.running(team)).map((c) => c.id)).toEqual([soon.id, late.id]);
        expect((await s.challenges.runningInChannel(team, late.channelId))?.id).toBe(late.id);
        expect(await s.challenges.runningInChannel(team, ended.channelId)).toBeNull();
        expect(await s.challenges.runningInChannel(uniqueId('T'), late.channelId)).toBeNull();
        expect(await s.challenges.running(uniqueId('T'))).toEqual([]);
      });

      it('stores where the card and the leaderboard were posted', async () => {
        const c = await create();
        await s.challenges.setMessages(c.id, '111.000001', '111.000002');
        expect(await s.challenges.get(c.id)).toMatchObject({ cardTs: '111.000001', leaderboardTs: '111.000002' });
        expect(await s.challenges.get('00000000-0000-4000-8000-000000000000')).toBeNull();
      });

      it('counts a solve exactly at the deadline and refuses one a millisecond later', async () => {
        const c = await create();
        const ea = await accepted(c.id, 'UA');
        const eb = await accepted(c.id, 'UB');
        expect(await s.challenges.recordSolve(ea.id, c.endsAt)).toEqual({ solved: true, first: true });
        expect(await s.challenges.recordSolve(eb.id, new Date(c.endsAt.getTime() + 1))).toEqual({ solved: false, first: false });
        // Solving twice does not move the recorded time.
        expect(await s.challenges.recordSolve(ea.id, new Date(c.endsAt.getTime() - 1000))).toEqual({ solved: false, first: false });
        const rows = await s.challenges.entries(c.id);
        expect(rows.find((r) => r.id === ea.id)!.solvedAt!.getTime()).toBe(c.endsAt.getTime());
        expect(rows.find((r) => r.id === eb.id)!.solvedAt).toBeNull();
      });

      it('tells the first solver apart from later ones', async () => {
        const c = await create();
        const ea = await accepted(c.id, 'UA');
        const eb = await accepted(c.id, 'UB');
        expect(await s.challenges.recordSolve(eb.id)).toEqual({ solved: true, first: true });
        expect(await s.challenges.recordSolve(ea.id)).toEqual({ solved: true, first: false });
      });

      it('ends once, never later than the deadline, and refuses entries afterwards', async () => {
        const c = await create({ durationMs: 10_000 });
        const ended = await s.challenges.end(c.id);
        expect(ended!.id).toBe(c.id);
        expect(ended!.endedAt!.getTime()).toBeLessThanOrEqual(c.endsAt.getTime());
        expect(ended!.endedAt!.getTime()).toBeGreaterThanOrEqual(c.startedAt.getTime());
        expect(await s.challenges.end(c.id)).toBeNull();
        expect(await s.challenges.accept(c.id, (await learner('UC')).id)).toEqual({ kind: 'ended' });
      });

      it('refuses a solve after an early end, and counts one from before it', async () => {
        const c = await create();
        const ea = await accepted(c.id, 'UA');
        const eb = await accepted(c.id, 'UB');
        const ended = (await s.challenges.end(c.id))!;
        expect(await s.challenges.recordSolve(ea.id, new Date(ended.endedAt!.getTime() + 1))).toEqual({ solved: false, first: false });
        expect(await s.challenges.recordSolve(eb.id, ended.endedAt!)).toEqual({ solved: true, first: true });
      });

      it('judges a deadline that passed by the store clock: late entries and solves are refused, and it ends at its deadline', async () => {
        const [a, late] = [await learner('UA'), await learner('ULATE')];
        const c = await create({ durationMs: 1000 });
        const ea = await s.challenges.accept(c.id, a.id);
        if (ea.kind !== 'accepted') throw new Error(`accept: ${ea.kind}`);
        await s.passTime(1200);
        expect(await s.challenges.accept(c.id, late.id)).toEqual({ kind: 'ended' });
        expect(await s.challenges.recordSolve(ea.entry.id)).toEqual({ solved: false, first: false });
        // Not ended yet: a deadline alone does not end it, end() does, recording the deadline.
        expect((await s.challenges.running(team)).map((x) => x.id)).toEqual([c.id]);
        expect((await s.challenges.end(c.id))!.endedAt!.getTime()).toBe(c.endsAt.getTime());
      });

      it('keeps a learner in one running challenge at a time, and accepting twice is harmless', async () => {
        const c1 = await create();
        const c2 = await create();
        const l = await learner('UD');
        const first = await s.challenges.accept(c1.id, l.id);
        expect(first).toMatchObject({ kind: 'accepted', entry: { challengeId: c1.id, learnerId: l.id, teamId: team, userId: 'UD', solvedAt: null, attempts: 0, hintsUsed: 0 } });
        expect(await s.challenges.accept(c1.id, l.id)).toMatchObject({ kind: 'already', entry: { id: first.kind === 'accepted' ? first.entry.id : '' } });
        expect(await s.challenges.accept(c2.id, l.id)).toMatchObject({ kind: 'busy-elsewhere', other: { id: c1.id } });
        expect(await s.challenges.entries(c1.id)).toHaveLength(1);
        // Once the first one ended, the learner is free for another.
        await s.challenges.end(c1.id);
        expect((await s.challenges.accept(c2.id, l.id)).kind).toBe('accepted');
      });

      it("counts an entry's checks and hints, and gives the learner's active entry while its challenge runs", async () => {
        const c = await create();
        const e = await accepted(c.id, 'UE');
        await s.challenges.recordAttempt(e.id);
        await s.challenges.recordAttempt(e.id);
        await s.challenges.recordHint(e.id);
        const active = await s.challenges.activeEntry(e.learnerId);
        expect(active?.challenge.id).toBe(c.id);
        expect(active?.entry).toMatchObject({ id: e.id, attempts: 2, hintsUsed: 1 });
        await s.challenges.end(c.id);
        expect(await s.challenges.activeEntry(e.learnerId)).toBeNull();
      });

      it('lists entries in order of acceptance, and a learner\'s results newest first', async () => {
        const c1 = await create();
        const a1 = await accepted(c1.id, 'UA');
        await s.passTime(5);
        const b1 = await accepted(c1.id, 'UB');
        expect((await s.challenges.entries(c1.id)).map((e) => e.userId)).toEqual(['UA', 'UB']);
        await s.challenges.end(c1.id);
        await s.passTime(5);
        const c2 = await create();
        const a2 = await accepted(c2.id, 'UA');
        const results = await s.challenges.resultsFor(a1.learnerId, 10);
        expect(results.map((r) => [r.entry.id, r.challenge.id])).toEqual([
          [a2.id, c2.id],
          [a1.id, c1.id],
        ]);
        expect((await s.challenges.resultsFor(a1.learnerId, 1)).map((r) => r.entry.id)).toEqual([a2.id]);
        expect((await s.challenges.resultsFor(b1.learnerId, 10)).map((r) => r.challenge.endedAt)).toEqual([expect.any(Date)]);
      });
    });
  });
}

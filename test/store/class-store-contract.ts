import type { ClassStore, LearnerStore, TutorStore } from '../../src/store';

export interface ClassStoreSubject {
  learners: LearnerStore;
  tutor: TutorStore;
  class: ClassStore;
  now(): Date;
  passTime(ms: number): Promise<void>;
}

let n = 0;
const team = () => `TCLASS${Date.now().toString(36).toUpperCase()}${++n}`;

/** What assignments and the class view rely on, run against the Prisma store and the in-memory fake. */
export function describeClassStoreContract(name: string, make: () => ClassStoreSubject): void {
  describe(`class store contract: ${name}`, () => {
    it('assigns once per person and lesson; a repeat changes nothing, a new due date clears the reminders sent', async () => {
      const s = make();
      const t = team();
      const due = new Date('2030-01-10T23:59:00Z');
      const first = await s.class.assign({ teamId: t, lessonId: 'l1', userId: 'U1', assignedBy: 'UA', dueAt: due });
      expect(first).toMatchObject({ created: true, dueChanged: true });
      expect(await s.class.assign({ teamId: t, lessonId: 'l1', userId: 'U1', assignedBy: 'UB', dueAt: new Date(due) })).toMatchObject({ created: false, dueChanged: false, record: { assignedBy: 'UB' } });
      expect(await s.class.claimReminder(first.record.id, 'before', s.now())).toBe(true);
      expect(await s.class.claimReminder(first.record.id, 'before', s.now())).toBe(false);
      const moved = await s.class.assign({ teamId: t, lessonId: 'l1', userId: 'U1', assignedBy: 'UA', dueAt: new Date('2030-01-12T23:59:00Z') });
      expect(moved).toMatchObject({ created: false, dueChanged: true, record: { remindedBeforeAt: null, remindedOnDayAt: null } });
      expect(await s.class.claimReminder(first.record.id, 'before', s.now())).toBe(true);
      expect(await s.class.assignmentsOf(t, 'U1')).toHaveLength(1);
    });

    it('stamps completion from the learner\'s progress once (a Redo does not reopen it); done ones get no reminder', async () => {
      const s = make();
      const t = team();
      const { record } = await s.class.assign({ teamId: t, lessonId: 'l2', userId: 'U2', assignedBy: 'UA', dueAt: new Date(s.now().getTime() + 3_600_000) });
      await s.class.assign({ teamId: t, lessonId: 'l3', userId: 'U2', assignedBy: 'UA', dueAt: null });
      const { learner } = await s.learners.ensureLearner(t, 'U2');
      await s.tutor.startLesson(learner.id, 'l2', 'a');
      expect((await s.class.openDueBefore(new Date(s.now().getTime() + 7_200_000))).map((a) => a.id)).toContain(record.id);
      await s.tutor.completeStep(learner.id, 'l2', 'a', null, { skipped: false });
      expect((await s.class.openDueBefore(new Date(s.now().getTime() + 7_200_000))).map((a) => a.id)).not.toContain(record.id);
      await s.tutor.startLesson(learner.id, 'l2', 'a', { restart: true });
      const mine = await s.class.assignmentsOf(t, 'U2');
      expect(mine.map((a) => [a.lessonId, a.completedAt !== null])).toEqual([
        ['l2', true],
        ['l3', false],
      ]);
      expect(await s.class.claimReminder(record.id, 'onDay', s.now())).toBe(false);
    });

    it("lists a team's learners inside a lesson with their current step's checks and hints", async () => {
      const s = make();
      const t = team();
      const { learner } = await s.learners.ensureLearner(t, 'U3');
      await s.learners.ensureLearner(t, 'U4'); // in no lesson: not listed
      await s.tutor.startLesson(learner.id, 'l1', 'a');
      await s.tutor.recordAttempt(learner.id, 'l1', 'a');
      await s.tutor.recordHint(learner.id, 'l1', 'a');
      await s.tutor.completeStep(learner.id, 'l1', 'a', 'b', { skipped: false });
      await s.tutor.recordHint(learner.id, 'l1', 'b');
      const rows = await s.class.classLearners(t, new Date(s.now().getTime() - 60_000));
      expect(rows).toEqual([expect.objectContaining({ userId: 'U3', lessonId: 'l1', stepId: 'b', attempts: 0, hintsUsed: 1 })]);
      expect(await s.class.classLearners(t, new Date(s.now().getTime() + 60_000))).toEqual([]);
      expect(await s.class.classLearners(team(), new Date(0))).toEqual([]);
    });
  });
}

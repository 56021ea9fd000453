import type { Db } from './prisma-client';
import type { AssignmentCounts, AssignmentRecord, ClassLearnerRow, ClassStore, ReminderKind } from '../class-types';

const sameTime = (a: Date | null, b: Date | null) => (a?.getTime() ?? null) === (b?.getTime() ?? null);

export class PrismaClassStore implements ClassStore {
  constructor(private readonly db: Db) {}

  async assign(a: { teamId: string; lessonId: string; userId: string; assignedBy: string; dueAt: Date | null }) {
    const key = { teamId_userId_lessonId: { teamId: a.teamId, userId: a.userId, lessonId: a.lessonId } };
    const existing = await this.db.assignment.findUnique({ where: key });
    if (!existing) {
      try {
        return { record: await this.db.assignment.create({ data: a }), created: true, dueChanged: true };
      } catch (err) {
        // Two admins at once: the other one created it; fall through to the update.
        if ((err as { code?: string }).code !== 'P2002') throw err;
      }
    }
    const before = existing ?? (await this.db.assignment.findUniqueOrThrow({ where: key }));
    const dueChanged = !sameTime(before.dueAt, a.dueAt);
    const record = await this.db.assignment.update({
      where: key,
      data: { assignedBy: a.assignedBy, dueAt: a.dueAt, ...(dueChanged ? { remindedBeforeAt: null, remindedOnDayAt: null } : {}) },
    });
    return { record, created: false, dueChanged };
  }

  async assignmentsOf(teamId: string, userId: string): Promise<AssignmentRecord[]> {
    await this.stampCompleted({ teamId, userId, completedAt: null });
    return this.db.assignment.findMany({ where: { teamId, userId }, orderBy: [{ dueAt: { sort: 'asc', nulls: 'last' } }, { createdAt: 'asc' }] });
  }

  async openDueBefore(dueBefore: Date): Promise<AssignmentRecord[]> {
    const where = { completedAt: null, dueAt: { not: null, lte: dueBefore } };
    await this.stampCompleted(where);
    return this.db.assignment.findMany({ where, orderBy: { dueAt: 'asc' } });
  }

  async claimReminder(id: string, kind: ReminderKind, at: Date): Promise<boolean> {
    const field = kind === 'before' ? 'remindedBeforeAt' : 'remindedOnDayAt';
    // A conditional update: of two processes (or a retry after a restart) only one sees a row change.
    const { count } = await this.db.assignment.updateMany({ where: { id, [field]: null, completedAt: null }, data: { [field]: at } });
    return count === 1;
  }

  async counts(now: Date): Promise<AssignmentCounts> {
    await this.stampCompleted({ completedAt: null });
    const [open, completed, overdue] = await Promise.all([
      this.db.assignment.count({ where: { completedAt: null } }),
      this.db.assignment.count({ where: { completedAt: { not: null } } }),
      this.db.assignment.count({ where: { completedAt: null, dueAt: { lt: now } } }),
    ]);
    return { open, completed, overdue };
  }

  async classLearners(teamId: string, since: Date): Promise<ClassLearnerRow[]> {
    const learners = await this.db.learner.findMany({ where: { teamId, activeLessonId: { not: null }, lastSeenAt: { gte: since } }, orderBy: { lastSeenAt: 'desc' }, take: 200 });
    if (!learners.length) return [];
    const ids = learners.map((l) => l.id);
    const progress = await this.db.lessonProgress.findMany({ where: { learnerId: { in: ids } } });
    const steps = await this.db.stepCompletion.findMany({ where: { learnerId: { in: ids }, completedAt: null } });
    const rows: ClassLearnerRow[] = [];
    for (const l of learners) {
      const p = progress.find((x) => x.learnerId === l.id && x.lessonId === l.activeLessonId);
      if (!p?.currentStepId || p.completedAt) continue;
      const s = steps.find((x) => x.learnerId === l.id && x.lessonId === p.lessonId && x.stepId === p.currentStepId);
      rows.push({ userId: l.userId, displayName: l.displayName, lessonId: p.lessonId, stepId: p.currentStepId, stepStartedAt: s?.startedAt ?? p.updatedAt, attempts: s?.attempts ?? 0, hintsUsed: s?.hintsUsed ?? 0, lastSeenAt: l.lastSeenAt });
    }
    return rows;
  }

  /** Open assignments whose lesson the learner has completed get their completion time (once, kept for good). */
  private async stampCompleted(where: { teamId?: string; userId?: string; completedAt: null; dueAt?: unknown }): Promise<void> {
    const open = await this.db.assignment.findMany({ where: where as never, select: { id: true, teamId: true, userId: true, lessonId: true } });
    if (!open.length) return;
    const done = await this.db.lessonProgress.findMany({
      where: { completedAt: { not: null }, OR: open.map((a) => ({ lessonId: a.lessonId, learner: { teamId: a.teamId, userId: a.userId } })) },
      select: { lessonId: true, completedAt: true, learner: { select: { teamId: true, userId: true } } },
    });
    for (const d of done) {
      const a = open.find((x) => x.lessonId === d.lessonId && x.teamId === d.learner.teamId && x.userId === d.learner.userId);
      if (a) await this.db.assignment.updateMany({ where: { id: a.id, completedAt: null }, data: { completedAt: d.completedAt } });
    }
  }
}

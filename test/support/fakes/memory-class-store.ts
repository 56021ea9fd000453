import type { AssignmentCounts, AssignmentRecord, ClassLearnerRow, ClassStore, ReminderKind } from '../../../src/store/class-types';
import { progressKey, stepKey, type MemoryDatabase } from './memory-database';

/** The class store over the in-memory database: assignments of its own, learners and progress shared. */
export class MemoryClassStore implements ClassStore {
  private readonly rows = new Map<string, AssignmentRecord>();

  constructor(private readonly db: MemoryDatabase) {}

  async assign(a: { teamId: string; lessonId: string; userId: string; assignedBy: string; dueAt: Date | null }) {
    const key = `${a.teamId}\u0000${a.userId}\u0000${a.lessonId}`;
    const existing = this.rows.get(key);
    if (!existing) {
      const record: AssignmentRecord = { id: this.db.newId(), ...a, createdAt: this.db.now(), completedAt: null, remindedBeforeAt: null, remindedOnDayAt: null };
      this.rows.set(key, record);
      return { record: { ...record }, created: true, dueChanged: true };
    }
    const dueChanged = (existing.dueAt?.getTime() ?? null) !== (a.dueAt?.getTime() ?? null);
    Object.assign(existing, { assignedBy: a.assignedBy, dueAt: a.dueAt }, dueChanged ? { remindedBeforeAt: null, remindedOnDayAt: null } : {});
    return { record: { ...existing }, created: false, dueChanged };
  }

  async assignmentsOf(teamId: string, userId: string) {
    this.stamp();
    return [...this.rows.values()]
      .filter((a) => a.teamId === teamId && a.userId === userId)
      .sort((x, y) => (x.dueAt?.getTime() ?? Infinity) - (y.dueAt?.getTime() ?? Infinity) || x.createdAt.getTime() - y.createdAt.getTime())
      .map((a) => ({ ...a }));
  }

  async openDueBefore(dueBefore: Date) {
    this.stamp();
    return [...this.rows.values()].filter((a) => !a.completedAt && a.dueAt && a.dueAt <= dueBefore).map((a) => ({ ...a }));
  }

  async claimReminder(id: string, kind: ReminderKind, at: Date) {
    const a = [...this.rows.values()].find((r) => r.id === id);
    const field = kind === 'before' ? 'remindedBeforeAt' : 'remindedOnDayAt';
    if (!a || a[field] || a.completedAt) return false;
    a[field] = at;
    return true;
  }

  async counts(now: Date): Promise<AssignmentCounts> {
    this.stamp();
    const all = [...this.rows.values()];
    return { open: all.filter((a) => !a.completedAt).length, completed: all.filter((a) => a.completedAt).length, overdue: all.filter((a) => !a.completedAt && a.dueAt && a.dueAt < now).length };
  }

  async classLearners(teamId: string, since: Date): Promise<ClassLearnerRow[]> {
    const rows: ClassLearnerRow[] = [];
    const learners = [...this.db.learners.values()].filter((l) => l.teamId === teamId && l.activeLessonId && l.lastSeenAt >= since).sort((a, b) => b.lastSeenAt.getTime() - a.lastSeenAt.getTime());
    for (const l of learners) {
      const p = this.db.progress.get(progressKey(l.id, l.activeLessonId!));
      if (!p?.currentStepId || p.completedAt) continue;
      const s = this.db.steps.get(stepKey(l.id, p.lessonId, p.currentStepId));
      const open = s && !s.completedAt ? s : undefined;
      rows.push({ userId: l.userId, displayName: l.displayName, lessonId: p.lessonId, stepId: p.currentStepId, stepStartedAt: open?.startedAt ?? p.updatedAt, attempts: open?.attempts ?? 0, hintsUsed: open?.hintsUsed ?? 0, lastSeenAt: l.lastSeenAt });
    }
    return rows;
  }

  private stamp(): void {
    for (const a of this.rows.values()) {
      if (a.completedAt) continue;
      const learner = this.db.learnerByUser(a.teamId, a.userId);
      const p = learner && this.db.progress.get(progressKey(learner.id, a.lessonId));
      if (p?.completedAt) a.completedAt = p.completedAt;
    }
  }
}

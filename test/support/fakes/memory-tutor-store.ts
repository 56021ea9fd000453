import type { ActiveLesson, CommandRunEnd, CommandRunStart, InterruptedRun, LessonSummary, SandboxRowState, TutorStore } from '../../../src/store/types';
import { MemoryStoreError, progressKey, stepKey, type MemoryDatabase, type ProgressRow, type StepRow } from './memory-database';

/** TutorStore in memory, mirroring PrismaTutorStore row by row; passes the store contract (test/store/store-contract.ts). */
export class MemoryTutorStore implements TutorStore {
  constructor(private readonly db: MemoryDatabase) {}

  async setDmChannel(learnerId: string, channel: string) {
    this.db.learner(learnerId).dmChannel = channel;
  }

  async dmChannelOf(teamId: string, userId: string) {
    return this.db.learnerByUser(teamId, userId)?.dmChannel ?? null;
  }

  async activeLesson(learnerId: string): Promise<ActiveLesson | null> {
    const lessonId = this.db.learners.get(learnerId)?.activeLessonId;
    if (!lessonId) return null;
    const p = this.db.progress.get(progressKey(learnerId, lessonId));
    if (!p) return null;
    const step = p.currentStepId ? this.db.steps.get(stepKey(learnerId, lessonId, p.currentStepId)) : undefined;
    return { lessonId, stepId: p.currentStepId, stepStartedAt: new Date(step?.startedAt ?? p.updatedAt) };
  }

  async startLesson(learnerId: string, lessonId: string, firstStepId: string, opts: { restart?: boolean } = {}) {
    const learner = this.db.learner(learnerId);
    const now = this.db.now();
    const existing = this.db.progress.get(progressKey(learnerId, lessonId));
    let stepId = firstStepId;
    let resumed = false;
    if (existing && !existing.completedAt && existing.currentStepId && !opts.restart) {
      stepId = existing.currentStepId;
      resumed = true;
    } else if (existing) {
      // A finished lesson started again begins from its first step.
      Object.assign(existing, { currentStepId: firstStepId, currentStep: 0, completedAt: null, startedAt: now, updatedAt: now });
      for (const [key, s] of this.db.steps) if (s.learnerId === learnerId && s.lessonId === lessonId) this.db.steps.delete(key);
    } else {
      const row: ProgressRow = { seq: this.db.nextSeq(), learnerId, lessonId, currentStep: 0, currentStepId: firstStepId, startedAt: now, updatedAt: now, completedAt: null };
      this.db.progress.set(progressKey(learnerId, lessonId), row);
    }
    this.stepRow(learnerId, lessonId, stepId);
    learner.activeLessonId = lessonId;
    return { stepId, resumed };
  }

  async stopLesson(learnerId: string) {
    this.db.learner(learnerId).activeLessonId = null;
  }

  async recordAttempt(learnerId: string, lessonId: string, stepId: string) {
    const row = this.stepRow(learnerId, lessonId, stepId);
    row.attempts += 1;
    return row.attempts;
  }

  async recordHint(learnerId: string, lessonId: string, stepId: string) {
    const row = this.stepRow(learnerId, lessonId, stepId);
    row.hintsUsed += 1;
    return row.hintsUsed;
  }

  async recordSolutionShown(learnerId: string, lessonId: string, stepId: string) {
    this.stepRow(learnerId, lessonId, stepId).solutionShown = true;
  }

  async completeStep(learnerId: string, lessonId: string, stepId: string, nextStepId: string | null, opts: { skipped: boolean }) {
    const now = this.db.now();
    const progress = this.db.progress.get(progressKey(learnerId, lessonId));
    if (!progress) throw new MemoryStoreError(`no progress of ${learnerId} in ${lessonId}`);
    const row = this.stepRow(learnerId, lessonId, stepId);
    if (!row.completedAt) Object.assign(row, { completedAt: now, skipped: opts.skipped, durationMs: now.getTime() - row.startedAt.getTime() });
    // A late duplicate (a retried click) must not move the learner twice.
    if (progress.currentStepId !== stepId) return;
    progress.updatedAt = now;
    if (nextStepId) {
      progress.currentStepId = nextStepId;
      progress.currentStep += 1;
      this.stepRow(learnerId, lessonId, nextStepId).startedAt = now;
    } else {
      progress.currentStepId = null;
      progress.completedAt = now;
      this.db.learner(learnerId).activeLessonId = null;
    }
  }

  async summaries(learnerId: string): Promise<LessonSummary[]> {
    const progress = [...this.db.progress.values()].filter((p) => p.learnerId === learnerId).sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime() || a.seq - b.seq);
    const steps = [...this.db.steps.values()].filter((s) => s.learnerId === learnerId);
    return progress.map((p) => {
      const mine = steps.filter((s) => s.lessonId === p.lessonId);
      return {
        lessonId: p.lessonId,
        currentStepId: p.currentStepId,
        startedAt: new Date(p.startedAt),
        completedAt: p.completedAt && new Date(p.completedAt),
        stepsCompleted: mine.filter((s) => s.completedAt).length,
        attempts: mine.reduce((n, s) => n + s.attempts, 0),
        hintsUsed: mine.reduce((n, s) => n + s.hintsUsed, 0),
        timeSpentMs: mine.reduce((n, s) => n + (s.durationMs ?? 0), 0),
      };
    });
  }

  async startCommand(run: CommandRunStart) {
    this.db.learner(run.learnerId);
    const id = this.db.newId();
    this.db.commandRuns.set(id, {
      id,
      learnerId: run.learnerId,
      command: run.command,
      channel: run.channel ?? null,
      exitCode: null,
      durationMs: null,
      outputBytes: 0,
      truncated: false,
      timedOut: false,
      interrupted: false,
      createdAt: this.db.now(),
      finishedAt: null,
    });
    return id;
  }

  async finishCommand(id: string, end: CommandRunEnd) {
    const row = this.db.commandRuns.get(id);
    if (!row) throw new MemoryStoreError(`no command run ${id}`);
    Object.assign(row, end, { finishedAt: this.db.now() });
  }

  async takeInterruptedRuns(teamId: string): Promise<InterruptedRun[]> {
    const out: InterruptedRun[] = [];
    for (const r of this.db.commandRuns.values()) {
      const learner = this.db.learners.get(r.learnerId);
      if (r.finishedAt || learner?.teamId !== teamId) continue;
      Object.assign(r, { finishedAt: this.db.now(), interrupted: true });
      out.push({ id: r.id, command: r.command, channel: r.channel, teamId: learner.teamId, userId: learner.userId });
    }
    return out;
  }

  async recordSandbox(teamId: string, userId: string, containerId: string, state: SandboxRowState) {
    const learner = this.db.learnerByUser(teamId, userId);
    if (!learner) return;
    const now = this.db.now();
    const removed = state === 'removed' || state === 'crashed';
    const row = this.db.sandboxes.get(containerId);
    if (row) Object.assign(row, { state, lastUsedAt: now, ...(removed ? { removedAt: now } : {}) });
    else this.db.sandboxes.set(containerId, { containerId, learnerId: learner.id, state, createdAt: now, lastUsedAt: now, removedAt: removed ? now : null });
  }

  async ownsSandbox(teamId: string, userId: string, containerId: string) {
    const learner = this.db.learnerByUser(teamId, userId);
    if (!learner) return false;
    const row = this.db.sandboxes.get(containerId);
    return !row || (row.learnerId === learner.id && row.state !== 'removed' && row.state !== 'crashed');
  }

  async knownSandbox(containerId: string) {
    const state = this.db.sandboxes.get(containerId)?.state;
    return state !== undefined && state !== 'removed' && state !== 'crashed';
  }

  /** The step row, created (started now) on first use, as the Prisma store's upserts do. */
  private stepRow(learnerId: string, lessonId: string, stepId: string): StepRow {
    this.db.learner(learnerId);
    const key = stepKey(learnerId, lessonId, stepId);
    let row = this.db.steps.get(key);
    if (!row) {
      row = { learnerId, lessonId, stepId, attempts: 0, hintsUsed: 0, solutionShown: false, skipped: false, startedAt: this.db.now(), completedAt: null, durationMs: null };
      this.db.steps.set(key, row);
    }
    return row;
  }
}

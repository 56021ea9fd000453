import { randomUUID } from 'node:crypto';
import type { Db } from './prisma-client';
import type { ActiveLesson, CommandRunEnd, CommandRunStart, InterruptedRun, LessonSummary, SandboxRowState, TutorStore } from '../types';

export class PrismaTutorStore implements TutorStore {
  constructor(private readonly db: Db) {}

  async setDmChannel(learnerId: string, channel: string) {
    await this.db.learner.update({ where: { id: learnerId }, data: { dmChannel: channel } });
  }

  async dmChannelOf(teamId: string, userId: string) {
    const row = await this.db.learner.findUnique({ where: { teamId_userId: { teamId, userId } }, select: { dmChannel: true } });
    return row?.dmChannel ?? null;
  }

  async activeLesson(learnerId: string): Promise<ActiveLesson | null> {
    const learner = await this.db.learner.findUnique({ where: { id: learnerId }, select: { activeLessonId: true } });
    if (!learner?.activeLessonId) return null;
    const p = await this.db.lessonProgress.findUnique({ where: { learnerId_lessonId: { learnerId, lessonId: learner.activeLessonId } } });
    if (!p) return null;
    const step = p.currentStepId
      ? await this.db.stepCompletion.findUnique({ where: { learnerId_lessonId_stepId: { learnerId, lessonId: p.lessonId, stepId: p.currentStepId } } })
      : null;
    return { lessonId: p.lessonId, stepId: p.currentStepId, stepStartedAt: step?.startedAt ?? p.updatedAt };
  }

  async startLesson(learnerId: string, lessonId: string, firstStepId: string, opts: { restart?: boolean } = {}) {
    if (!opts.restart && (await this.startNewLesson(learnerId, lessonId, firstStepId))) return { stepId: firstStepId, resumed: false };
    return this.db.$transaction(async (tx) => {
      const existing = await tx.lessonProgress.findUnique({ where: { learnerId_lessonId: { learnerId, lessonId } } });
      let stepId = firstStepId;
      let resumed = false;
      if (existing && !existing.completedAt && existing.currentStepId && !opts.restart) {
        stepId = existing.currentStepId;
        resumed = true;
      } else if (existing) {
        // A finished lesson started again begins from its first step.
        await tx.lessonProgress.update({ where: { id: existing.id }, data: { currentStepId: firstStepId, currentStep: 0, completedAt: null, startedAt: new Date() } });
        await tx.stepCompletion.deleteMany({ where: { learnerId, lessonId } });
      } else {
        await tx.lessonProgress.create({ data: { learnerId, lessonId, currentStepId: firstStepId } });
      }
      await tx.stepCompletion.upsert({
        where: { learnerId_lessonId_stepId: { learnerId, lessonId, stepId } },
        create: { learnerId, lessonId, stepId },
        update: {},
      });
      await tx.learner.update({ where: { id: learnerId }, data: { activeLessonId: lessonId } });
      return { stepId, resumed };
    });
  }

  /**
   * A lesson the learner never opened, started in one statement (one round trip, atomic): its progress row, its
   * first step's row and the learner's active lesson. A class opening lesson 1 together queued for pooled
   * connections behind interactive transactions of six round trips each. False when the lesson has a row already
   * (resume or start again: the transaction above decides).
   */
  private async startNewLesson(learnerId: string, lessonId: string, firstStepId: string): Promise<boolean> {
    const rows = await this.db.$queryRaw<{ created: number }[]>`
      WITH p AS (
        INSERT INTO "LessonProgress" ("id", "learnerId", "lessonId", "currentStepId", "startedAt", "updatedAt")
        VALUES (${randomUUID()}::uuid, ${learnerId}::uuid, ${lessonId}, ${firstStepId}, (now() AT TIME ZONE 'UTC'), (now() AT TIME ZONE 'UTC'))
        ON CONFLICT ("learnerId", "lessonId") DO NOTHING
        RETURNING "id"
      ), s AS (
        INSERT INTO "StepCompletion" ("id", "learnerId", "lessonId", "stepId", "startedAt")
        SELECT ${randomUUID()}::uuid, ${learnerId}::uuid, ${lessonId}, ${firstStepId}, (now() AT TIME ZONE 'UTC') FROM p
        ON CONFLICT ("learnerId", "lessonId", "stepId") DO NOTHING
      ), l AS (
        UPDATE "Learner" SET "activeLessonId" = ${lessonId} WHERE "id" = ${learnerId}::uuid AND EXISTS (SELECT 1 FROM p)
      )
      SELECT count(*)::int AS "created" FROM p`;
    return rows[0]?.created === 1;
  }

  async stopLesson(learnerId: string) {
    await this.db.learner.update({ where: { id: learnerId }, data: { activeLessonId: null } });
  }

  private step(learnerId: string, lessonId: string, stepId: string, data: { attempts?: { increment: number }; hintsUsed?: { increment: number }; solutionShown?: boolean }) {
    return this.db.stepCompletion.upsert({
      where: { learnerId_lessonId_stepId: { learnerId, lessonId, stepId } },
      create: { learnerId, lessonId, stepId, attempts: data.attempts ? 1 : 0, hintsUsed: data.hintsUsed ? 1 : 0, solutionShown: data.solutionShown ?? false },
      update: data,
    });
  }

  async recordAttempt(learnerId: string, lessonId: string, stepId: string) {
    return (await this.step(learnerId, lessonId, stepId, { attempts: { increment: 1 } })).attempts;
  }

  async recordHint(learnerId: string, lessonId: string, stepId: string) {
    return (await this.step(learnerId, lessonId, stepId, { hintsUsed: { increment: 1 } })).hintsUsed;
  }

  async recordSolutionShown(learnerId: string, lessonId: string, stepId: string) {
    await this.step(learnerId, lessonId, stepId, { solutionShown: true });
  }

  async completeStep(learnerId: string, lessonId: string, stepId: string, nextStepId: string | null, opts: { skipped: boolean }) {
    await this.db.$transaction(async (tx) => {
      const now = new Date();
      const row = await tx.stepCompletion.upsert({
        where: { learnerId_lessonId_stepId: { learnerId, lessonId, stepId } },
        create: { learnerId, lessonId, stepId },
        update: {},
      });
      if (!row.completedAt) {
        await tx.stepCompletion.update({ where: { id: row.id }, data: { completedAt: now, skipped: opts.skipped, durationMs: now.getTime() - row.startedAt.getTime() } });
      }
      const progress = await tx.lessonProgress.findUniqueOrThrow({ where: { learnerId_lessonId: { learnerId, lessonId } } });
      // A late duplicate (a retried click) must not move the learner twice.
      if (progress.currentStepId !== stepId) return;
      if (nextStepId) {
        await tx.lessonProgress.update({ where: { id: progress.id }, data: { currentStepId: nextStepId, currentStep: { increment: 1 } } });
        await tx.stepCompletion.upsert({
          where: { learnerId_lessonId_stepId: { learnerId, lessonId, stepId: nextStepId } },
          create: { learnerId, lessonId, stepId: nextStepId },
          update: { startedAt: now },
        });
      } else {
        await tx.lessonProgress.update({ where: { id: progress.id }, data: { currentStepId: null, completedAt: now } });
        await tx.learner.update({ where: { id: learnerId }, data: { activeLessonId: null } });
      }
    });
  }

  async summaries(learnerId: string): Promise<LessonSummary[]> {
    const [progress, steps] = await Promise.all([
      this.db.lessonProgress.findMany({ where: { learnerId }, orderBy: { startedAt: 'asc' } }),
      this.db.stepCompletion.findMany({ where: { learnerId } }),
    ]);
    return progress.map((p) => {
      const mine = steps.filter((s) => s.lessonId === p.lessonId);
      return {
        lessonId: p.lessonId,
        currentStepId: p.currentStepId,
        startedAt: p.startedAt,
        completedAt: p.completedAt,
        stepsCompleted: mine.filter((s) => s.completedAt).length,
        attempts: mine.reduce((n, s) => n + s.attempts, 0),
        hintsUsed: mine.reduce((n, s) => n + s.hintsUsed, 0),
        timeSpentMs: mine.reduce((n, s) => n + (s.durationMs ?? 0), 0),
      };
    });
  }

  async startCommand(run: CommandRunStart) {
    const row = await this.db.commandRun.create({ data: { learnerId: run.learnerId, command: run.command, channel: run.channel } });
    return row.id;
  }

  async finishCommand(id: string, end: CommandRunEnd) {
    await this.db.commandRun.update({ where: { id }, data: { ...end, finishedAt: new Date() } });
  }

  async takeInterruptedRuns(teamId: string): Promise<InterruptedRun[]> {
    const rows = await this.db.commandRun.findMany({ where: { finishedAt: null, learner: { teamId } }, include: { learner: { select: { teamId: true, userId: true } } } });
    if (!rows.length) return [];
    await this.db.commandRun.updateMany({ where: { id: { in: rows.map((r) => r.id) } }, data: { finishedAt: new Date(), interrupted: true } });
    return rows.map((r) => ({ id: r.id, command: r.command, channel: r.channel, teamId: r.learner.teamId, userId: r.learner.userId }));
  }

  async recordSandbox(teamId: string, userId: string, containerId: string, state: SandboxRowState) {
    const learner = await this.db.learner.findUnique({ where: { teamId_userId: { teamId, userId } }, select: { id: true } });
    if (!learner) return;
    const removed = state === 'removed' || state === 'crashed';
    await this.db.sandbox.upsert({
      where: { containerId },
      create: { containerId, learnerId: learner.id, state, ...(removed ? { removedAt: new Date() } : {}) },
      update: { state, lastUsedAt: new Date(), ...(removed ? { removedAt: new Date() } : {}) },
    });
  }

  async ownsSandbox(teamId: string, userId: string, containerId: string) {
    const learner = await this.db.learner.findUnique({ where: { teamId_userId: { teamId, userId } }, select: { id: true } });
    if (!learner) return false;
    const row = await this.db.sandbox.findUnique({ where: { containerId }, select: { state: true, learnerId: true } });
    return !row || (row.learnerId === learner.id && row.state !== 'removed' && row.state !== 'crashed');
  }

  async knownSandbox(containerId: string) {
    const row = await this.db.sandbox.findUnique({ where: { containerId }, select: { state: true } });
    return row !== null && row.state !== 'removed' && row.state !== 'crashed';
  }
}

import type { Db } from './prisma-client';
import type { ForgottenCounts, LearnerActivity, TeamStore } from '../types';

export class PrismaTeamStore implements TeamStore {
  constructor(private readonly db: Db) {}

  async activity(teamId: string, userIds?: readonly string[]): Promise<LearnerActivity[]> {
    const rows = await this.db.learner.findMany({
      where: { teamId, ...(userIds ? { userId: { in: [...userIds] } } : {}), OR: [{ progress: { some: {} } }, { commandRuns: { some: {} } }] },
      select: {
        userId: true,
        displayName: true,
        lastSeenAt: true,
        progress: { select: { startedAt: true, completedAt: true } },
        completions: { select: { startedAt: true, completedAt: true } },
        commandRuns: { select: { createdAt: true, finishedAt: true } },
      },
      orderBy: { firstSeenAt: 'asc' },
    });
    return rows.map((r) => ({
      userId: r.userId,
      displayName: r.displayName,
      lastSeenAt: r.lastSeenAt,
      lessonsCompleted: r.progress.filter((p) => p.completedAt).length,
      stepsCompleted: r.completions.filter((s) => s.completedAt).length,
      eventTimes: [...r.progress, ...r.completions].flatMap((x) => [x.startedAt, x.completedAt]).concat(r.commandRuns.flatMap((c) => [c.createdAt, c.finishedAt])).filter((d): d is Date => d !== null),
    }));
  }

  async forget(teamId: string, userId: string): Promise<ForgottenCounts | null> {
    return this.db.$transaction(async (tx) => {
      await tx.messagesWelcome.deleteMany({ where: { teamId, userId } });
      const learner = await tx.learner.findUnique({ where: { teamId_userId: { teamId, userId } }, select: { id: true } });
      if (!learner) return null;
      const learnerId = learner.id;
      const [lessons, steps, commands, challengeEntries, sandboxes] = await Promise.all([
        tx.lessonProgress.count({ where: { learnerId } }),
        tx.stepCompletion.count({ where: { learnerId } }),
        tx.commandRun.count({ where: { learnerId } }),
        tx.challengeEntry.count({ where: { learnerId } }),
        tx.sandbox.count({ where: { learnerId } }),
      ]);
      // Progress, steps, commands, sandbox rows and challenge entries go with the row (ON DELETE CASCADE).
      await tx.learner.delete({ where: { id: learnerId } });
      return { lessons, steps, commands, challengeEntries, sandboxes };
    });
  }

  async claimWelcome(teamId: string, userId: string): Promise<boolean> {
    const { count } = await this.db.messagesWelcome.createMany({ data: [{ teamId, userId }], skipDuplicates: true });
    return count === 1;
  }
}

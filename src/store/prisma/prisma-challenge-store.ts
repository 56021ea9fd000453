import { AppError } from '../../errors';
import { Prisma } from '../generated/client';
import type { Db } from './prisma-client';
import type { AcceptOutcome, ChallengeEntryRecord, ChallengeRecord, ChallengeStore } from '../types';

type EntryRow = {
  id: string;
  challengeId: string;
  learnerId: string;
  acceptedAt: Date;
  solvedAt: Date | null;
  attempts: number;
  hintsUsed: number;
  readyAt: Date | null;
  disqualifiedAt: Date | null;
  disqualifiedBy: string | null;
  learner: { teamId: string; userId: string };
};

const toEntry = (r: EntryRow): ChallengeEntryRecord => ({
  id: r.id,
  challengeId: r.challengeId,
  learnerId: r.learnerId,
  teamId: r.learner.teamId,
  userId: r.learner.userId,
  acceptedAt: r.acceptedAt,
  solvedAt: r.solvedAt,
  attempts: r.attempts,
  hintsUsed: r.hintsUsed,
  readyAt: r.readyAt,
  disqualifiedAt: r.disqualifiedAt,
  disqualifiedBy: r.disqualifiedBy,
});

// Columns are UTC `timestamp(3)` (Prisma's convention): the database clock is read in UTC explicitly.
const NOW_UTC = Prisma.sql`(now() AT TIME ZONE 'UTC')::timestamp(3)`;

/** `at` as a UTC `timestamp(3)`, or the database's now. */
const timeOf = (at?: Date) => (at ? Prisma.sql`(${at.toISOString()}::timestamptz AT TIME ZONE 'UTC')::timestamp(3)` : NOW_UTC);

const withLearner = { learner: { select: { teamId: true, userId: true } } } as const;

export class PrismaChallengeStore implements ChallengeStore {
  constructor(private readonly db: Db) {}

  async create(c: { teamId: string; channelId: string; exerciseId: string; createdBy: string; durationMs: number; hintPenaltySeconds: number; minSolveSeconds?: number }, at?: Date) {
    const now = timeOf(at);
    try {
      // The deadline is computed by the database, whose clock also decides every solve (unless `at` is given).
      const rows = await this.db.$queryRaw<{ id: string }[]>`
        INSERT INTO "Challenge" ("id", "teamId", "channelId", "exerciseId", "createdBy", "startedAt", "endsAt", "hintPenaltySeconds", "minSolveSeconds")
        VALUES (gen_random_uuid(), ${c.teamId}, ${c.channelId}, ${c.exerciseId}, ${c.createdBy}, ${now}, ${now} + make_interval(secs => ${c.durationMs / 1000}), ${c.hintPenaltySeconds}, ${c.minSolveSeconds ?? 0})
        RETURNING "id"`;
      return (await this.get(rows[0]!.id))!;
    } catch (err) {
      const text = String((err as Error).message ?? err);
      if ((err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') || /one_running_per_channel|23505/.test(text)) {
        throw new AppError('CHALLENGE_CHANNEL_BUSY', 'A challenge is already running in this channel', { cause: err });
      }
      throw err;
    }
  }

  async discard(id: string) {
    // Only a challenge nobody could join yet: entries make it a real one, ended the normal way.
    await this.db.challenge.deleteMany({ where: { id, entries: { none: {} } } });
  }

  async setResultsMessage(id: string, resultsTs: string) {
    await this.db.challenge.update({ where: { id }, data: { resultsTs } });
  }

  async setMessages(id: string, cardTs: string, leaderboardTs: string) {
    await this.db.challenge.update({ where: { id }, data: { cardTs, leaderboardTs } });
  }

  get(id: string): Promise<ChallengeRecord | null> {
    return this.db.challenge.findUnique({ where: { id } });
  }

  runningInChannel(teamId: string, channelId: string) {
    return this.db.challenge.findFirst({ where: { teamId, channelId, endedAt: null } });
  }

  running(teamId: string) {
    return this.db.challenge.findMany({ where: { teamId, endedAt: null }, orderBy: { endsAt: 'asc' } });
  }

  async accept(challengeId: string, learnerId: string, at?: Date): Promise<AcceptOutcome> {
    return this.db.$transaction(async (tx) => {
      const open = await tx.$queryRaw<{ ok: boolean }[]>`
        SELECT ("endedAt" IS NULL AND ${timeOf(at)} <= "endsAt") AS ok FROM "Challenge" WHERE "id" = ${challengeId}::uuid FOR UPDATE`;
      const mine = await tx.challengeEntry.findUnique({ where: { challengeId_learnerId: { challengeId, learnerId } }, include: withLearner });
      if (mine) return { kind: 'already', entry: toEntry(mine) };
      if (!open[0]?.ok) return { kind: 'ended' };
      const other = await tx.challengeEntry.findFirst({ where: { learnerId, challenge: { endedAt: null } }, include: { challenge: true } });
      if (other) return { kind: 'busy-elsewhere', other: other.challenge };
      const entry = await tx.challengeEntry.create({ data: { challengeId, learnerId, ...(at ? { acceptedAt: at } : {}) }, include: withLearner });
      return { kind: 'accepted', entry: toEntry(entry) };
    });
  }

  async markReady(entryId: string, at?: Date) {
    const n = await this.db.$executeRaw`
      UPDATE "ChallengeEntry" SET "readyAt" = GREATEST("acceptedAt", ${timeOf(at)}) WHERE "id" = ${entryId}::uuid AND "readyAt" IS NULL AND "solvedAt" IS NULL`;
    return n > 0;
  }

  async disqualify(entryId: string, by: string, at?: Date) {
    const n = await this.db.$executeRaw`
      UPDATE "ChallengeEntry" SET "disqualifiedAt" = ${timeOf(at)}, "disqualifiedBy" = ${by} WHERE "id" = ${entryId}::uuid AND "disqualifiedAt" IS NULL`;
    return n > 0;
  }

  async latestInChannel(teamId: string, channelId: string) {
    return (await this.runningInChannel(teamId, channelId)) ?? this.db.challenge.findFirst({ where: { teamId, channelId }, orderBy: { startedAt: 'desc' } });
  }

  async exerciseRunning(learnerId: string, exerciseId: string) {
    const learner = await this.db.learner.findUnique({ where: { id: learnerId }, select: { teamId: true } });
    if (!learner) return false;
    return (await this.db.challenge.count({ where: { teamId: learner.teamId, exerciseId, endedAt: null } })) > 0;
  }

  async activeEntry(learnerId: string) {
    const row = await this.db.challengeEntry.findFirst({ where: { learnerId, challenge: { endedAt: null } }, include: { ...withLearner, challenge: true } });
    return row ? { entry: toEntry(row), challenge: row.challenge } : null;
  }

  async recordAttempt(entryId: string) {
    await this.db.challengeEntry.update({ where: { id: entryId }, data: { attempts: { increment: 1 } } });
  }

  async recordHint(entryId: string) {
    await this.db.challengeEntry.update({ where: { id: entryId }, data: { hintsUsed: { increment: 1 } } });
  }

  async recordSolve(entryId: string, at?: Date) {
    // One statement: a solve counts when it is not after the deadline (inclusive) and the challenge was not
    // ended early by an admin before it, all judged by the same clock.
    const when = timeOf(at);
    const rows = await this.db.$queryRaw<{ challengeId: string }[]>`
      UPDATE "ChallengeEntry" e SET "solvedAt" = ${when}
      FROM "Challenge" c
      WHERE e."id" = ${entryId}::uuid AND c."id" = e."challengeId" AND e."solvedAt" IS NULL
        AND ${when} <= c."endsAt" AND (c."endedAt" IS NULL OR ${when} <= c."endedAt")
      RETURNING e."challengeId"`;
    if (!rows.length) return { solved: false, first: false };
    const solvers = await this.db.challengeEntry.count({ where: { challengeId: rows[0]!.challengeId, solvedAt: { not: null } } });
    return { solved: true, first: solvers === 1 };
  }

  async end(id: string, at?: Date): Promise<ChallengeRecord | null> {
    const rows = await this.db.$queryRaw<{ id: string }[]>`
      UPDATE "Challenge" SET "endedAt" = LEAST(${timeOf(at)}, "endsAt") WHERE "id" = ${id}::uuid AND "endedAt" IS NULL RETURNING "id"`;
    return rows.length ? this.get(id) : null;
  }

  async entries(challengeId: string) {
    return (await this.db.challengeEntry.findMany({ where: { challengeId }, include: withLearner, orderBy: { acceptedAt: 'asc' } })).map(toEntry);
  }

  async resultsFor(learnerId: string, limit: number) {
    const rows = await this.db.challengeEntry.findMany({ where: { learnerId }, include: { ...withLearner, challenge: true }, orderBy: { acceptedAt: 'desc' }, take: limit });
    return rows.map((r) => ({ entry: toEntry(r), challenge: r.challenge }));
  }
}

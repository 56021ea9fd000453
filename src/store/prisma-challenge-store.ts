import { AppError } from '../errors';
import { Prisma } from './generated/client';
import type { Db } from './prisma-client';
import type { AcceptOutcome, ChallengeEntryRecord, ChallengeRecord, ChallengeStore } from './types';

type EntryRow = { id: string; challengeId: string; learnerId: string; acceptedAt: Date; solvedAt: Date | null; attempts: number; hintsUsed: number; learner: { teamId: string; userId: string } };

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
});

// Columns are UTC `timestamp(3)` (Prisma's convention): the database clock is read in UTC explicitly.
const NOW_UTC = Prisma.sql`(now() AT TIME ZONE 'UTC')::timestamp(3)`;

const withLearner = { learner: { select: { teamId: true, userId: true } } } as const;

export class PrismaChallengeStore implements ChallengeStore {
  constructor(private readonly db: Db) {}

  async create(c: { teamId: string; channelId: string; exerciseId: string; createdBy: string; durationMs: number; hintPenaltySeconds: number }) {
    try {
      // The deadline is computed by the database, whose clock also decides every solve.
      const rows = await this.db.$queryRaw<{ id: string }[]>`
        INSERT INTO "Challenge" ("id", "teamId", "channelId", "exerciseId", "createdBy", "startedAt", "endsAt", "hintPenaltySeconds")
        VALUES (gen_random_uuid(), ${c.teamId}, ${c.channelId}, ${c.exerciseId}, ${c.createdBy}, ${NOW_UTC}, ${NOW_UTC} + make_interval(secs => ${c.durationMs / 1000}), ${c.hintPenaltySeconds})
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

  async accept(challengeId: string, learnerId: string): Promise<AcceptOutcome> {
    return this.db.$transaction(async (tx) => {
      const open = await tx.$queryRaw<{ ok: boolean }[]>`
        SELECT ("endedAt" IS NULL AND ${NOW_UTC} <= "endsAt") AS ok FROM "Challenge" WHERE "id" = ${challengeId}::uuid FOR UPDATE`;
      const mine = await tx.challengeEntry.findUnique({ where: { challengeId_learnerId: { challengeId, learnerId } }, include: withLearner });
      if (mine) return { kind: 'already', entry: toEntry(mine) };
      if (!open[0]?.ok) return { kind: 'ended' };
      const other = await tx.challengeEntry.findFirst({ where: { learnerId, challenge: { endedAt: null } }, include: { challenge: true } });
      if (other) return { kind: 'busy-elsewhere', other: other.challenge };
      const entry = await tx.challengeEntry.create({ data: { challengeId, learnerId }, include: withLearner });
      return { kind: 'accepted', entry: toEntry(entry) };
    });
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
    const when = at ? Prisma.sql`(${at.toISOString()}::timestamptz AT TIME ZONE 'UTC')::timestamp(3)` : NOW_UTC;
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

  async end(id: string): Promise<ChallengeRecord | null> {
    const rows = await this.db.$queryRaw<{ id: string }[]>`
      UPDATE "Challenge" SET "endedAt" = LEAST(${NOW_UTC}, "endsAt") WHERE "id" = ${id}::uuid AND "endedAt" IS NULL RETURNING "id"`;
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

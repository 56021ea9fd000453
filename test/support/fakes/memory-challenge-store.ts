import { AppError } from '../../../src/errors';
import type { AcceptOutcome, ChallengeEntryRecord, ChallengeRecord, ChallengeStore } from '../../../src/store/types';
import { MemoryStoreError, type ChallengeRow, type EntryRow, type MemoryDatabase } from './memory-database';

/**
 * ChallengeStore in memory. Where the Prisma store asks the database clock (deadlines, solves, ends), this
 * one asks the MemoryDatabase's injected clock, so a test can move time past a deadline. Passes the store
 * contract (test/store/store-contract.ts).
 */
export class MemoryChallengeStore implements ChallengeStore {
  constructor(private readonly db: MemoryDatabase) {}

  async create(c: { teamId: string; channelId: string; exerciseId: string; createdBy: string; durationMs: number; hintPenaltySeconds: number; minSolveSeconds?: number }, at?: Date) {
    // The partial unique index: one challenge per channel whose endedAt is null.
    for (const other of this.db.challenges.values()) {
      if (other.teamId === c.teamId && other.channelId === c.channelId && other.endedAt === null) {
        throw new AppError('CHALLENGE_CHANNEL_BUSY', 'A challenge is already running in this channel');
      }
    }
    const now = at ? new Date(at.getTime()) : this.db.now();
    const row: ChallengeRow = {
      id: this.db.newId(),
      teamId: c.teamId,
      channelId: c.channelId,
      exerciseId: c.exerciseId,
      createdBy: c.createdBy,
      startedAt: now,
      endsAt: new Date(now.getTime() + Math.round(c.durationMs)),
      endedAt: null,
      cardTs: null,
      leaderboardTs: null,
      hintPenaltySeconds: c.hintPenaltySeconds,
      minSolveSeconds: c.minSolveSeconds ?? 0,
      resultsTs: null,
    };
    this.db.challenges.set(row.id, row);
    return toChallenge(row);
  }

  async discard(id: string) {
    if ([...this.db.entries.values()].some((e) => e.challengeId === id)) return;
    this.db.challenges.delete(id);
  }

  async setResultsMessage(id: string, resultsTs: string) {
    this.challenge(id).resultsTs = resultsTs;
  }

  async setMessages(id: string, cardTs: string, leaderboardTs: string) {
    Object.assign(this.challenge(id), { cardTs, leaderboardTs });
  }

  async get(id: string): Promise<ChallengeRecord | null> {
    const row = this.db.challenges.get(id);
    return row ? toChallenge(row) : null;
  }

  async runningInChannel(teamId: string, channelId: string) {
    const row = [...this.db.challenges.values()].find((c) => c.teamId === teamId && c.channelId === channelId && c.endedAt === null);
    return row ? toChallenge(row) : null;
  }

  async running(teamId: string) {
    return [...this.db.challenges.values()]
      .filter((c) => c.teamId === teamId && c.endedAt === null)
      .sort((a, b) => a.endsAt.getTime() - b.endsAt.getTime())
      .map(toChallenge);
  }

  async accept(challengeId: string, learnerId: string, at?: Date): Promise<AcceptOutcome> {
    const challenge = this.db.challenges.get(challengeId);
    const when = at ? new Date(at.getTime()) : this.db.now();
    const open = !!challenge && challenge.endedAt === null && when.getTime() <= challenge.endsAt.getTime();
    const mine = [...this.db.entries.values()].find((e) => e.challengeId === challengeId && e.learnerId === learnerId);
    if (mine) return { kind: 'already', entry: this.toEntry(mine) };
    if (!open) return { kind: 'ended' };
    const other = this.entriesOf(learnerId).find((e) => this.db.challenges.get(e.challengeId)?.endedAt === null);
    if (other) return { kind: 'busy-elsewhere', other: toChallenge(this.challenge(other.challengeId)) };
    this.db.learner(learnerId);
    const row: EntryRow = { seq: this.db.nextSeq(), id: this.db.newId(), challengeId, learnerId, acceptedAt: when, solvedAt: null, attempts: 0, hintsUsed: 0, readyAt: null, disqualifiedAt: null, disqualifiedBy: null };
    this.db.entries.set(row.id, row);
    return { kind: 'accepted', entry: this.toEntry(row) };
  }

  async markReady(entryId: string, at?: Date) {
    const e = this.db.entries.get(entryId);
    if (!e || e.readyAt || e.solvedAt) return false;
    const when = at ? at.getTime() : this.db.now().getTime();
    e.readyAt = new Date(Math.max(when, e.acceptedAt.getTime()));
    return true;
  }

  async disqualify(entryId: string, by: string, at?: Date) {
    const e = this.db.entries.get(entryId);
    if (!e || e.disqualifiedAt) return false;
    Object.assign(e, { disqualifiedAt: at ? new Date(at.getTime()) : this.db.now(), disqualifiedBy: by });
    return true;
  }

  async latestInChannel(teamId: string, channelId: string) {
    const rows = [...this.db.challenges.values()].filter((c) => c.teamId === teamId && c.channelId === channelId);
    const row = rows.find((c) => c.endedAt === null) ?? rows.sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime())[0];
    return row ? toChallenge(row) : null;
  }

  async exerciseRunning(learnerId: string, exerciseId: string) {
    const learner = this.db.learners.get(learnerId);
    return !!learner && [...this.db.challenges.values()].some((c) => c.teamId === learner.teamId && c.exerciseId === exerciseId && c.endedAt === null);
  }

  async activeEntry(learnerId: string) {
    const row = this.entriesOf(learnerId).find((e) => this.db.challenges.get(e.challengeId)?.endedAt === null);
    return row ? { entry: this.toEntry(row), challenge: toChallenge(this.challenge(row.challengeId)) } : null;
  }

  async recordAttempt(entryId: string) {
    this.entry(entryId).attempts += 1;
  }

  async recordHint(entryId: string) {
    this.entry(entryId).hintsUsed += 1;
  }

  async recordSolve(entryId: string, at?: Date) {
    const when = at ? new Date(at.getTime()) : this.db.now();
    const entry = this.db.entries.get(entryId);
    const c = entry && this.db.challenges.get(entry.challengeId);
    // Counts when not after the deadline (inclusive) nor after an early end, as the Prisma store's single UPDATE.
    if (!entry || !c || entry.solvedAt || when > c.endsAt || (c.endedAt && when > c.endedAt)) return { solved: false, first: false };
    entry.solvedAt = when;
    const solvers = [...this.db.entries.values()].filter((e) => e.challengeId === c.id && e.solvedAt).length;
    return { solved: true, first: solvers === 1 };
  }

  async end(id: string, at?: Date): Promise<ChallengeRecord | null> {
    const row = this.db.challenges.get(id);
    if (!row || row.endedAt) return null;
    row.endedAt = new Date(Math.min((at ?? this.db.now()).getTime(), row.endsAt.getTime()));
    return toChallenge(row);
  }

  async entries(challengeId: string) {
    return [...this.db.entries.values()]
      .filter((e) => e.challengeId === challengeId)
      .sort((a, b) => a.acceptedAt.getTime() - b.acceptedAt.getTime() || a.seq - b.seq)
      .map((e) => this.toEntry(e));
  }

  async resultsFor(learnerId: string, limit: number) {
    return this.entriesOf(learnerId)
      .sort((a, b) => b.acceptedAt.getTime() - a.acceptedAt.getTime() || b.seq - a.seq)
      .slice(0, limit)
      .map((e) => ({ entry: this.toEntry(e), challenge: toChallenge(this.challenge(e.challengeId)) }));
  }

  private entriesOf(learnerId: string): EntryRow[] {
    return [...this.db.entries.values()].filter((e) => e.learnerId === learnerId);
  }

  private challenge(id: string): ChallengeRow {
    const row = this.db.challenges.get(id);
    if (!row) throw new MemoryStoreError(`no challenge ${id}`);
    return row;
  }

  private entry(id: string): EntryRow {
    const row = this.db.entries.get(id);
    if (!row) throw new MemoryStoreError(`no challenge entry ${id}`);
    return row;
  }

  private toEntry(r: EntryRow): ChallengeEntryRecord {
    const learner = this.db.learner(r.learnerId);
    return { id: r.id, challengeId: r.challengeId, learnerId: r.learnerId, teamId: learner.teamId, userId: learner.userId, acceptedAt: new Date(r.acceptedAt), solvedAt: r.solvedAt && new Date(r.solvedAt), attempts: r.attempts, hintsUsed: r.hintsUsed, readyAt: d(r.readyAt), disqualifiedAt: d(r.disqualifiedAt), disqualifiedBy: r.disqualifiedBy };
  }
}

const d = (x: Date | null) => x && new Date(x);

function toChallenge(r: ChallengeRow): ChallengeRecord {
  return { ...r, startedAt: new Date(r.startedAt), endsAt: new Date(r.endsAt), endedAt: d(r.endedAt) };
}

import { randomUUID } from 'node:crypto';
import type { SandboxRowState } from '../../../src/store/types';

/** Rows shared by the in-memory stores, shaped like the Prisma schema's tables (see prisma/schema.prisma). */
export interface LearnerRow {
  id: string;
  teamId: string;
  userId: string;
  displayName: string | null;
  firstSeenAt: Date;
  lastSeenAt: Date;
  activeLessonId: string | null;
  dmChannel: string | null;
}

export interface ProgressRow {
  seq: number;
  learnerId: string;
  lessonId: string;
  currentStep: number;
  currentStepId: string | null;
  startedAt: Date;
  updatedAt: Date;
  completedAt: Date | null;
}

export interface StepRow {
  learnerId: string;
  lessonId: string;
  stepId: string;
  attempts: number;
  hintsUsed: number;
  solutionShown: boolean;
  skipped: boolean;
  startedAt: Date;
  completedAt: Date | null;
  durationMs: number | null;
}

export interface CommandRunRow {
  id: string;
  learnerId: string;
  command: string;
  channel: string | null;
  exitCode: number | null;
  durationMs: number | null;
  outputBytes: number;
  truncated: boolean;
  timedOut: boolean;
  interrupted: boolean;
  createdAt: Date;
  finishedAt: Date | null;
}

export interface SandboxRow {
  containerId: string;
  learnerId: string;
  state: SandboxRowState;
  createdAt: Date;
  lastUsedAt: Date;
  removedAt: Date | null;
}

export interface ChallengeRow {
  id: string;
  teamId: string;
  channelId: string;
  exerciseId: string;
  createdBy: string;
  startedAt: Date;
  endsAt: Date;
  endedAt: Date | null;
  cardTs: string | null;
  leaderboardTs: string | null;
  hintPenaltySeconds: number;
  minSolveSeconds: number;
  resultsTs: string | null;
}

export interface EntryRow {
  seq: number;
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
}

export interface MemoryDatabaseOptions {
  /** The clock every stored time and deadline comes from (the database clock, for the Prisma stores); default Date.now. */
  now?: () => number;
}

/** What the Prisma stores keep in PostgreSQL, kept in maps; one instance is shared by the in-memory stores. */
export class MemoryDatabase {
  readonly learners = new Map<string, LearnerRow>();
  readonly progress = new Map<string, ProgressRow>();
  readonly steps = new Map<string, StepRow>();
  readonly commandRuns = new Map<string, CommandRunRow>();
  readonly sandboxes = new Map<string, SandboxRow>();
  readonly processedEvents = new Map<string, Date>();
  readonly challenges = new Map<string, ChallengeRow>();
  readonly entries = new Map<string, EntryRow>();
  private readonly clock: () => number;
  private seq = 0;

  constructor(opts: MemoryDatabaseOptions = {}) {
    this.clock = opts.now ?? Date.now;
  }

  now(): Date {
    return new Date(this.clock());
  }

  newId(): string {
    return randomUUID();
  }

  nextSeq(): number {
    return ++this.seq;
  }

  learnerByUser(teamId: string, userId: string): LearnerRow | undefined {
    for (const l of this.learners.values()) if (l.teamId === teamId && l.userId === userId) return l;
    return undefined;
  }

  /** Like a foreign key: a row pointing at an unknown learner is refused. */
  learner(id: string): LearnerRow {
    const l = this.learners.get(id);
    if (!l) throw new MemoryStoreError(`no learner ${id}`);
    return l;
  }
}

/** What a constraint or a missing row raises (Prisma raises its own errors there). */
export class MemoryStoreError extends Error {}

export const progressKey = (learnerId: string, lessonId: string) => `${learnerId}\u0000${lessonId}`;
export const stepKey = (learnerId: string, lessonId: string, stepId: string) => `${learnerId}\u0000${lessonId}\u0000${stepId}`;

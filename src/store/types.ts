export interface LearnerRecord {
  id: string;
  teamId: string;
  userId: string;
  displayName: string | null;
  firstSeenAt: Date;
}

export interface LearnerStore {
  /** Finds the learner or stores it on first contact; `created` tells which. */
  ensureLearner(teamId: string, userId: string, displayName?: string): Promise<{ learner: LearnerRecord; created: boolean }>;
  find(teamId: string, userId: string): Promise<LearnerRecord | null>;
  /**
   * Stores a learner first seen now, with their DM channel, in one write (a class's first messages queue for the
   * database); when another turn stored them first, that row, with `created` false and the channel left as is.
   */
  addLearner(teamId: string, userId: string, dmChannel?: string): Promise<{ learner: LearnerRecord; created: boolean }>;
  /** The learner's name as Slack tells it (asked after their first answer), in one write; nothing when unknown. */
  setDisplayName(teamId: string, userId: string, displayName: string): Promise<void>;
}

/** Remembers handled Slack event ids: Slack delivers at least once. */
export interface EventLedger {
  /** True the first time an id is claimed, false for every later delivery. */
  claim(eventId: string): Promise<boolean>;
  /** Forgets ids older than the cut-off; returns how many were removed. */
  prune(olderThan: Date): Promise<number>;
}

export interface ActiveLesson {
  lessonId: string;
  stepId: string | null;
  /** When the current step was started (for time-to-complete). */
  stepStartedAt: Date;
}

export interface LessonSummary {
  lessonId: string;
  currentStepId: string | null;
  startedAt: Date;
  completedAt: Date | null;
  stepsCompleted: number;
  attempts: number;
  hintsUsed: number;
  /** Sum of time-to-complete over completed steps. */
  timeSpentMs: number;
}

export interface CommandRunStart {
  learnerId: string;
  command: string;
  channel?: string;
}

export interface CommandRunEnd {
  exitCode: number | null;
  durationMs: number;
  outputBytes: number;
  truncated: boolean;
  timedOut: boolean;
  interrupted: boolean;
}

export interface InterruptedRun {
  id: string;
  command: string;
  channel: string | null;
  teamId: string;
  userId: string;
}

export type SandboxRowState = 'creating' | 'ready' | 'removed' | 'crashed';

/** Lesson progress, command history and sandbox state: what the tutor keeps across restarts. */
export interface TutorStore {
  setDmChannel(learnerId: string, channel: string): Promise<void>;
  dmChannelOf(teamId: string, userId: string): Promise<string | null>;
  activeLesson(learnerId: string): Promise<ActiveLesson | null>;
  /** Starts (or continues, when unfinished and not `restart`) a lesson and makes it the active one; returns the current step id. */
  startLesson(learnerId: string, lessonId: string, firstStepId: string, opts?: { restart?: boolean }): Promise<{ stepId: string; resumed: boolean }>;
  stopLesson(learnerId: string): Promise<void>;
  /** Counts a check attempt on a step. */
  recordAttempt(learnerId: string, lessonId: string, stepId: string): Promise<number>;
  /** Counts a hint; returns how many hints of the step were shown. */
  recordHint(learnerId: string, lessonId: string, stepId: string): Promise<number>;
  recordSolutionShown(learnerId: string, lessonId: string, stepId: string): Promise<void>;
  /** Marks the step done (or skipped) and moves the lesson to `nextStepId`, or completes it when null. */
  completeStep(learnerId: string, lessonId: string, stepId: string, nextStepId: string | null, opts: { skipped: boolean }): Promise<void>;
  summaries(learnerId: string): Promise<LessonSummary[]>;
  startCommand(run: CommandRunStart): Promise<string>;
  finishCommand(id: string, end: CommandRunEnd): Promise<void>;
  /** Runs of the workspace's learners left unfinished by a previous process: marked interrupted and returned, once. */
  takeInterruptedRuns(teamId: string): Promise<InterruptedRun[]>;
  recordSandbox(teamId: string, userId: string, containerId: string, state: SandboxRowState): Promise<void>;
  knownSandbox(containerId: string): Promise<boolean>;
  /**
   * Start-up adoption: keep this container for this learner? The engine's labels say whose it is (set by the bot
   * at creation, out of the learner's reach); the store only vetoes: an unknown learner, or a row that says the
   * container was removed, crashed or is someone else's. No row at all (its record was still being written when
   * the bot stopped) is fine.
   */
  ownsSandbox(teamId: string, userId: string, containerId: string): Promise<boolean>;
}

export interface ChallengeRecord {
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
  /** Solves faster than this many seconds from the solver's start are flagged for an admin's review (0: none). */
  minSolveSeconds: number;
  /** The final results message, edited when an admin disqualifies an entry. */
  resultsTs: string | null;
}

export interface ChallengeEntryRecord {
  id: string;
  challengeId: string;
  learnerId: string;
  teamId: string;
  userId: string;
  acceptedAt: Date;
  solvedAt: Date | null;
  attempts: number;
  hintsUsed: number;
  /** When the learner's fresh sandbox was ready (the exercise's images pulled) and the task shown: their time runs from here. */
  readyAt: Date | null;
  /** Set when an admin removed the entry from the ranking; `disqualifiedBy` is the admin's user id. */
  disqualifiedAt: Date | null;
  disqualifiedBy: string | null;
}

export type AcceptOutcome =
  | { kind: 'accepted'; entry: ChallengeEntryRecord }
  | { kind: 'already'; entry: ChallengeEntryRecord }
  | { kind: 'ended' }
  | { kind: 'busy-elsewhere'; other: ChallengeRecord };

/**
 * Challenges and their entries. Times that decide outcomes come from the database clock, unless the caller
 * passes `at` (a challenge service built with its own clock passes it everywhere, so one clock decides).
 */
export interface ChallengeStore {
  /** Throws AppError CHALLENGE_CHANNEL_BUSY when the channel already runs one. */
  create(c: { teamId: string; channelId: string; exerciseId: string; createdBy: string; durationMs: number; hintPenaltySeconds: number; minSolveSeconds?: number }, at?: Date): Promise<ChallengeRecord>;
  /** Deletes a challenge that never started (its card could not be posted), so it does not block the channel. */
  discard(id: string): Promise<void>;
  setMessages(id: string, cardTs: string, leaderboardTs: string): Promise<void>;
  get(id: string): Promise<ChallengeRecord | null>;
  runningInChannel(teamId: string, channelId: string): Promise<ChallengeRecord | null>;
  /** Challenges of the workspace that have not ended. */
  running(teamId: string): Promise<ChallengeRecord[]>;
  accept(challengeId: string, learnerId: string, at?: Date): Promise<AcceptOutcome>;
  /** The learner's sandbox is ready and the task shown: the race clock starts. Once; never after a solve. */
  markReady(entryId: string, at?: Date): Promise<boolean>;
  /** The learner's entry in a challenge that has not ended. */
  activeEntry(learnerId: string): Promise<{ entry: ChallengeEntryRecord; challenge: ChallengeRecord } | null>;
  recordAttempt(entryId: string): Promise<void>;
  recordHint(entryId: string): Promise<void>;
  /** Records a solve at `at` (default: the database's now) if it is not after the deadline; `first` when nobody solved before. */
  recordSolve(entryId: string, at?: Date): Promise<{ solved: boolean; first: boolean }>;
  /** Ends it once: at its deadline, or now when earlier. Null when it had already ended. */
  end(id: string, at?: Date): Promise<ChallengeRecord | null>;
  setResultsMessage(id: string, resultsTs: string): Promise<void>;
  /** Removes an entry from the ranking (once); false when it was already disqualified or does not exist. */
  disqualify(entryId: string, by: string, at?: Date): Promise<boolean>;
  /** The channel's running challenge, else its most recently started one. */
  latestInChannel(teamId: string, channelId: string): Promise<ChallengeRecord | null>;
  /** True while a challenge on this exercise runs in the learner's workspace (its solution stays hidden from everyone). */
  exerciseRunning(learnerId: string, exerciseId: string): Promise<boolean>;
  entries(challengeId: string): Promise<ChallengeEntryRecord[]>;
  /** The learner's latest challenge entries, newest first. */
  resultsFor(learnerId: string, limit: number): Promise<{ entry: ChallengeEntryRecord; challenge: ChallengeRecord }[]>;
}

/** What a class report needs of one learner. */
export interface LearnerActivity {
  userId: string;
  displayName: string | null;
  /** When the learner was first or last stored by the bot (no later than their last event). */
  lastSeenAt: Date;
  lessonsCompleted: number;
  stepsCompleted: number;
  /** When the learner did something: lessons and steps started or done, commands sent or finished. Unordered. */
  eventTimes: Date[];
}

/** What a learner's `/tutor forget me` removed, as counts (kept in the log; nothing names the learner). */
export interface ForgottenCounts {
  lessons: number;
  steps: number;
  commands: number;
  challengeEntries: number;
  sandboxes: number;
}

/** The team lead's view and a learner's own data: class reports, forgetting a learner, the Messages tab welcome. */
export interface TeamStore {
  /** Learners of the workspace who started a lesson or ran a command (only those among `userIds` when given). */
  activity(teamId: string, userIds?: readonly string[]): Promise<LearnerActivity[]>;
  /** Deletes the learner and everything kept about them; null when there was nothing. */
  forget(teamId: string, userId: string): Promise<ForgottenCounts | null>;
  /** Records the Messages tab welcome: true the first time for this user, false after. */
  claimWelcome(teamId: string, userId: string): Promise<boolean>;
}

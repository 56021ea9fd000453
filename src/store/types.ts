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
  messageTs?: string;
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
  messageTs: string | null;
  teamId: string;
  userId: string;
}

export type SandboxRowState = 'creating' | 'ready' | 'removed' | 'crashed';

/** Lesson progress, command history and sandbox state: what the tutor keeps across restarts. */
export interface TutorStore {
  setDmChannel(learnerId: string, channel: string): Promise<void>;
  dmChannelOf(teamId: string, userId: string): Promise<string | null>;
  activeLesson(learnerId: string): Promise<ActiveLesson | null>;
  /** Starts (or continues, when unfinished) a lesson and makes it the active one; returns the current step id. */
  startLesson(learnerId: string, lessonId: string, firstStepId: string): Promise<{ stepId: string; resumed: boolean }>;
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
  setCommandMessage(id: string, channel: string, messageTs: string): Promise<void>;
  /** Runs left unfinished by a previous process: marked interrupted and returned, once. */
  takeInterruptedRuns(): Promise<InterruptedRun[]>;
  recordSandbox(teamId: string, userId: string, containerId: string, state: SandboxRowState): Promise<void>;
  knownSandbox(containerId: string): Promise<boolean>;
}

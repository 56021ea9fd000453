/** A lesson an admin assigned to a learner (one per team, user and lesson: assigning again updates it). */
export interface AssignmentRecord {
  id: string;
  teamId: string;
  lessonId: string;
  userId: string;
  assignedBy: string;
  dueAt: Date | null;
  createdAt: Date;
  completedAt: Date | null;
  remindedBeforeAt: Date | null;
  remindedOnDayAt: Date | null;
}

export type ReminderKind = 'before' | 'onDay';

/** A learner inside a lesson, as the live class view sees them: where they are and how the current step goes. */
export interface ClassLearnerRow {
  userId: string;
  displayName: string | null;
  lessonId: string;
  stepId: string;
  stepStartedAt: Date;
  /** Checks and hints on the current step so far. */
  attempts: number;
  hintsUsed: number;
  lastSeenAt: Date;
}

export interface AssignmentCounts {
  open: number;
  completed: number;
  overdue: number;
}

/** Assignments, their reminders, and the class view's read of learners' current steps. */
export interface ClassStore {
  /**
   * Creates the assignment, or updates the due date (and the assigner) of an existing one; a changed due date
   * clears the reminders sent for the old one. `created` and `dueChanged` tell the caller whether to tell the learner.
   */
  assign(a: { teamId: string; lessonId: string; userId: string; assignedBy: string; dueAt: Date | null }): Promise<{ record: AssignmentRecord; created: boolean; dueChanged: boolean }>;
  /** The learner's assignments, with completion stamped from their progress (a lesson done counts once, for good). */
  assignmentsOf(teamId: string, userId: string): Promise<AssignmentRecord[]>;
  /** Every open assignment with a due date up to `dueBefore`, completion checked first (the reminder scheduler's read). */
  openDueBefore(dueBefore: Date): Promise<AssignmentRecord[]>;
  /** Marks a reminder sent unless it already was: true for the one caller that may send it. */
  claimReminder(id: string, kind: ReminderKind, at: Date): Promise<boolean>;
  counts(now: Date): Promise<AssignmentCounts>;
  /** Learners of the team inside a lesson and seen since `since`. */
  classLearners(teamId: string, since: Date): Promise<ClassLearnerRow[]>;
}

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

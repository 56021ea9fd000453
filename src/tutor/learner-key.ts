declare const learnerKeyBrand: unique symbol;

/**
 * One learner of one workspace, as a single string (`teamId:userId`): the key of per-learner state
 * in the tutor and of the learner's sandbox. Branded so a plain string cannot pass for it; it is still
 * a string, so it goes to the sandbox layer (which knows only plain string keys) as is.
 */
export type LearnerKey = string & { readonly [learnerKeyBrand]: 'LearnerKey' };

export interface LearnerIdentity {
  teamId: string;
  userId: string;
}

export function learnerKeyOf({ teamId, userId }: LearnerIdentity): LearnerKey {
  return `${teamId}:${userId}` as LearnerKey;
}

/** The workspace and user of a key (e.g. one a sandbox event carries); undefined when it is not a learner's key. */
export function parseLearnerKey(key: string): LearnerIdentity | undefined {
  const m = /^([^:]+):([^:]+)$/.exec(key);
  return m ? { teamId: m[1]!, userId: m[2]! } : undefined;
}

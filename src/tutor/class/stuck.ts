import type { ClassLearnerRow } from '../../store';

/**
 * A learner is stuck when they have been on the same step for at least `stuckMs` (no step passed in that time: a
 * pass moves them to the next step and restarts its clock) and have tried it, at least one failed check or one hint
 * on it. Someone who has been reading for a while without trying is not stuck, only slow.
 */
export function stuckForMs(row: Pick<ClassLearnerRow, 'stepStartedAt' | 'attempts' | 'hintsUsed'>, now: number, stuckMs: number): number | null {
  const onStep = now - row.stepStartedAt.getTime();
  if (onStep < stuckMs) return null;
  return row.attempts + row.hintsUsed > 0 ? onStep : null;
}

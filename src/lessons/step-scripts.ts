import type { LessonSandbox } from './lesson-sandbox';
import type { ScriptResult } from '../sandbox';
import type { LessonStep } from './types';

/** The variable a seeded step's setup and check read their per-attempt seed from. */
export const SEED_VARIABLE = 'DOCKHAND_SEED';

/** Steps whose setup or check mention DOCKHAND_SEED get a fresh seed every time their setup runs (an attempt). */
export function usesSeed(step: Partial<Pick<LessonStep, 'setup' | 'check'>>): boolean {
  return (step.setup ?? '').includes(SEED_VARIABLE) || (step.check ?? '').includes(SEED_VARIABLE);
}

/** Where a step's seed is kept: one per lesson and step, so another exercise's setup never supplies it. */
export function seedName(lessonId: string, stepId: string): string {
  return `${lessonId}.${stepId}`;
}

/** The seed a step's check reads, if the step is seeded. */
export function checkSeed(lessonId: string | undefined, step: Partial<Pick<LessonStep, 'id' | 'setup' | 'check'>>): string | undefined {
  return lessonId && step.id && usesSeed(step) ? seedName(lessonId, step.id) : undefined;
}

/** stderr joins stdout in one pipe, so "the last line" is the last one the script printed, whichever stream. */
export function oneStream(script: string): string {
  return `exec 2>&1\n${script}`;
}

/**
 * Runs a step's setup in the learner's sandbox, from their home folder. A seeded step first gets a fresh seed
 * (kept where the check finds it and the learner cannot change it), passed to the setup as DOCKHAND_SEED: the
 * setup writes this attempt's data from it, the check recomputes the answer from it. Undefined without a setup.
 */
export async function runSetup(
  sandbox: Pick<LessonSandbox, 'run' | 'newSeed'>,
  lessonId: string,
  step: Pick<LessonStep, 'id' | 'setup' | 'check' | 'solutionTimeoutMs'>,
  opts: { outputCapBytes?: number } = {},
): Promise<ScriptResult | undefined> {
  if (step.setup === undefined) return undefined;
  const seed = usesSeed(step) ? await sandbox.newSeed(seedName(lessonId, step.id)) : undefined;
  const script = `cd ~\n${seed ? `export ${SEED_VARIABLE}=${seed}\n` : ''}${step.setup}`;
  return sandbox.run(oneStream(script), { timeoutMs: step.solutionTimeoutMs, outputCapBytes: opts.outputCapBytes });
}

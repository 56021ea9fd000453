import { AppError } from '../errors';
import { runCheck } from '../lessons/check-outcome';
import { ManagerLessonSandbox } from '../lessons/manager-lesson-sandbox';
import type { TutorStore } from '../store/types';
import type { LessonFlow } from './lesson-flow';
import type { ChallengeHooks, SandboxPort } from './tutor-deps';
import type { CurrentStep, TurnContext } from './turn-context';
import { stepValue } from './views';

export interface ChecksDeps {
  store: Pick<TutorStore, 'recordAttempt'>;
  sandboxes: Pick<SandboxPort, 'execScript' | 'checkScript' | 'newSeed' | 'reset'>;
  challenges?: ChallengeHooks;
}

/** Checking a step in the learner's sandbox: `check`, `next`, and the automatic check after a command. */
export class Checks {
  constructor(
    private readonly deps: ChecksDeps,
    private readonly flow: LessonFlow,
  ) {}

  /**
   * Runs the step's check and says how it went. `quietUnlessDone` (the automatic check after a
   * command) says nothing unless the step is done: no "Not done yet", no "could not run the check".
   */
  async check(ctx: TurnContext, cur: CurrentStep, opts: { next?: boolean; quietUnlessDone?: boolean } = {}): Promise<void> {
    const { lesson, step } = cur;
    await this.deps.store.recordAttempt(ctx.learner.id, lesson.id, step.id);
    let outcome;
    try {
      // with the trusted runner, never the sandbox's own tools; a seeded step checks against this attempt's seed
      outcome = await runCheck(new ManagerLessonSandbox(this.deps.sandboxes, ctx.key), step, { lessonId: lesson.id });
    } catch (err) {
      ctx.log.warn({ err }, 'check could not run');
      if (opts.quietUnlessDone) return;
      return ctx.say({ text: `I could not run the check right now (${err instanceof AppError ? err.code : 'sandbox error'}). Try again in a moment.` });
    }
    const raced = await this.deps.challenges?.onCheck(ctx.learner.id, lesson.id, outcome.passed).catch((err: unknown) => {
      ctx.log.error({ err }, 'recording a challenge check failed');
      return undefined;
    });
    if (outcome.passed) {
      await ctx.say({ text: `:white_check_mark: ${outcome.message === 'Done!' ? `${step.title}: done!` : outcome.message}` });
      if (raced) await ctx.say(raced);
      return this.flow.advance(ctx, cur, { skipped: false });
    }
    if (opts.quietUnlessDone) return;
    const value = stepValue(lesson.id, step.id);
    await ctx.say({
      text: `Not done yet: ${outcome.message}`,
      sections: [`${opts.next ? 'Finish this step first (or `skip` it). ' : ''}Not done yet: ${outcome.message}`],
      buttons: [{ label: 'Hint', actionId: 'tutor:hint', value }],
    });
  }
}

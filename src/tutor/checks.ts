import { AppError } from '../errors';
import { KeyedLanes } from '../kit';
import { runCheck } from '../lessons';
import type { TutorStore } from '../store';
import type { LessonFlow } from './lesson-flow';
import type { SandboxPort } from '../sandbox';
import { stepSandbox } from './sandboxes/step-sandbox';
import type { ChallengeHooks } from './tutor-deps';
import type { TurnContext } from './turns/turn-context';
import { stepLabel, stepValue } from './views';

export interface ChecksDeps {
  store: Pick<TutorStore, 'recordAttempt'>;
  sandboxes: Pick<SandboxPort, 'execScript' | 'checkScript' | 'newSeed' | 'reset'>;
  challenges?: ChallengeHooks;
}

/** Checking a step in the learner's sandbox: `check`, `next`, and the automatic check after a command. */
export class Checks {
  private readonly lanes = new KeyedLanes<string>();

  constructor(
    private readonly deps: ChecksDeps,
    private readonly flow: LessonFlow,
  ) {}

  /**
   * Runs the check of the step the learner is on when its turn comes, and says how it went. `quietUnlessDone`
   * (the automatic check after a command) runs only on steps checked automatically and says nothing unless the
   * step is done: no "Not done yet", no "could not run the check".
   */
  check(ctx: TurnContext, opts: { next?: boolean; quietUnlessDone?: boolean } = {}): Promise<void> {
    return this.inTurn(ctx, () => this.checkInTurn(ctx, opts));
  }

  /**
   * Runs `fn` once the learner's earlier checks (and skips) are done. One at a time per learner: two commands'
   * automatic checks that passed together advanced the step twice (two ticks, two step cards, and a late one could
   * move a finished lesson back).
   */
  inTurn(ctx: TurnContext, fn: () => Promise<void>): Promise<void> {
    return this.lanes.run(ctx.key, fn);
  }

  private async checkInTurn(ctx: TurnContext, opts: { next?: boolean; quietUnlessDone?: boolean }): Promise<void> {
    // The step the learner is on now: a command, or a check before this one, may have moved them on.
    ctx.forgetLesson();
    const cur = await ctx.current();
    // finished or stopped meanwhile (the check before this one has said so); the automatic check only on steps that ask for it
    if (!cur || (opts.quietUnlessDone && !cur.step.autoCheck)) return;
    const { lesson, step } = cur;
    await this.deps.store.recordAttempt(ctx.learner.id, lesson.id, step.id);
    let outcome;
    try {
      // with the trusted runner, never the sandbox's own tools; a seeded step checks against this attempt's seed
      outcome = await runCheck(stepSandbox(this.deps.sandboxes, ctx.key), step, { lessonId: lesson.id });
    } catch (err) {
      ctx.log.warn({ err }, 'check could not run');
      if (opts.quietUnlessDone) return;
      if (err instanceof AppError && err.code === 'SANDBOX_OUTDATED') {
        return ctx.say({ text: 'Your sandbox was made by an older version of Dockhand, and its checks cannot run in it. Type `reset` for a fresh one (your progress is kept).' });
      }
      return ctx.say({ text: `I could not run the check right now (${err instanceof AppError ? err.code : 'sandbox error'}). Try again in a moment.` });
    }
    const raced = await this.deps.challenges?.onCheck(ctx.learner.id, lesson.id, outcome.passed).catch((err: unknown) => {
      ctx.log.error({ err }, 'recording a challenge check failed');
      return undefined;
    });
    if (outcome.passed) {
      // a check's message is made of what it read in the learner's sandbox: shown as plain text (plain)
      const done = `:white_check_mark: ${outcome.message === 'Done!' ? `${step.title}: done!` : outcome.message}`;
      await ctx.say({ text: done, plain: [done] });
      if (raced) await ctx.say(raced);
      return this.flow.advance(ctx, cur, { skipped: false });
    }
    if (opts.quietUnlessDone) return;
    const value = stepValue(lesson.id, step.id);
    await ctx.say({
      text: `Not done yet: ${outcome.message}`,
      ...(opts.next ? { sections: ['Finish this step first (or `skip` it).'] } : {}),
      plain: [`Not done yet: ${outcome.message}`],
      buttons: [{ label: 'Hint', actionId: 'tutor:hint', value, accessibilityLabel: `Hint for ${stepLabel(step)}` }],
    });
  }
}

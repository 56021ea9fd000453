import type { TutorStore } from '../../store';
import type { Checks } from '../checks';
import type { Commands } from '../commands';
import type { Word } from './intent';
import type { LessonFlow } from '../lesson-flow';
import type { Progress } from '../progress';
import type { ChallengeHooks, PlaygroundLinks } from '../tutor-deps';
import type { TurnContext } from './turn-context';
import { HELP_TEXT, hintReply, playgroundReply } from '../views';

export interface KeywordDispatcherDeps {
  store: Pick<TutorStore, 'recordHint' | 'recordSolutionShown'>;
  challenges?: ChallengeHooks;
  playground?: PlaygroundLinks;
}

/** Sends each keyword a learner types (or presses as a button) to what answers it: `help`, `lessons`, `start`, `hint`, `check`, `skip`... */
export class KeywordDispatcher {
  constructor(
    private readonly deps: KeywordDispatcherDeps,
    private readonly parts: { flow: LessonFlow; checks: Checks; commands: Commands; progress: Progress },
  ) {}

  async onWord(ctx: TurnContext, word: Word, arg: string): Promise<void> {
    const { flow, commands, progress } = this.parts;
    switch (word) {
      case 'help':
        return ctx.say({ text: 'Here is what I can do.', sections: [HELP_TEXT] });
      case 'lessons':
        return ctx.say(await progress.lessons(ctx));
      case 'progress':
        return ctx.say(await progress.progress(ctx));
      case 'start':
        return flow.start(ctx, arg);
      case 'stop':
        return flow.pause(ctx);
      case 'reset':
        if (!(await commands.resetSandbox(ctx)).allowed) return;
        await flow.afterReset(ctx);
        return ctx.say({ text: 'Your sandbox was reset: your next command starts in a fresh one. Your lesson progress is kept.' });
      case 'playground':
        return ctx.say(playgroundReply(this.deps.playground?.linkFor(ctx.ref)));
      default:
        return this.stepAction(ctx, word);
    }
  }

  /** Words that act on the current step. */
  private async stepAction(ctx: TurnContext, word: 'hint' | 'check' | 'solution' | 'skip' | 'next'): Promise<void> {
    const { flow, checks } = this.parts;
    const cur = await ctx.current();
    if (!cur) return ctx.say({ text: `\`${word}\` works inside a lesson, and none is running. Type \`lessons\` to pick one.` });
    const { lesson, step } = cur;
    const { store } = this.deps;
    switch (word) {
      case 'hint': {
        if (!step.hints.length) return ctx.say({ text: 'This step has no hints. `solution` shows the commands.' });
        const n = await store.recordHint(ctx.learner.id, lesson.id, step.id);
        const penalty = await this.deps.challenges?.onHint(ctx.learner.id, lesson.id);
        return ctx.say(hintReply(step, n, penalty));
      }
      case 'solution':
        if (await flow.solutionHidden(ctx, lesson.id)) {
          return ctx.say({ text: 'The solution stays hidden while the challenge runs. Hints are allowed (they add a time penalty).' });
        }
        await store.recordSolutionShown(ctx.learner.id, lesson.id, step.id);
        return ctx.say({ text: 'Solution', sections: ['*Solution*: run these, one per message:', step.solution.map((c) => `\`$ ${c.replace(/`/g, "'")}\``).join('\n')] });
      case 'skip':
        if (await flow.solutionHidden(ctx, lesson.id)) return ctx.say({ text: 'A challenge step cannot be skipped; `hint` helps (with a time penalty).' });
        // after any check under way, and only if that check did not already move the learner on
        return checks.inTurn(ctx, async () => {
          ctx.forgetLesson();
          const now = await ctx.current();
          if (now?.lesson.id === lesson.id && now.step.id === step.id) await flow.advance(ctx, now, { skipped: true });
        });
      case 'check':
      case 'next':
        return checks.check(ctx, { next: word === 'next' });
    }
  }
}

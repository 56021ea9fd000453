import { AppError } from '../errors';
import type { LessonCatalog } from '../lessons';
import { runSetup, usesSeed } from '../lessons';
import type { Lesson, LessonStep } from '../lessons';
import type { TutorStore } from '../store';
import type { SandboxPort, ScriptResult } from '../sandbox';
import { stepSandbox } from './sandboxes/step-sandbox';
import type { LessonPrePuller } from './pulls/lesson-prepull';
import type { ChallengeHooks } from './tutor-deps';
import type { TutorEvents } from './tutor-events';
import type { CurrentStep, TurnContext } from './turns/turn-context';
import { lessonIntro, lessonSummary, stepCard } from './views';

export interface LessonFlowDeps {
  store: TutorStore;
  catalog: LessonCatalog;
  sandboxes: Pick<SandboxPort, 'execScript' | 'checkScript' | 'newSeed' | 'reset' | 'prepare'>;
  events: TutorEvents;
  challenges?: ChallengeHooks;
  /** Pulls a lesson's images into the learner's sandbox in the background; without it, their commands pull them. */
  prePull?: LessonPrePuller;
  /** Step cards then carry an "Open playground" button. */
  playground?: unknown;
}

/** Moving through lessons: starting, resuming, pausing, showing a step, going to the next one. */
export class LessonFlow {
  constructor(private readonly deps: LessonFlowDeps) {}

  /** `start [lesson]`: by id, number, title or part of one; with no argument, the active or first unfinished lesson. */
  async start(ctx: TurnContext, arg: string): Promise<void> {
    const { catalog, store } = this.deps;
    let lesson: Lesson | undefined;
    const wanted = arg.trim().toLowerCase();
    if (!wanted) {
      const active = await ctx.activeLesson();
      const done = new Set((await store.summaries(ctx.learner.id)).filter((s) => s.completedAt).map((s) => s.lessonId));
      lesson = (active && catalog.get(active.lessonId)) || catalog.list('lesson').find((l) => !done.has(l.id));
      if (!lesson) return ctx.say({ text: 'You have finished every lesson! Type `lessons` to pick one again.' });
    } else {
      const lessons = catalog.list('lesson');
      const all = catalog.list();
      lesson =
        catalog.get(wanted) ??
        (/^\d+$/.test(wanted) ? lessons[Number(wanted) - 1] : undefined) ??
        all.find((l) => l.title.toLowerCase() === wanted) ??
        all.find((l) => l.id.includes(wanted) || l.title.toLowerCase().includes(wanted));
      if (!lesson) return ctx.say({ text: `I don't know a lesson called "${arg.slice(0, 60)}". Type \`lessons\` for the list.` });
    }
    const first = lesson.steps[0];
    if (!first) return ctx.say({ text: `${lesson.title} has no steps yet.` });
    const { stepId, resumed } = await store.startLesson(ctx.learner.id, lesson.id, first.id);
    this.progressed(ctx);
    const step = lesson.steps.find((s) => s.id === stepId) ?? first;
    const intro = resumed ? undefined : lessonIntro(lesson);
    if (intro) await ctx.say(intro);
    await this.enterStep(ctx, lesson, step, { resumed });
    // The learner reads the intro and the step now: their sandbox starts meanwhile, after the card (a class opening
    // the lesson together: 30 sandbox starts ahead of the cards held the last card back by seconds), and the
    // images of their step arrive in it (the next step's come when they advance).
    ctx.prepareSandbox(this.deps.sandboxes);
    this.deps.prePull?.request(ctx.key, lesson, step.index, ctx.log);
  }

  /** The exercise (or lesson) with this id and its first step; LESSON_UNKNOWN when there is none. */
  exercise(lessonId: string): CurrentStep {
    const lesson = this.deps.catalog.get(lessonId);
    const step = lesson?.steps[0];
    if (!lesson || !step) throw new AppError('LESSON_UNKNOWN', `No exercise ${lessonId}`);
    return { lesson, step };
  }

  /** Starts a lesson over from its first step (a challenge attempt, in a sandbox already made fresh). */
  async restart(ctx: TurnContext, { lesson, step }: CurrentStep): Promise<void> {
    await this.deps.store.startLesson(ctx.learner.id, lesson.id, step.id, { restart: true });
    this.progressed(ctx);
    await this.enterStep(ctx, lesson, step);
  }

  /** After a reset inside a lesson: the fresh sandbox starts now and gets the step's images, as when it opened. */
  async afterReset(ctx: TurnContext): Promise<void> {
    const cur = await ctx.current();
    if (!cur || !this.deps.prePull) return;
    ctx.prepareSandbox(this.deps.sandboxes);
    this.deps.prePull.request(ctx.key, cur.lesson, cur.step.index, ctx.log);
  }

  /** `stop`: pauses the active lesson. */
  async pause(ctx: TurnContext): Promise<void> {
    const active = await ctx.activeLesson();
    if (!active) return ctx.say({ text: 'No lesson is running. Type `lessons` to pick one.' });
    await this.deps.store.stopLesson(ctx.learner.id);
    this.progressed(ctx);
    const title = this.deps.catalog.get(active.lessonId)?.title ?? active.lessonId;
    return ctx.say({ text: `Paused *${title}*. \`start ${active.lessonId}\` continues where you left off.` });
  }

  /** Shows the current step's card again. */
  async showCurrent(ctx: TurnContext): Promise<void> {
    const cur = await ctx.current();
    if (cur) await ctx.say(stepCard(cur.lesson, cur.step, { solutionHidden: await this.solutionHidden(ctx, cur.lesson.id), playground: !!this.deps.playground }));
    else await ctx.say({ text: 'No lesson is running. Type `lessons` to pick one.' });
  }

  /** Shows a step's card after running its setup, if any. */
  async enterStep(ctx: TurnContext, lesson: Lesson, step: LessonStep, opts: { resumed?: boolean } = {}): Promise<void> {
    // A resumed seeded step gets a new attempt too: after a `reset` its data (and seed) are gone.
    if (step.setup && (!opts.resumed || usesSeed(step))) {
      // a new attempt: a seeded step gets fresh data (step-scripts.ts)
      const run = await runSetup(stepSandbox(this.deps.sandboxes, ctx.key), lesson.id, step).catch((err: unknown) => err);
      if (run instanceof Error || (run as ScriptResult).exitCode !== 0) {
        ctx.log.warn({ lessonId: lesson.id, stepId: step.id, err: run instanceof Error ? run : undefined }, 'step setup failed');
        await ctx.say({ text: 'I could not prepare your sandbox for this step. Try `reset`, then `start` again.' });
      }
    }
    await ctx.say(stepCard(lesson, step, { ...opts, solutionHidden: await this.solutionHidden(ctx, lesson.id), playground: !!this.deps.playground }));
  }

  /** Marks the step done (or skipped) and shows the next one, or the lesson's summary after the last. */
  async advance(ctx: TurnContext, { lesson, step }: CurrentStep, opts: { skipped: boolean }): Promise<void> {
    const next = lesson.steps[step.index + 1];
    await this.deps.store.completeStep(ctx.learner.id, lesson.id, step.id, next?.id ?? null, opts);
    this.progressed(ctx);
    // the next step's images arrive while the learner reads its card (a race pulled its exercise's before the clock)
    if (next && lesson.kind === 'lesson') this.deps.prePull?.request(ctx.key, lesson, next.index, ctx.log);
    if (next) return this.enterStep(ctx, lesson, next);
    const summary = (await this.deps.store.summaries(ctx.learner.id)).find((s) => s.lessonId === lesson.id);
    const lessons = this.deps.catalog.list(lesson.kind);
    const after = lessons[lessons.findIndex((l) => l.id === lesson.id) + 1];
    await ctx.say(lessonSummary(lesson, summary, after));
  }

  /** True while the learner races on this lesson in a challenge. */
  solutionHidden(ctx: TurnContext, lessonId: string): Promise<boolean> {
    // races are on exercises only: a lesson's card asks the database nothing more (a class opening it at once)
    if (this.deps.catalog.get(lessonId)?.kind === 'lesson') return Promise.resolve(false);
    return this.deps.challenges?.solutionHidden(ctx.learner.id, lessonId) ?? Promise.resolve(false);
  }

  /** The learner's lesson state changed: the turn reads it again, and listeners hear about it. */
  private progressed(ctx: TurnContext): void {
    ctx.forgetLesson();
    this.deps.events.emit('progress', { key: ctx.key, teamId: ctx.ref.teamId, userId: ctx.ref.userId });
  }
}

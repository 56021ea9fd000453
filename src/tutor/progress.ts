import type { LessonCatalog } from '../lessons';
import type { Lesson } from '../lessons';
import type { LearnerStore, LessonSummary, TutorStore } from '../store';
import type { Reply } from './reply';
import type { LearnerRef, TurnContext } from './turns/turn-context';
import { lessonList, progressReply } from './views';

export interface ProgressDeps {
  learners: Pick<LearnerStore, 'find'>;
  store: Pick<TutorStore, 'summaries' | 'activeLesson'>;
  catalog: LessonCatalog;
}

/** What the App Home shows for one learner. */
export interface LearnerHome {
  lessons: Lesson[];
  summaries: LessonSummary[];
  activeLessonId: string | null;
  activeStepId: string | null;
  /** The web playground is served: the App Home offers it. */
  playground?: boolean;
}

/** Read-only views of a learner's course: the lesson list, their progress, their App Home. */
export class Progress {
  constructor(private readonly deps: ProgressDeps) {}

  /** `lessons`: the course, with what the learner has done. */
  async lessons(ctx: TurnContext): Promise<Reply> {
    return lessonList(this.deps.catalog.list('lesson'), await this.deps.store.summaries(ctx.learner.id));
  }

  /** `progress`: every lesson and exercise, and which is active. */
  async progress(ctx: TurnContext): Promise<Reply> {
    const active = await ctx.activeLesson();
    return progressReply(this.deps.catalog.list(), await this.deps.store.summaries(ctx.learner.id), active?.lessonId ?? null);
  }

  /** Data for the App Home tab (a learner never seen gets the bare course). */
  async home(ref: Pick<LearnerRef, 'teamId' | 'userId'>): Promise<LearnerHome> {
    const learner = await this.deps.learners.find(ref.teamId, ref.userId);
    const summaries = learner ? await this.deps.store.summaries(learner.id) : [];
    const active = learner ? await this.deps.store.activeLesson(learner.id) : null;
    return { lessons: this.deps.catalog.list(), summaries, activeLessonId: active?.lessonId ?? null, activeStepId: active?.stepId ?? null };
  }
}

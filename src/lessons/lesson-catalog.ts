import { loadLessons } from './lesson-loader';
import type { Lesson, LessonProblem, LessonStep } from './types';

/** Read-only view over loaded lessons for the tutor: pure, no Slack, no database, no sandbox. */
export class LessonCatalog {
  private readonly byId: Map<string, Lesson>;

  constructor(private readonly all: readonly Lesson[]) {
    this.byId = new Map(all.map((l) => [l.id, l]));
  }

  /** Loads `dir`; broken lessons are left out and listed in `errors`. */
  static async load(dir: string): Promise<{ catalog: LessonCatalog; errors: LessonProblem[] }> {
    const { lessons, errors } = await loadLessons(dir);
    return { catalog: new LessonCatalog(lessons), errors };
  }

  /** Lessons in course order (folder order), then exercises; or only one kind. */
  list(kind?: Lesson['kind']): Lesson[] {
    const sorted = [...this.all.filter((l) => l.kind === 'lesson'), ...this.all.filter((l) => l.kind === 'exercise')];
    return kind ? sorted.filter((l) => l.kind === kind) : sorted;
  }

  get(lessonId: string): Lesson | undefined {
    return this.byId.get(lessonId);
  }

  step(lessonId: string, stepId: string): LessonStep | undefined {
    return this.byId.get(lessonId)?.steps.find((s) => s.id === stepId);
  }

  firstStep(lessonId: string): LessonStep | undefined {
    return this.byId.get(lessonId)?.steps[0];
  }

  /** The step after `stepId`, or undefined when it was the last one (or unknown). */
  nextStep(lessonId: string, stepId: string): LessonStep | undefined {
    const step = this.step(lessonId, stepId);
    return step ? this.byId.get(lessonId)?.steps[step.index + 1] : undefined;
  }

  /** Prerequisites of `lessonId` that are not in `completed`. */
  missingPrerequisites(lessonId: string, completed: ReadonlySet<string>): string[] {
    return (this.byId.get(lessonId)?.prerequisites ?? []).filter((p) => !completed.has(p));
  }
}

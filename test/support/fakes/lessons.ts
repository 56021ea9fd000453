import type { Lesson, LessonStep } from '../../../src/lessons/types';

/** A lesson step for tests: checks and setups are scripts the FakeSandbox answers by their text. */
export function makeStep(id: string, index: number, over: Partial<LessonStep> = {}): LessonStep {
  return {
    id,
    index,
    title: `Title of ${id}`,
    body: `Body of ${id}.`,
    check: `check-${id}`,
    hints: [`first hint for ${id}`, `second hint for ${id}`],
    solution: [`docker run ${id}`],
    autoCheck: false,
    checkTimeoutMs: 10_000,
    solutionTimeoutMs: 60_000,
    ...over,
  };
}

/** A lesson with steps `<id>-1`, `<id>-2`, ... unless `steps` are given. */
export function makeLesson(id: string, over: Partial<Omit<Lesson, 'steps'>> & { steps?: (Partial<LessonStep> & { id?: string })[] | number } = {}): Lesson {
  const { steps = 2, ...rest } = over;
  const specs: (Partial<LessonStep> & { id?: string })[] = typeof steps === 'number' ? Array.from({ length: steps }, () => ({})) : steps;
  return {
    id,
    kind: 'lesson',
    title: `Lesson ${id}`,
    summary: `What ${id} teaches.`,
    level: 'beginner',
    minutes: 10,
    images: [],
    prerequisites: [],
    dir: `/lessons/${id}`,
    manifestPath: `/lessons/${id}/lesson.yaml`,
    ...rest,
    steps: specs.map((s, i) => makeStep(s.id ?? `${id}-${i + 1}`, i, s)),
  };
}

import * as path from 'node:path';
import type { Lesson, LessonProblem, LessonStep } from './types';

/**
 * Hints teach in steps: the idea, then the shape of the command, and the command itself only in the last hint
 * (lessons/README.md). In an exercise no hint may be the solution at all: racers get hints during a challenge,
 * where the solution is hidden.
 */

// Commands that look, move or wait rather than do the step: a hint may name them freely.
const INCIDENTAL = /^(cd|ls|cat|head|tail|curl|echo|until|sleep|docker (ps|images|history|port|inspect|image inspect|logs -f|compose ps))\b/;

const normalize = (s: string) => s.replace(/`/g, '').replace(/\s+/g, ' ').trim();

/** The solution's commands a hint must not spell out in full: the ones that do the step. */
export function doingCommands(step: Pick<LessonStep, 'solution'>): string[] {
  return step.solution.map(normalize).filter((c) => c.length >= 12 && !INCIDENTAL.test(c));
}

/** Hints that give the step's solution away too early: any but the last, and in an exercise the last one too. */
export function hintProblems(lesson: Lesson, displayRoot = process.cwd()): LessonProblem[] {
  const file = path.relative(displayRoot, lesson.manifestPath) || lesson.manifestPath;
  const problems: LessonProblem[] = [];
  for (const step of lesson.steps) {
    const commands = doingCommands(step);
    step.hints.forEach((hint, i) => {
      const last = i === step.hints.length - 1;
      if (last && lesson.kind !== 'exercise') return;
      const text = normalize(hint);
      const given = commands.find((c) => text.includes(c));
      if (!given) return;
      const which = last ? 'is an exercise hint (racers see hints while the solution is hidden)' : `is hint ${i + 1} of ${step.hints.length}`;
      problems.push({
        file,
        field: `steps[${step.index}].hints[${i}]`,
        message: `gives the solution's command \`${given.length > 60 ? `${given.slice(0, 59)}…` : given}\` but ${which}: teach the idea or the shape, and leave the command to the last hint`,
      });
    });
  }
  return problems;
}

import { z } from 'zod';

export const LESSON_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;
const id = (what: string) =>
  z.string().regex(LESSON_ID, `expected a ${what}: lowercase letters, digits and dashes, starting with a letter or digit`);

/** A text field written inline, or `{ file: relative/path }` inside the lesson folder. */
const textOrFile = (what: string) =>
  z.union(
    [
      z.string().min(1, `expected ${what} (non-empty text)`),
      z.strictObject({ file: z.string().min(1, 'expected a path relative to the lesson folder') }),
    ],
    { error: `expected ${what}: inline text or { file: <path inside the lesson folder> }` },
  );

/**
 * A plausible wrong attempt at a step: `lessons:test` runs it after the check has failed once, and the check must
 * still fail (and, with `expect`, say something containing that text); `undo` then restores the state for the solution.
 */
export const WrongSchema = z.strictObject({
  why: z.string().min(1, 'expected a short reason this attempt is wrong'),
  run: z.array(z.string().min(1, 'expected a non-empty command')).min(1, 'expected at least one command'),
  undo: z.array(z.string().min(1, 'expected a non-empty command')).default([]),
  expect: z.string().min(1).optional(),
});

/**
 * A correct alternative to the step's solution (long options, another valid order, a file mount instead of a folder):
 * `lessons:test` runs it after the wrong attempts and the check must PASS; `undo` then restores the state for the
 * next alternative and the solution, and the check must fail again.
 */
export const RightSchema = z.strictObject({
  why: z.string().min(1, 'expected a short reason this alternative is right'),
  run: z.array(z.string().min(1, 'expected a non-empty command')).min(1, 'expected at least one command'),
  undo: z.array(z.string().min(1, 'expected a non-empty command')).default([]),
});

export const StepSchema = z.strictObject({
  id: id('step id'),
  title: z.string().min(1, 'expected a non-empty title'),
  body: textOrFile('the step text in Markdown'),
  check: textOrFile('a bash check script'),
  hints: z.array(z.string().min(1, 'expected a non-empty hint')).default([]),
  solution: z.union(
    [z.array(z.string().min(1, 'expected a non-empty command')).min(1, 'expected at least one command'), z.strictObject({ file: z.string().min(1) })],
    { error: 'expected the solution: a list of commands, or { file: <script inside the lesson folder> }' },
  ),
  setup: textOrFile('a bash setup script').optional(),
  autoCheck: z.boolean().default(true),
  checkTimeoutSeconds: z.number().int().min(1).max(300).default(15),
  solutionTimeoutSeconds: z.number().int().min(1).max(1800).default(300),
  wrong: z.array(WrongSchema).default([]),
  right: z.array(RightSchema).default([]),
});

export const ManifestSchema = z
  .strictObject({
    id: id('lesson id'),
    kind: z.enum(['lesson', 'exercise'], { error: 'expected lesson or exercise' }).default('lesson'),
    title: z.string().min(1, 'expected a non-empty title'),
    summary: z.string().min(1, 'expected a one-line summary'),
    level: z.enum(['beginner', 'intermediate', 'advanced'], { error: 'expected beginner, intermediate or advanced' }),
    minutes: z.number().int('expected a whole number of minutes').min(1).max(600),
    images: z.array(z.string().min(1)).default([]),
    prerequisites: z.array(id('lesson id')).default([]),
    intro: textOrFile('an introduction in Markdown').optional(),
    finish: textOrFile('a closing message in Markdown').optional(),
    steps: z.array(StepSchema).min(1, 'expected at least one step'),
  })
  .superRefine((m, ctx) => {
    const seen = new Map<string, number>();
    m.steps.forEach((s, i) => {
      const first = seen.get(s.id);
      if (first !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['steps', i, 'id'], message: `duplicate step id "${s.id}" (already used by steps[${first}])` });
      } else {
        seen.set(s.id, i);
      }
    });
  });

export type Manifest = z.infer<typeof ManifestSchema>;
export type ManifestInput = z.input<typeof ManifestSchema>;
export type StepManifest = z.infer<typeof StepSchema>;
export type WrongManifest = z.infer<typeof WrongSchema>;
export type RightManifest = z.infer<typeof RightSchema>;

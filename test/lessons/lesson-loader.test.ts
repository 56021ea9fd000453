import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadLesson, loadLessons } from '../../src/lessons/lesson-loader';
import { formatProblem, type LessonProblem } from '../../src/lessons/types';

const MIXED = path.join(__dirname, '../fixtures/lessons/mixed-course');

function problemsOf(errors: LessonProblem[], folder: string): string[] {
  return errors.filter((e) => e.file.includes(`/${folder}/`)).map(formatProblem);
}

describe('loadLessons on a course with broken lessons', () => {
  let result: Awaited<ReturnType<typeof loadLessons>>;
  beforeAll(async () => {
    result = await loadLessons(MIXED);
  });

  test('the good lesson still loads, with files resolved and defaults filled in', () => {
    expect(result.lessons.map((l) => l.id)).toEqual(['good']);
    const [one, two] = result.lessons[0]!.steps;
    expect(one!.body).toBe('Make a file called **one**.');
    expect(one!.check).toContain('FAIL: ~/one is missing');
    expect(one!.hints).toEqual(['first hint', 'second hint']);
    expect(one!.autoCheck).toBe(true);
    expect(one!.checkTimeoutMs).toBe(15_000);
    expect(two!.autoCheck).toBe(false);
    expect(two!.hints).toEqual([]);
  });

  test('each broken lesson gives exactly one precise error', () => {
    expect(result.errors).toHaveLength(7);
  });

  test('a missing field names the file, the line and the field', () => {
    expect(problemsOf(result.errors, '02-missing-field')).toEqual(['mixed-course/02-missing-field/lesson.yaml:1: title: missing; expected string']);
  });

  test('a wrong type says what was expected and what was found', () => {
    expect(problemsOf(result.errors, '03-wrong-type')).toEqual(['mixed-course/03-wrong-type/lesson.yaml:5: minutes: expected number, got string']);
  });

  test('an unknown key is rejected and the allowed keys are listed', () => {
    const [p] = problemsOf(result.errors, '04-unknown-key');
    expect(p).toMatch(/^mixed-course\/04-unknown-key\/lesson\.yaml:11: steps\[0\]\.hint: unknown key; expected one of: .*\bhints\b/);
  });

  test('duplicate step ids are rejected, pointing at the second one', () => {
    expect(problemsOf(result.errors, '05-duplicate-steps')).toEqual([
      'mixed-course/05-duplicate-steps/lesson.yaml:12: steps[1].id: duplicate step id "same" (already used by steps[0])',
    ]);
  });

  test('a script path outside the lesson folder is refused', () => {
    expect(problemsOf(result.errors, '06-path-outside')).toEqual([
      'mixed-course/06-path-outside/lesson.yaml:10: steps[0].check.file: "../01-good/check-one.sh" points outside the lesson folder',
    ]);
  });

  test('a missing Markdown file is reported', () => {
    expect(problemsOf(result.errors, '07-missing-markdown')).toEqual([
      'mixed-course/07-missing-markdown/lesson.yaml:9: steps[0].body.file: file "steps/one.md" not found in the lesson folder',
    ]);
  });

  test('invalid YAML is reported with its line', () => {
    const [p] = problemsOf(result.errors, '08-invalid-yaml');
    expect(p).toMatch(/^mixed-course\/08-invalid-yaml\/lesson\.yaml:4: invalid YAML: /);
  });
});

describe('loadLesson edge cases', () => {
  let tmp: string;
  beforeEach(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'dockhand-lessons-'));
  });
  afterEach(async () => {
    await fs.rm(tmp, { recursive: true, force: true });
  });

  const manifest = (check: string) =>
    `id: l\ntitle: T\nsummary: S\nlevel: beginner\nminutes: 1\nsteps:\n  - id: s\n    title: S\n    body: B\n    check: ${check}\n    solution: ["true"]\n`;

  test('a symlink inside the folder that leads outside it is refused', async () => {
    const lesson = path.join(tmp, 'lesson');
    await fs.mkdir(lesson);
    await fs.writeFile(path.join(tmp, 'secret.sh'), 'cat /etc/shadow\n');
    await fs.symlink(path.join(tmp, 'secret.sh'), path.join(lesson, 'check.sh'));
    await fs.writeFile(path.join(lesson, 'lesson.yaml'), manifest('{ file: check.sh }'));
    const r = await loadLesson(lesson, { displayRoot: tmp });
    expect(r.lesson).toBeUndefined();
    expect(r.problems.map(formatProblem)).toEqual(['lesson/lesson.yaml:10: steps[0].check.file: "check.sh" is a symlink that leads outside the lesson folder']);
  });

  test('an absolute script path is refused', async () => {
    await fs.writeFile(path.join(tmp, 'lesson.yaml'), manifest('{ file: /etc/passwd }'));
    const r = await loadLesson(tmp);
    expect(r.problems[0]!.message).toBe('"/etc/passwd" is absolute; expected a path relative to the lesson folder');
  });

  test('a folder without lesson.yaml is reported, and an empty lessons folder is fine', async () => {
    await fs.mkdir(path.join(tmp, 'notes'));
    const r = await loadLessons(tmp);
    expect(r.lessons).toEqual([]);
    expect(r.errors.map((e) => e.message)).toEqual(['missing lesson.yaml']);
  });

  test('a lesson under exercises/ must be an exercise, and defaults to one', async () => {
    const ex = path.join(tmp, 'exercises', 'e1');
    await fs.mkdir(ex, { recursive: true });
    await fs.writeFile(path.join(ex, 'lesson.yaml'), manifest('"true"').replace('id: l', 'id: e1'));
    const r = await loadLessons(tmp);
    expect(r.errors).toEqual([]);
    expect(r.lessons[0]!.kind).toBe('exercise');
  });

  test('an unknown prerequisite and a duplicate lesson id are reported; the first lesson with the id is kept', async () => {
    for (const d of ['a', 'b']) {
      await fs.mkdir(path.join(tmp, d));
      await fs.writeFile(path.join(tmp, d, 'lesson.yaml'), manifest('"true"'));
    }
    await fs.mkdir(path.join(tmp, 'c'));
    await fs.writeFile(path.join(tmp, 'c', 'lesson.yaml'), manifest('"true"').replace('id: l', 'id: c\nprerequisites: [nope]'));
    const r = await loadLessons(tmp);
    expect(r.lessons.map((l) => path.basename(l.dir))).toEqual(['a']);
    expect(r.errors.map((e) => `${e.field}: ${e.message}`).sort()).toEqual([
      `id: duplicate lesson id "l" (also used by ${path.basename(tmp)}/a/lesson.yaml)`,
      'prerequisites: unknown lesson "nope"',
    ]);
  });

  test('wrong attempts load with their reason, commands, undo and expected message; a step without any has none', async () => {
    const wrong = '    wrong:\n      - why: no name\n        run: [docker run nginx, docker ps]\n        undo: ["docker rm -f $(docker ps -lq)"]\n        expect: web\n      - why: nothing\n        run: ["true"]\n';
    await fs.writeFile(path.join(tmp, 'lesson.yaml'), `${manifest('"true"')}${wrong}  - id: t\n    title: T\n    body: B\n    check: "true"\n    solution: ["true"]\n`);
    const r = await loadLesson(tmp);
    expect(r.problems).toEqual([]);
    expect(r.lesson!.steps[0]!.wrong).toEqual([
      { why: 'no name', run: ['docker run nginx', 'docker ps'], undo: ['docker rm -f $(docker ps -lq)'], expect: 'web' },
      { why: 'nothing', run: ['true'], undo: [] },
    ]);
    expect(r.lesson!.steps[1]!.wrong).toBeUndefined();
  });

  test('a wrong attempt without commands, or with an unknown key, is reported with the keys a wrong attempt takes', async () => {
    await fs.writeFile(path.join(tmp, 'lesson.yaml'), `${manifest('"true"')}    wrong:\n      - why: empty\n        run: []\n        cleanup: ["true"]\n`);
    const r = await loadLesson(tmp);
    expect(r.problems.map((p) => `${p.field}: ${p.message}`).sort()).toEqual([
      'steps[0].wrong[0].cleanup: unknown key; expected one of: why, run, undo, expect',
      'steps[0].wrong[0].run: expected at least one command',
    ]);
  });

  test('right alternatives load with their reason, commands and undo; an unknown key names the keys they take', async () => {
    const right = '    right:\n      - why: long option\n        run: [docker container run --name web nginx]\n        undo: [docker rm -f web]\n';
    await fs.writeFile(path.join(tmp, 'lesson.yaml'), `${manifest('"true"')}${right}  - id: t\n    title: T\n    body: B\n    check: "true"\n    solution: ["true"]\n`);
    const r = await loadLesson(tmp);
    expect(r.problems).toEqual([]);
    expect(r.lesson!.steps[0]!.right).toEqual([{ why: 'long option', run: ['docker container run --name web nginx'], undo: ['docker rm -f web'] }]);
    expect(r.lesson!.steps[1]!.right).toBeUndefined();
    await fs.writeFile(path.join(tmp, 'lesson.yaml'), `${manifest('"true"')}    right:\n      - why: x\n        run: ["true"]\n        expect: y\n`);
    const bad = await loadLesson(tmp);
    expect(bad.problems.map((p) => `${p.field}: ${p.message}`)).toEqual(['steps[0].right[0].expect: unknown key; expected one of: why, run, undo']);
  });

  test('a manifest that is not a mapping gets a plain explanation', async () => {
    await fs.writeFile(path.join(tmp, 'lesson.yaml'), '- just\n- a list\n');
    const r = await loadLesson(tmp);
    expect(r.problems[0]!.message).toMatch(/^expected a YAML mapping/);
  });
});

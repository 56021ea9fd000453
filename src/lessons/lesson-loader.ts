import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { LineCounter, parseDocument, isNode } from 'yaml';
import type { z } from 'zod';
import { ManifestSchema, RightSchema, StepSchema, WrongSchema, type Manifest } from './lesson-schema';
import type { Lesson, LessonProblem, LessonStep } from './types';

export const MANIFEST_FILE = 'lesson.yaml';
export const EXERCISES_DIR = 'exercises';

export interface LoadLessonResult {
  lesson?: Lesson;
  problems: LessonProblem[];
}

export interface LoadLessonsResult {
  lessons: Lesson[];
  errors: LessonProblem[];
}

type PathPart = string | number;

function fieldName(parts: readonly PathPart[]): string {
  let out = '';
  for (const p of parts) out += typeof p === 'number' ? `[${p}]` : out ? `.${p}` : p;
  return out;
}

function valueAt(root: unknown, parts: readonly PathPart[]): unknown {
  let v = root;
  for (const p of parts) v = v !== null && typeof v === 'object' ? (v as Record<PathPart, unknown>)[p] : undefined;
  return v;
}

function describeIssue(issue: z.core.$ZodIssue, input: unknown): { parts: PathPart[]; message: string }[] {
  const parts = issue.path.filter((p): p is PathPart => typeof p !== 'symbol');
  if (issue.code === 'invalid_union' && valueAt(input, parts) === undefined) {
    return [{ parts, message: `missing; ${issue.message}` }];
  }
  if (issue.code === 'unrecognized_keys') {
    const shape = parts.length === 0 ? ManifestSchema.shape : parts[parts.length - 2] === 'wrong' ? WrongSchema.shape : parts[parts.length - 2] === 'right' ? RightSchema.shape : StepSchema.shape;
    const allowed = Object.keys(shape).join(', ');
    return issue.keys.map((k) => ({ parts: [...parts, k], message: `unknown key; expected one of: ${allowed}` }));
  }
  const m = /^Invalid input: expected (\S+), received (\S+)$/.exec(issue.message);
  if (m) {
    const message = m[2] === 'undefined' ? `missing; expected ${m[1]}` : `expected ${m[1] === 'int' ? 'a whole number' : m[1]}, got ${m[2]}`;
    return [{ parts, message }];
  }
  if (issue.code === 'invalid_value' && /^Invalid option/.test(issue.message)) {
    return [{ parts, message: `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}` }];
  }
  return [{ parts, message: issue.message }];
}

/** Resolves a path written in a manifest and refuses anything outside the lesson folder, symlinks included. */
async function readInside(lessonDir: string, rel: string): Promise<{ text?: string; error?: string }> {
  if (path.isAbsolute(rel)) return { error: `"${rel}" is absolute; expected a path relative to the lesson folder` };
  const full = path.resolve(lessonDir, rel);
  const within = (root: string, p: string) => {
    const r = path.relative(root, p);
    return r !== '' && !r.startsWith('..') && !path.isAbsolute(r);
  };
  if (!within(lessonDir, full)) return { error: `"${rel}" points outside the lesson folder` };
  let real: string;
  try {
    real = await fs.realpath(full);
  } catch {
    return { error: `file "${rel}" not found in the lesson folder` };
  }
  const realDir = await fs.realpath(lessonDir);
  if (!within(realDir, real)) return { error: `"${rel}" is a symlink that leads outside the lesson folder` };
  const stat = await fs.stat(real);
  if (!stat.isFile()) return { error: `"${rel}" is not a regular file` };
  if (stat.size > 256 * 1024) return { error: `"${rel}" is ${stat.size} bytes; expected at most 256 KiB` };
  return { text: await fs.readFile(real, 'utf8') };
}

/** Loads one lesson folder; never throws for bad content, every problem is returned. */
export async function loadLesson(lessonDir: string, opts: { defaultKind?: 'lesson' | 'exercise'; displayRoot?: string } = {}): Promise<LoadLessonResult> {
  const dir = path.resolve(lessonDir);
  const manifestPath = path.join(dir, MANIFEST_FILE);
  const file = path.relative(opts.displayRoot ?? process.cwd(), manifestPath) || manifestPath;
  const problems: LessonProblem[] = [];
  const problem = (field: string, message: string, line?: number) => problems.push({ file, field, message, ...(line ? { line } : {}) });

  let text: string;
  try {
    text = await fs.readFile(manifestPath, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    problem('', code === 'ENOENT' ? `missing ${MANIFEST_FILE}` : `cannot read ${MANIFEST_FILE} (${code ?? String(err)})`);
    return { problems };
  }

  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length) {
    for (const e of doc.errors) {
      const line = e.linePos?.[0]?.line ?? lineCounter.linePos(e.pos[0]).line;
      problem('', `invalid YAML: ${e.message.split('\n')[0]}`, line);
    }
    return { problems };
  }
  const raw: unknown = doc.toJS();
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    problem('', 'expected a YAML mapping with id, title, summary, level, minutes and steps');
    return { problems };
  }
  const input = { ...(raw as Record<string, unknown>) };
  if (opts.defaultKind && input.kind === undefined) input.kind = opts.defaultKind;

  const lineOf = (parts: PathPart[]): number | undefined => {
    for (let n = parts.length; n >= 0; n--) {
      const node = doc.getIn(parts.slice(0, n), true);
      if (isNode(node) && node.range) return lineCounter.linePos(node.range[0]).line;
    }
    return undefined;
  };

  const parsed = ManifestSchema.safeParse(input);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      for (const d of describeIssue(issue, input)) problem(fieldName(d.parts), d.message, lineOf(d.parts));
    }
    return { problems };
  }
  const m: Manifest = parsed.data;
  if (opts.defaultKind === 'exercise' && m.kind !== 'exercise') problem('kind', `expected "exercise" for a lesson under ${EXERCISES_DIR}/`, lineOf(['kind']));

  const resolve = async (value: string | { file: string }, parts: PathPart[]): Promise<string | undefined> => {
    if (typeof value === 'string') return value;
    const r = await readInside(dir, value.file);
    if (r.error !== undefined) problem(fieldName([...parts, 'file']), r.error, lineOf([...parts, 'file']));
    return r.text;
  };

  const steps: LessonStep[] = [];
  for (const [index, s] of m.steps.entries()) {
    const at: PathPart[] = ['steps', index];
    const body = await resolve(s.body, [...at, 'body']);
    const check = await resolve(s.check, [...at, 'check']);
    const setup = s.setup === undefined ? undefined : await resolve(s.setup, [...at, 'setup']);
    const solution = Array.isArray(s.solution) ? s.solution : await resolve(s.solution, [...at, 'solution']);
    if (body === undefined || check === undefined || solution === undefined || (s.setup !== undefined && setup === undefined)) continue;
    steps.push({
      id: s.id,
      index,
      title: s.title,
      body: body.trim(),
      check,
      hints: s.hints,
      solution: Array.isArray(solution) ? solution : [solution],
      ...(setup !== undefined ? { setup } : {}),
      autoCheck: s.autoCheck,
      checkTimeoutMs: s.checkTimeoutSeconds * 1000,
      solutionTimeoutMs: s.solutionTimeoutSeconds * 1000,
      ...(s.wrong.length ? { wrong: s.wrong.map((w) => ({ why: w.why, run: w.run, undo: w.undo, ...(w.expect !== undefined ? { expect: w.expect } : {}) })) } : {}),
      ...(s.right.length ? { right: s.right.map((r) => ({ why: r.why, run: r.run, undo: r.undo })) } : {}),
    });
  }
  const intro = m.intro === undefined ? undefined : await resolve(m.intro, ['intro']);
  const finish = m.finish === undefined ? undefined : await resolve(m.finish, ['finish']);
  if (problems.length) return { problems };

  return {
    lesson: {
      id: m.id,
      kind: m.kind,
      title: m.title,
      summary: m.summary,
      level: m.level,
      minutes: m.minutes,
      images: m.images,
      prerequisites: m.prerequisites,
      ...(intro !== undefined ? { intro: intro.trim() } : {}),
      ...(finish !== undefined ? { finish: finish.trim() } : {}),
      dir,
      manifestPath,
      steps,
    },
    problems,
  };
}

async function subfolders(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  return entries
    .filter((e) => e.isDirectory() && !e.name.startsWith('.') && !e.name.startsWith('_'))
    .map((e) => e.name)
    .sort();
}

/**
 * Loads every lesson under `root` (one folder each, ordered by folder name) and every exercise under `root/exercises`.
 * A broken lesson is reported in `errors` and left out; it never stops the others from loading.
 */
export async function loadLessons(root: string): Promise<LoadLessonsResult> {
  const base = path.resolve(root);
  const displayRoot = path.dirname(base);
  const errors: LessonProblem[] = [];
  const loaded: Lesson[] = [];
  let top: string[];
  try {
    top = await subfolders(base);
  } catch (err) {
    errors.push({ file: root, field: '', message: `cannot read the lessons folder (${(err as NodeJS.ErrnoException).code ?? String(err)})` });
    return { lessons: [], errors };
  }
  const folders: { dir: string; kind?: 'exercise' }[] = top.filter((n) => n !== EXERCISES_DIR).map((n) => ({ dir: path.join(base, n) }));
  if (top.includes(EXERCISES_DIR)) {
    for (const n of await subfolders(path.join(base, EXERCISES_DIR))) folders.push({ dir: path.join(base, EXERCISES_DIR, n), kind: 'exercise' });
  }
  for (const f of folders) {
    const r = await loadLesson(f.dir, { displayRoot, ...(f.kind ? { defaultKind: f.kind } : {}) });
    errors.push(...r.problems);
    if (r.lesson) loaded.push(r.lesson);
  }

  const byId = new Map<string, Lesson>();
  const lessons: Lesson[] = [];
  for (const l of loaded) {
    const first = byId.get(l.id);
    if (first) {
      errors.push({ file: path.relative(displayRoot, l.manifestPath), field: 'id', message: `duplicate lesson id "${l.id}" (also used by ${path.relative(displayRoot, first.manifestPath)})` });
      continue;
    }
    byId.set(l.id, l);
    lessons.push(l);
  }
  const ok = lessons.filter((l) => {
    const missing = l.prerequisites.filter((p) => !byId.has(p));
    for (const p of missing) errors.push({ file: path.relative(displayRoot, l.manifestPath), field: 'prerequisites', message: `unknown lesson "${p}"` });
    return missing.length === 0;
  });
  return { lessons: ok, errors };
}

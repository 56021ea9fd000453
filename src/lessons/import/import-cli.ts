import * as path from 'node:path';
import { AppError } from '../../errors';
import { loadLesson } from '../lesson-loader';
import { formatProblem } from '../types';
import { findCourseFile, importCourse } from './import-course';
import { importScenario } from './import-scenario';
import { noteText, type ImportedLesson } from './import-types';
import { nextLessonNumber, numberedFolder, writeImportedLesson } from './write-lesson';

export interface ImportOptions {
  /** Lessons root for the default `NN-<id>` folders. */
  lessonsDir: string;
  /** Exact folder for a single scenario. */
  out?: string;
  id?: string;
  force?: boolean;
  print: (line: string) => void;
}

function summary(l: ImportedLesson): string[] {
  const bySource = new Map<string, number>();
  for (const s of l.steps) if (s.solutionSource !== 'none') bySource.set(s.solutionSource, (bySource.get(s.solutionSource) ?? 0) + 1);
  const solved = l.steps.filter((s) => s.solutionSource !== 'none').length;
  const todos = l.notes.filter((n) => n.severity === 'todo').length;
  const sources = [...bySource].map(([k, n]) => `${n} from ${k.replace('-', ' ')}`).join(', ');
  const mapped = Object.entries(l.images.mapped).map(([a, b]) => `${a} -> ${b}`);
  return [
    `  ${l.steps.length} step${l.steps.length === 1 ? '' : 's'}: ${solved} solution${solved === 1 ? '' : 's'} derived${sources ? ` (${sources})` : ''}, ${l.steps.filter((s) => s.hasCheck).length} check${l.steps.filter((s) => s.hasCheck).length === 1 ? '' : 's'}; ${todos} TODO${todos === 1 ? '' : 's'}`,
    `  images: ${[...l.images.served, ...mapped].join(', ') || 'none'}${l.images.unservable.length ? `; NOT SERVED: ${l.images.unservable.join(', ')}` : ''}`,
  ];
}

/**
 * `lessons:import <scenario | course>`: writes each lesson (default `lessons/NN-<id>`), prints what was derived and
 * every TODO, validates the result and returns 1 when any lesson does not validate yet.
 */
export async function runImport(target: string | undefined, o: ImportOptions): Promise<number> {
  if (!target) throw new AppError('CLI_USAGE', 'import needs a scenario folder, a structure.json or a *-pathway.json');
  const course = await findCourseFile(path.resolve(target));
  if (course && (o.out || o.id)) throw new AppError('CLI_USAGE', '--out and --id name one lesson; a course is written into --dir (default lessons/) as NN-<id> folders');
  const lessons: ImportedLesson[] = [];
  if (course) {
    const c = await importCourse(course);
    o.print(`${c.kind === 'structure' ? 'Killercoda course' : 'Katacoda pathway'} "${c.title}" (${path.basename(c.file)}): ${c.lessons.length} scenario${c.lessons.length === 1 ? '' : 's'}, in order, each requiring the one before`);
    for (const n of c.notes) o.print(noteText(n));
    lessons.push(...c.lessons);
  } else {
    lessons.push(await importScenario(target, o.id ? { id: o.id } : {}));
  }
  let n = await nextLessonNumber(o.lessonsDir);
  let invalid = 0;
  for (const l of lessons) {
    const out = o.out ? path.resolve(o.out) : numberedFolder(o.lessonsDir, n++, l.id);
    const written = await writeImportedLesson(l, out, { force: o.force === true });
    o.print(`\nimported ${l.format} scenario "${l.id}" into ${out} (${written.length} files)`);
    for (const line of summary(l)) o.print(line);
    for (const note of l.notes) o.print(`  ${noteText(note)}`);
    const check = await loadLesson(out, { displayRoot: path.dirname(out) });
    if (check.lesson) o.print(`  the lesson validates (${check.lesson.steps.length} steps); test it: npm run lessons:test -- --dir ${o.out ? out : path.dirname(out)} ${check.lesson.id}`);
    else {
      invalid++;
      o.print('  the lesson does not validate yet; fill in the TODOs:');
      for (const p of check.problems) o.print(`    ${formatProblem(p)}`);
    }
  }
  o.print(`\n${lessons.length} lesson${lessons.length === 1 ? '' : 's'} imported, ${lessons.length - invalid} validate${invalid ? `, ${invalid} do${invalid === 1 ? 'es' : ''} not` : ''}`);
  return invalid ? 1 : 0;
}

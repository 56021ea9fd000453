import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { AppError } from '../../errors';
import { importScenario } from './import-scenario';
import type { ImportedLesson, ImportNote } from './import-types';
import { exists, insideFolder, readJsonFile } from './scenario-files';

/**
 * A course imports every scenario it lists, in order, each one requiring the one before it.
 * Killercoda: `structure.json` ({ items: [{ path, title }] }, an item may itself be a folder with a structure.json).
 * Katacoda: `<name>-pathway.json` ({ courses: [{ course_id, title }] }, scenarios in the `<name>/` folder).
 */

export interface ImportedCourse {
  kind: 'structure' | 'pathway';
  file: string;
  title: string;
  lessons: ImportedLesson[];
  notes: ImportNote[];
}

interface Member {
  folder: string;
  title?: string;
  where: string;
}

async function structureMembers(file: string, notes: ImportNote[], depth = 0): Promise<Member[]> {
  const json = (await readJsonFile(file, 'IMPORT_NO_INDEX', 'a Killercoda structure.json')) as { items?: unknown };
  if (!json || typeof json !== 'object' || !Array.isArray(json.items)) throw new AppError('IMPORT_BAD_INDEX', `${file}: items: expected a list of { "path": ... }`);
  const dir = path.dirname(file);
  const out: Member[] = [];
  for (const [i, item] of json.items.entries()) {
    const where = `${path.basename(file)} items[${i}]`;
    const p = (item as { path?: unknown })?.path;
    const folder = typeof p === 'string' ? insideFolder(dir, p) : undefined;
    if (!folder) {
      notes.push({ severity: 'todo', where, message: `path ${JSON.stringify(p)} is not a folder inside the course; skipped` });
      continue;
    }
    const title = (item as { title?: unknown }).title;
    if (await exists(path.join(folder, 'index.json'))) out.push({ folder, where, ...(typeof title === 'string' ? { title } : {}) });
    else if (depth < 3 && (await exists(path.join(folder, 'structure.json')))) out.push(...(await structureMembers(path.join(folder, 'structure.json'), notes, depth + 1)));
    else notes.push({ severity: 'todo', where, message: `"${p}" has no index.json (not in the course folder); skipped` });
  }
  return out;
}

async function pathwayMembers(file: string, notes: ImportNote[]): Promise<{ title?: string; members: Member[] }> {
  const json = (await readJsonFile(file, 'IMPORT_NO_INDEX', 'a Katacoda pathway file')) as { title?: unknown; courses?: unknown };
  if (!json || typeof json !== 'object' || !Array.isArray(json.courses)) throw new AppError('IMPORT_BAD_INDEX', `${file}: courses: expected a list of { "course_id": ... }`);
  const dir = path.dirname(file);
  const name = path.basename(file).replace(/-pathway\.json$/, '');
  const members: Member[] = [];
  for (const [i, c] of json.courses.entries()) {
    const where = `${path.basename(file)} courses[${i}]`;
    const course = c as { course_id?: unknown; id?: unknown; pathway_id?: unknown; title?: unknown };
    const cid = typeof course.course_id === 'string' ? course.course_id : typeof course.id === 'string' ? course.id : undefined;
    if (!cid || !/^[\w.-]+$/.test(cid)) {
      notes.push({ severity: 'todo', where, message: `no usable course_id (${JSON.stringify(cid)}); skipped` });
      continue;
    }
    const tail = typeof course.pathway_id === 'string' ? course.pathway_id.split('/').at(-1)! : undefined;
    const candidates = [path.join(dir, name, cid), path.join(dir, cid), ...(tail ? [path.join(dir, tail, cid), path.join(dir, '..', tail, cid)] : [])];
    let found: string | undefined;
    for (const f of candidates) if (!found && (await exists(path.join(f, 'index.json')))) found = f;
    if (found) members.push({ folder: found, where, ...(typeof course.title === 'string' ? { title: course.title } : {}) });
    else notes.push({ severity: 'todo', where, message: `scenario "${cid}" not found (looked in ${candidates.map((f) => path.relative(dir, f) || '.').join(', ')}); skipped` });
  }
  return { ...(typeof json.title === 'string' ? { title: json.title } : {}), members };
}

/** A structure.json or *-pathway.json named directly, or found in a folder that has no index.json of its own. */
export async function findCourseFile(target: string): Promise<{ kind: 'structure' | 'pathway'; file: string } | undefined> {
  const stat = await fs.stat(target).catch(() => undefined);
  if (stat?.isFile()) {
    if (path.basename(target) === 'structure.json') return { kind: 'structure', file: target };
    if (/-pathway\.json$/.test(target)) return { kind: 'pathway', file: target };
    return undefined;
  }
  if (!stat?.isDirectory() || (await exists(path.join(target, 'index.json')))) return undefined;
  if (await exists(path.join(target, 'structure.json'))) return { kind: 'structure', file: path.join(target, 'structure.json') };
  const pathways = (await fs.readdir(target)).filter((n) => n.endsWith('-pathway.json')).sort();
  if (pathways.length === 1) return { kind: 'pathway', file: path.join(target, pathways[0]!) };
  if (pathways.length > 1) throw new AppError('CLI_USAGE', `${target} has several pathways (${pathways.join(', ')}); name one: lessons:import -- ${path.join(target, pathways[0]!)}`);
  return undefined;
}

export async function importCourse(course: { kind: 'structure' | 'pathway'; file: string }): Promise<ImportedCourse> {
  const notes: ImportNote[] = [];
  let title = path.basename(path.dirname(course.file));
  let members: Member[];
  if (course.kind === 'structure') {
    members = await structureMembers(course.file, notes);
    const t = ((await readJsonFile(course.file, 'IMPORT_NO_INDEX', 'a structure.json')) as { title?: unknown }).title;
    if (typeof t === 'string') title = t;
  } else {
    const p = await pathwayMembers(course.file, notes);
    members = p.members;
    title = p.title ?? path.basename(course.file).replace(/-pathway\.json$/, '');
  }
  const lessons: ImportedLesson[] = [];
  const ids = new Set<string>();
  for (const m of members) {
    let lesson: ImportedLesson;
    try {
      lesson = await importScenario(m.folder);
    } catch (err) {
      notes.push({ severity: 'todo', where: m.where, message: `${path.basename(m.folder)}: ${(err as Error).message}; skipped` });
      continue;
    }
    for (let n = 2; ids.has(lesson.id); n++) lesson.id = `${lesson.manifest.id as string}-${n}`;
    ids.add(lesson.id);
    lesson.manifest.id = lesson.id;
    if (m.title && m.title !== lesson.manifest.title) {
      lesson.notes.push({ severity: 'info', where: m.where, message: `title "${lesson.manifest.title as string}" replaced by the course's "${m.title}"` });
      lesson.manifest.title = m.title;
    }
    const prev = lessons.at(-1);
    if (prev) {
      // manifest keys keep lesson.yaml's usual order: prerequisites after images
      const { steps, ...head } = lesson.manifest;
      lesson.manifest = { ...head, prerequisites: [prev.id], steps };
    }
    lessons.push(lesson);
  }
  if (lessons.length === 0) throw new AppError('IMPORT_BAD_INDEX', `${course.file}: no scenario of the course could be imported`);
  return { kind: course.kind, file: course.file, title, lessons, notes };
}

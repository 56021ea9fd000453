import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Document, isMap, isSeq } from 'yaml';
import { AppError } from '../../errors';
import { noteText, type ImportedLesson } from './import-types';

export const NOTES_FILE = 'IMPORT-NOTES.md';

/** lesson.yaml text, with a TODO comment above each step that still lacks a solution or a check. */
export function renderManifest(imported: ImportedLesson): string {
  const doc = new Document(imported.manifest);
  const todos = imported.notes.filter((n) => n.severity === 'todo').length;
  doc.commentBefore = ` Imported from a ${imported.format === 'katacoda' ? 'Katacoda' : 'Killercoda'} scenario by \`npm run lessons:import\`.` + (todos ? ` ${todos} TODO${todos > 1 ? 's' : ''} to review: see ${NOTES_FILE}.` : '');
  const steps = doc.get('steps', true);
  if (isSeq(steps)) {
    steps.items.forEach((node) => {
      if (!isMap(node)) return;
      const missing = ['check', 'solution'].filter((k) => !node.has(k));
      if (missing.length) node.commentBefore = ` TODO: add ${missing.join(' and ')} (not in the scenario; nothing was invented)`;
    });
  }
  return doc.toString({ lineWidth: 0 });
}

export function renderNotes(imported: ImportedLesson): string {
  const todo = imported.notes.filter((n) => n.severity === 'todo');
  const info = imported.notes.filter((n) => n.severity === 'info');
  return [
    `# Import notes: ${imported.id}`,
    '',
    'Written by `npm run lessons:import`. TODOs need an author\'s decision; notes say what was changed and why.',
    '',
    `## TODO (${todo.length})`,
    '',
    ...todo.map((n) => `- ${n.where}: ${n.message}`),
    '',
    `## Notes (${info.length})`,
    '',
    ...info.map((n) => `- ${n.where}: ${n.message}`),
    '',
  ].join('\n');
}

/** Writes the imported lesson into `outDir`, refusing to overwrite an existing lesson unless `force`. */
export async function writeImportedLesson(imported: ImportedLesson, outDir: string, opts: { force?: boolean } = {}): Promise<string[]> {
  const manifestPath = path.join(outDir, 'lesson.yaml');
  if (!opts.force) {
    const exists = await fs.stat(manifestPath).then(() => true, () => false);
    if (exists) throw new AppError('IMPORT_EXISTS', `${manifestPath} already exists; pass --force to overwrite`);
  }
  const written: string[] = [];
  await fs.mkdir(outDir, { recursive: true });
  await fs.writeFile(manifestPath, renderManifest(imported));
  written.push(manifestPath);
  for (const [rel, content] of imported.files) {
    const full = path.join(outDir, rel);
    await fs.mkdir(path.dirname(full), { recursive: true });
    await fs.writeFile(full, content, { mode: rel.endsWith('.sh') ? 0o755 : 0o644 });
    written.push(full);
  }
  if (imported.notes.length) {
    await fs.writeFile(path.join(outDir, NOTES_FILE), renderNotes(imported));
    written.push(path.join(outDir, NOTES_FILE));
  }
  return written;
}

/** The next free course number in a lessons folder (`NN-name` folders): one more than the highest. */
export async function nextLessonNumber(lessonsDir: string): Promise<number> {
  const names = await fs.readdir(lessonsDir).catch(() => [] as string[]);
  return names.reduce((max, n) => Math.max(max, Number(/^(\d+)-/.exec(n)?.[1] ?? 0)), 0) + 1;
}

/** `lessons/NN-<id>`: the default place of an imported lesson. */
export const numberedFolder = (lessonsDir: string, n: number, id: string) => path.join(lessonsDir, `${String(n).padStart(2, '0')}-${id}`);

export { noteText };

import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Document, isMap, isSeq } from 'yaml';
import { AppError } from '../errors';

/** Something the importer could not carry over, or carried over in a way the author should review. */
export interface ImportNote {
  severity: 'todo' | 'info';
  where: string;
  message: string;
}

export interface ImportedLesson {
  format: 'killercoda' | 'katacoda';
  id: string;
  /** The manifest as written to lesson.yaml (missing solutions/checks are left out, not invented). */
  manifest: Record<string, unknown>;
  /** Extra files, by path relative to the lesson folder. */
  files: Map<string, string>;
  notes: ImportNote[];
}

interface ScenarioEntry {
  title?: unknown;
  text?: unknown;
  verify?: unknown;
  background?: unknown;
  foreground?: unknown;
  courseData?: unknown;
  code?: unknown;
  answer?: unknown;
  [key: string]: unknown;
}

const KNOWN_ENTRY_KEYS = new Set(['title', 'text', 'verify', 'background', 'foreground', 'courseData', 'code', 'answer']);

function slug(s: string): string {
  return (
    s
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 48)
      .replace(/-+$/, '') || 'step'
  );
}

function lineOfPosition(text: string, message: string): string {
  const pos = /position (\d+)/.exec(message);
  if (!pos) return '';
  const line = text.slice(0, Number(pos[1])).split('\n').length;
  return ` (line ${line})`;
}

/**
 * Rewrites Killercoda/Katacoda Markdown for chat: `{{exec}}`, `{{copy}}`, `{{execute}}`, `{{open}}` annotations are
 * dropped so the code stays as plain code; Katacoda "copy to editor" blocks become heredocs. Anything else in
 * `{{...}}` is reported.
 */
export function convertMarkdown(md: string, where: string, notes: ImportNote[]): string {
  let out = md.replace(/\r\n/g, '\n');
  out = out.replace(
    /<pre\s+class="file"([^>]*)>([\s\S]*?)<\/pre>/g,
    (_m, attrs: string, body: string) => {
      const file = /data-filename="([^"]+)"/.exec(attrs)?.[1];
      if (!file) {
        notes.push({ severity: 'todo', where, message: 'a <pre class="file"> block has no data-filename; kept as plain code' });
        return '```\n' + body.trim() + '\n```';
      }
      const op = /data-target="append"/.test(attrs) ? '>>' : '>';
      const text = body.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&').replace(/^\n/, '').replace(/\s+$/, '');
      notes.push({ severity: 'info', where, message: `editor block for ${file} turned into a shell heredoc` });
      return '```\ncat ' + op + ' ' + file + " <<'EOF'\n" + text + '\nEOF\n```';
    },
  );
  out = out.replace(/\{\{\s*(exec|execute|copy|open)(\s+[^}]*)?\s*\}\}|\{\{\s*\}\}/g, '');
  const left = out.match(/\{\{[^}]*\}\}/g);
  if (left) notes.push({ severity: 'todo', where, message: `annotation${left.length > 1 ? 's' : ''} not understood, kept as text: ${[...new Set(left)].join(', ')}` });
  return out.trim() + '\n';
}

/** The commands in a Markdown answer: the contents of its code blocks and inline code spans, in order. */
function commandsFromMarkdown(md: string): string[] {
  const cmds: string[] = [];
  const fence = /```[^\n]*\n([\s\S]*?)```/g;
  let rest = md;
  for (let m = fence.exec(md); m; m = fence.exec(md)) {
    const code = m[1]!.trim();
    if (code) cmds.push(code);
  }
  if (cmds.length) return cmds;
  rest = md.replace(/\{\{[^}]*\}\}/g, '');
  for (const m of rest.matchAll(/`([^`\n]+)`/g)) cmds.push(m[1]!.trim());
  return cmds;
}

async function readScenarioFile(dir: string, rel: unknown, where: string, field: string, notes: ImportNote[]): Promise<string | undefined> {
  if (rel === undefined || rel === null || rel === '') return undefined;
  if (typeof rel !== 'string') {
    notes.push({ severity: 'todo', where, message: `${field} should name a file, got ${JSON.stringify(rel)}; not mapped` });
    return undefined;
  }
  const full = path.resolve(dir, rel);
  const r = path.relative(dir, full);
  if (r.startsWith('..') || path.isAbsolute(r)) {
    notes.push({ severity: 'todo', where, message: `${field} "${rel}" points outside the scenario folder; not mapped` });
    return undefined;
  }
  try {
    return await fs.readFile(full, 'utf8');
  } catch {
    notes.push({ severity: 'todo', where, message: `${field} file "${rel}" not found; not mapped` });
    return undefined;
  }
}

function parseMinutes(time: unknown): number | undefined {
  if (typeof time === 'number' && time > 0) return Math.round(time);
  const m = typeof time === 'string' ? /(\d+)/.exec(time) : null;
  return m ? Number(m[1]) : undefined;
}

function parseLevel(difficulty: unknown): 'beginner' | 'intermediate' | 'advanced' | undefined {
  const d = typeof difficulty === 'string' ? difficulty.toLowerCase() : '';
  if (/begin|easy|basic/.test(d)) return 'beginner';
  if (/intermediate|medium/.test(d)) return 'intermediate';
  if (/advanced|hard|expert/.test(d)) return 'advanced';
  return undefined;
}

const pad = (n: number) => String(n).padStart(2, '0');

/**
 * Reads a Killercoda scenario folder (index.json with details.intro/steps/finish, each with text, verify,
 * background, foreground) or a legacy Katacoda one (courseData, code, answer) and maps it to our lesson format:
 * verify -> check, background/courseData -> setup, answer -> solution. Nothing is invented: a step without a
 * solution or a check is written without it and reported, so the lesson fails validation until the author fills it in.
 */
export async function importScenario(folder: string, opts: { id?: string } = {}): Promise<ImportedLesson> {
  const dir = path.resolve(folder);
  const indexPath = path.join(dir, 'index.json');
  let text: string;
  try {
    text = await fs.readFile(indexPath, 'utf8');
  } catch (err) {
    throw new AppError('IMPORT_NO_INDEX', `${indexPath}: cannot read index.json (${(err as NodeJS.ErrnoException).code ?? String(err)}); expected a Killercoda or Katacoda scenario folder`, { cause: err });
  }
  let index: unknown;
  try {
    index = JSON.parse(text);
  } catch (err) {
    const msg = (err as Error).message;
    throw new AppError('IMPORT_BAD_JSON', `${indexPath}: invalid JSON${lineOfPosition(text, msg)}: ${msg}`, { cause: err });
  }
  if (!index || typeof index !== 'object' || Array.isArray(index)) {
    throw new AppError('IMPORT_BAD_INDEX', `${indexPath}: expected a JSON object with "title" and "details"`);
  }
  const idx = index as Record<string, unknown>;
  const details = idx.details as Record<string, unknown> | undefined;
  if (!details || typeof details !== 'object' || !Array.isArray(details.steps) || details.steps.length === 0) {
    throw new AppError('IMPORT_BAD_INDEX', `${indexPath}: details.steps: expected a non-empty array of steps`);
  }
  const entries = details.steps as unknown[];
  const all = [details.intro, details.finish, ...entries].filter((e): e is ScenarioEntry => !!e && typeof e === 'object');
  const format: ImportedLesson['format'] =
    all.some((e) => 'courseData' in e || 'code' in e || 'answer' in e) || 'difficulty' in idx || 'time' in idx ? 'katacoda' : 'killercoda';

  const notes: ImportNote[] = [];
  const files = new Map<string, string>();
  const id = opts.id ?? slug(typeof idx.title === 'string' ? idx.title : path.basename(dir));
  const title = typeof idx.title === 'string' && idx.title.trim() ? idx.title.trim() : id;
  if (title === id && typeof idx.title !== 'string') notes.push({ severity: 'todo', where: 'index.json', message: 'no title; used the folder name' });
  const summary = typeof idx.description === 'string' && idx.description.trim() ? idx.description.trim() : title;
  const level = parseLevel(idx.difficulty);
  if (!level) notes.push({ severity: 'info', where: 'index.json', message: 'no difficulty; level set to beginner' });
  const minutesFromIndex = parseMinutes(idx.time);
  const minutes = minutesFromIndex ?? Math.max(5, entries.length * 3);
  if (!minutesFromIndex) notes.push({ severity: 'info', where: 'index.json', message: `no time estimate; minutes set to ${minutes}` });
  const imageid = (idx.backend as Record<string, unknown> | undefined)?.imageid ?? (idx.environment as Record<string, unknown> | undefined)?.imageid;
  if (imageid !== undefined) notes.push({ severity: 'info', where: 'index.json', message: `backend image "${String(imageid)}" not mapped: lessons run in the Dockhand Docker sandbox` });
  const assets = details.assets;
  if (assets !== undefined) notes.push({ severity: 'todo', where: 'details.assets', message: 'assets are not copied into the sandbox; add them to a setup script' });

  const manifest: Record<string, unknown> = { id, title, summary, level: level ?? 'beginner', minutes, images: [] };

  const intro = details.intro as ScenarioEntry | undefined;
  let introSetup: string | undefined;
  if (intro && typeof intro === 'object') {
    const t = await readScenarioFile(dir, intro.text, 'details.intro', 'text', notes);
    if (t !== undefined) {
      files.set('intro.md', convertMarkdown(t, 'details.intro', notes));
      manifest.intro = { file: 'intro.md' };
    }
    introSetup = await readScenarioFile(dir, intro.background ?? intro.courseData, 'details.intro', 'background', notes);
    if (introSetup !== undefined) notes.push({ severity: 'info', where: 'details.intro', message: 'the intro background script runs as part of the first step\'s setup' });
    const fg = intro.foreground ?? intro.code;
    if (fg) notes.push({ severity: 'todo', where: 'details.intro', message: `foreground script "${String(fg)}" not mapped (it ran visibly in the learner's terminal)` });
  }

  const steps: Record<string, unknown>[] = [];
  const usedIds = new Set<string>();
  for (const [i, raw] of entries.entries()) {
    const where = `details.steps[${i}]`;
    if (!raw || typeof raw !== 'object') {
      notes.push({ severity: 'todo', where, message: 'expected an object; step skipped' });
      continue;
    }
    const e = raw as ScenarioEntry;
    for (const k of Object.keys(e)) if (!KNOWN_ENTRY_KEYS.has(k)) notes.push({ severity: 'todo', where, message: `key "${k}" not mapped` });
    const stepTitle = typeof e.title === 'string' && e.title.trim() ? e.title.trim() : `Step ${i + 1}`;
    let stepId = slug(stepTitle.replace(/^step\s*\d+\s*[-:.]\s*/i, ''));
    while (usedIds.has(stepId)) stepId = `${stepId}-${i + 1}`;
    usedIds.add(stepId);
    const base = `steps/${pad(i + 1)}-${stepId}`;
    const step: Record<string, unknown> = { id: stepId, title: stepTitle };

    const body = await readScenarioFile(dir, e.text, where, 'text', notes);
    if (body !== undefined) {
      files.set(`${base}.md`, convertMarkdown(body, where, notes));
      step.body = { file: `${base}.md` };
    } else {
      step.body = stepTitle;
      if (e.text === undefined) notes.push({ severity: 'todo', where, message: 'no text; the step title is used as its body' });
    }

    const verify = await readScenarioFile(dir, e.verify, where, 'verify', notes);
    if (verify !== undefined) {
      files.set(`${base}-check.sh`, verify);
      step.check = { file: `${base}-check.sh` };
    } else if (e.verify === undefined) {
      notes.push({ severity: 'todo', where, message: `"${stepTitle}" has no verify script: write a check (exit 0 when done, last line = message)` });
    }

    let setup = await readScenarioFile(dir, e.background ?? e.courseData, where, format === 'katacoda' ? 'courseData' : 'background', notes);
    if (i === 0 && introSetup !== undefined) setup = setup === undefined ? introSetup : `${introSetup}\n${setup}`;
    if (setup !== undefined) {
      files.set(`${base}-setup.sh`, setup);
      step.setup = { file: `${base}-setup.sh` };
    }
    const fg = e.foreground ?? e.code;
    if (fg) notes.push({ severity: 'todo', where, message: `foreground script "${String(fg)}" not mapped (it ran visibly in the learner's terminal)` });

    const answer = await readScenarioFile(dir, e.answer, where, 'answer', notes);
    const commands = answer === undefined ? [] : commandsFromMarkdown(answer);
    if (commands.length) {
      step.solution = commands;
    } else {
      notes.push({
        severity: 'todo',
        where,
        message: answer === undefined
          ? `"${stepTitle}" has no solution in the scenario: write solution (the commands that complete the step)`
          : `"${stepTitle}": the answer file has no code to run; write solution`,
      });
    }
    steps.push(step);
  }
  manifest.steps = steps;

  const finish = details.finish as ScenarioEntry | undefined;
  if (finish && typeof finish === 'object') {
    const t = await readScenarioFile(dir, finish.text, 'details.finish', 'text', notes);
    if (t !== undefined) {
      files.set('finish.md', convertMarkdown(t, 'details.finish', notes));
      manifest.finish = { file: 'finish.md' };
    }
    if (finish.background ?? finish.courseData ?? finish.foreground ?? finish.code) {
      notes.push({ severity: 'todo', where: 'details.finish', message: 'finish scripts not mapped (lessons have no cleanup step; sandboxes are thrown away)' });
    }
  }
  return { format, id, manifest, files, notes };
}

/** lesson.yaml text, with a TODO comment above each step that still lacks a solution or a check. */
export function renderManifest(imported: ImportedLesson): string {
  const doc = new Document(imported.manifest);
  doc.commentBefore = ` Imported from a ${imported.format === 'katacoda' ? 'Katacoda' : 'Killercoda'} scenario by \`npm run lessons:import\`. Review the TODOs.`;
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
  return written;
}

import * as path from 'node:path';
import { AppError } from '../../errors';
import type { ImportNote } from './import-types';
import { exists, readJsonFile } from './scenario-files';

/** One entry of `details` (intro, a step, finish) in either dialect. */
export interface ScenarioEntry {
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

export interface ScenarioIndex {
  dir: string;
  indexPath: string;
  format: 'killercoda' | 'katacoda';
  raw: Record<string, unknown>;
  intro?: ScenarioEntry;
  steps: unknown[];
  finish?: ScenarioEntry;
  assets?: unknown;
}

export const KNOWN_ENTRY_KEYS = new Set(['title', 'text', 'verify', 'background', 'foreground', 'courseData', 'code', 'answer']);

/** Reads and checks index.json; Katacoda is told apart by its own keys (courseData, code, answer, environment.uilayout). */
export async function readScenarioIndex(folder: string): Promise<ScenarioIndex> {
  const dir = path.resolve(folder);
  const indexPath = path.join(dir, 'index.json');
  const index = await readJsonFile(indexPath, 'IMPORT_NO_INDEX', 'a Killercoda or Katacoda scenario folder');
  if (!index || typeof index !== 'object' || Array.isArray(index)) {
    throw new AppError('IMPORT_BAD_INDEX', `${indexPath}: expected a JSON object with "title" and "details"`);
  }
  const raw = index as Record<string, unknown>;
  const details = raw.details as Record<string, unknown> | undefined;
  if (!details || typeof details !== 'object' || !Array.isArray(details.steps) || details.steps.length === 0) {
    throw new AppError('IMPORT_BAD_INDEX', `${indexPath}: details.steps: expected a non-empty array of steps`);
  }
  const obj = (v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? (v as ScenarioEntry) : undefined);
  const all = [details.intro, details.finish, ...details.steps].map(obj).filter((e): e is ScenarioEntry => !!e);
  const env = obj(raw.environment);
  const katacoda = all.some((e) => 'courseData' in e || 'code' in e || 'answer' in e) || (env !== undefined && ('uilayout' in env || 'hideintro' in env));
  return {
    dir,
    indexPath,
    format: katacoda ? 'katacoda' : 'killercoda',
    raw,
    ...(obj(details.intro) ? { intro: obj(details.intro)! } : {}),
    steps: details.steps,
    ...(obj(details.finish) ? { finish: obj(details.finish)! } : {}),
    ...(details.assets !== undefined ? { assets: details.assets } : {}),
  };
}

/** Lowercase-dash id of at most `max` characters, cut at a word boundary (never mid-word). */
export function slugId(s: string, max = 48): string {
  const full = s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (full.length <= max) return full;
  const cut = full.slice(0, max + 1);
  const at = cut.lastIndexOf('-');
  return (at > 0 ? cut.slice(0, at) : full.slice(0, max)).replace(/-+$/, '');
}

export function parseMinutes(time: unknown): number | undefined {
  if (typeof time === 'number' && time > 0) return Math.min(600, Math.round(time));
  const m = typeof time === 'string' ? /(\d+)/.exec(time) : null;
  return m ? Math.min(600, Math.max(1, Number(m[1]))) : undefined;
}

export function parseLevel(difficulty: unknown): 'beginner' | 'intermediate' | 'advanced' | undefined {
  const d = typeof difficulty === 'string' ? difficulty.toLowerCase() : '';
  if (/begin|easy|basic/.test(d)) return 'beginner';
  if (/intermediate|medium/.test(d)) return 'intermediate';
  if (/advanced|hard|expert/.test(d)) return 'advanced';
  return undefined;
}

/** Katacoda's `stepN-answer.md` next to `stepN.md`, used when index.json does not name it. */
export async function conventionalAnswer(dir: string, text: unknown, where: string, notes: ImportNote[]): Promise<string | undefined> {
  if (typeof text !== 'string' || !/\.md$/i.test(text)) return undefined;
  const rel = text.replace(/\.md$/i, '-answer.md');
  if (!(await exists(path.join(dir, rel)))) return undefined;
  notes.push({ severity: 'info', where, message: `"${rel}" is not named in index.json; used as the step's answer file by its name` });
  return rel;
}

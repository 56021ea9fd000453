import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { AppError } from '../../errors';
import type { ImportNote } from './import-types';

/** Scenario files larger than this are not embedded (the lesson loader refuses files over 256 KiB). */
export const MAX_EMBED_BYTES = 64 * 1024;

function lineOfPosition(text: string, message: string): string {
  const pos = /position (\d+)/.exec(message);
  if (!pos) return '';
  return ` (line ${text.slice(0, Number(pos[1])).split('\n').length})`;
}

/** Reads and parses a JSON file; a missing file or bad JSON is an AppError that names the file and line. */
export async function readJsonFile(file: string, missingCode: 'IMPORT_NO_INDEX' | 'IMPORT_BAD_INDEX', expected: string): Promise<unknown> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    throw new AppError(missingCode, `${file}: cannot read ${path.basename(file)} (${(err as NodeJS.ErrnoException).code ?? String(err)}); expected ${expected}`, { cause: err });
  }
  try {
    return JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    const msg = (err as Error).message;
    throw new AppError('IMPORT_BAD_JSON', `${file}: invalid JSON${lineOfPosition(text, msg)}: ${msg}`, { cause: err });
  }
}

/** `rel` resolved inside `dir`, or undefined when it escapes the folder (a scenario must not read the importer's disk). */
export function insideFolder(dir: string, rel: string): string | undefined {
  const full = path.resolve(dir, rel);
  const r = path.relative(dir, full);
  return r === '' || r.startsWith('..') || path.isAbsolute(r) ? undefined : full;
}

export const exists = (p: string): Promise<boolean> => fs.stat(p).then(() => true, () => false);

/** A text file named by the scenario: refused outside the folder, reported (not thrown) when missing. */
export async function readScenarioFile(dir: string, rel: unknown, where: string, field: string, notes: ImportNote[]): Promise<string | undefined> {
  if (rel === undefined || rel === null || rel === '') return undefined;
  if (typeof rel !== 'string') {
    notes.push({ severity: 'todo', where, message: `${field} should name a file, got ${JSON.stringify(rel)}; not mapped` });
    return undefined;
  }
  const full = insideFolder(dir, rel);
  if (!full) {
    notes.push({ severity: 'todo', where, message: `${field} "${rel}" points outside the scenario folder; not mapped` });
    return undefined;
  }
  try {
    const real = await fs.realpath(full);
    if (!insideFolder(await fs.realpath(dir), real)) {
      notes.push({ severity: 'todo', where, message: `${field} "${rel}" is a symlink that leads outside the scenario folder; not mapped` });
      return undefined;
    }
    return (await fs.readFile(real, 'utf8')).replace(/\r\n/g, '\n');
  } catch {
    notes.push({ severity: 'todo', where, message: `${field} file "${rel}" not found; not mapped` });
    return undefined;
  }
}

/** Raw bytes of an asset, or a reason it is not embedded. */
export async function readAsset(dir: string, rel: string): Promise<{ bytes?: Buffer; problem?: string }> {
  const full = insideFolder(dir, rel);
  if (!full) return { problem: 'points outside the scenario folder' };
  const real = await fs.realpath(full).catch(() => undefined);
  if (real && !insideFolder(await fs.realpath(dir), real)) return { problem: 'is a symlink that leads outside the scenario folder' };
  const stat = real ? await fs.stat(real).catch(() => undefined) : undefined;
  if (!stat?.isFile()) return { problem: 'not found in the scenario folder' };
  if (stat.size > MAX_EMBED_BYTES) return { problem: `is ${stat.size} bytes; assets over ${MAX_EMBED_BYTES / 1024} KiB are not embedded` };
  return { bytes: await fs.readFile(real!) };
}

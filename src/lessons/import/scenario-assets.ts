import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { ImportNote } from './import-types';
import { readAsset } from './scenario-files';
import { rewriteKs, type EmbeddedAsset } from './scenario-scripts';

/** Hosts a one-machine sandbox stands in for (Killercoda's first host, Katacoda's client). */
const FIRST_HOST = /^(host0?1|client|controlplane|node0?1)$/i;

async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const entries = await fs.readdir(path.join(dir, prefix), { withFileTypes: true }).catch(() => []);
  const out: string[] = [];
  for (const e of entries) {
    const rel = path.posix.join(prefix, e.name);
    if (e.isDirectory()) out.push(...(await listFiles(dir, rel)));
    else if (e.isFile() || e.isSymbolicLink()) out.push(rel);
  }
  return out.sort();
}

/**
 * `details.assets` ({ host01: [{ file, target, chmod }] }, files under `assets/`) as files the first setup writes.
 * Killercoda's `/ks` target moves to /opt/ks; a solution script placed for the platform is not copied (learners
 * would read it); assets for other hosts are reported.
 */
export async function collectAssets(dir: string, spec: unknown, notes: ImportNote[]): Promise<EmbeddedAsset[]> {
  const where = 'details.assets';
  if (spec === undefined) return [];
  if (!spec || typeof spec !== 'object' || Array.isArray(spec)) {
    notes.push({ severity: 'todo', where, message: 'expected { host: [{ file, target }] }; assets not copied' });
    return [];
  }
  const assetsDir = path.join(dir, 'assets');
  const out: EmbeddedAsset[] = [];
  for (const [host, list] of Object.entries(spec as Record<string, unknown>)) {
    if (!Array.isArray(list)) continue;
    if (!FIRST_HOST.test(host)) {
      notes.push({ severity: 'todo', where, message: `${list.length} asset(s) for ${host} not copied: a Dockhand sandbox is one machine` });
      continue;
    }
    for (const item of list) {
      const a = item as { file?: unknown; target?: unknown; chmod?: unknown };
      if (typeof a.file !== 'string' || typeof a.target !== 'string') {
        notes.push({ severity: 'todo', where, message: `asset ${JSON.stringify(item)} has no file or target; not copied` });
        continue;
      }
      const target = rewriteKs(a.target.replace(/^~(?=\/|$)/, '/root')).text;
      if (/kc-internal|katacoda-internal/.test(target) || /(^|\/)(solution|answer)s?\b/i.test(a.file)) {
        notes.push({ severity: 'info', where, message: `asset ${a.file} (for ${a.target}) not copied: it is the platform's solution, and learners could read it in their sandbox` });
        continue;
      }
      const file = a.file;
      const pattern = file.replace(/\/\*$/, '').replace(/^\*$/, '');
      const glob = file.includes('*') ? new RegExp(`^${file.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}$`) : undefined;
      const all = await listFiles(assetsDir);
      const matches = all.filter((f) => f === file || pattern === '' || f.startsWith(`${pattern}/`) || glob?.test(f));
      if (matches.length === 0) {
        notes.push({ severity: 'todo', where, message: `asset ${a.file} not found under assets/; not copied` });
        continue;
      }
      for (const f of matches) {
        const r = await readAsset(assetsDir, f);
        if (!r.bytes) {
          notes.push({ severity: 'todo', where, message: `asset ${f} ${r.problem}; not copied` });
          continue;
        }
        const rel = f === a.file || a.file.includes('*') ? path.posix.basename(f) : path.posix.relative(pattern, f);
        const text = r.bytes.toString('utf8');
        const bytes = /\.(sh|bash)$/.test(f) || text.startsWith('#!') ? Buffer.from(rewriteKs(text).text, 'utf8') : r.bytes;
        out.push({ target: path.posix.join(target, rel), bytes, executable: typeof a.chmod === 'string' && /x|7|5/.test(a.chmod) });
      }
    }
  }
  if (out.length) notes.push({ severity: 'info', where, message: `${out.length} asset file(s) embedded in the first step's setup: ${out.map((a) => a.target).join(', ')}` });
  return out;
}

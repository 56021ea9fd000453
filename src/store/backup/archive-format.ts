import { z } from 'zod';
import { AppError } from '../../errors';

/**
 * A Dockhand backup: gzip'd JSON lines. The header first, then for each table a marker line and one line per
 * row (`row_to_json`), the sequences, and a closing line with each table's row count, so a truncated file is
 * refused instead of restored in part. The schema itself is not in the archive: it is rebuilt from this app's
 * own migrations up to the level the header names, then the newer ones run (see restore-backup.ts).
 */
export const ARCHIVE_FORMAT = 'dockhand-backup';
export const ARCHIVE_FORMAT_VERSION = 1;

const migration = z.object({ name: z.string().min(1), checksum: z.string() });
export type MigrationRef = z.infer<typeof migration>;

const header = z.object({
  format: z.literal(ARCHIVE_FORMAT),
  formatVersion: z.number().int().positive(),
  appVersion: z.string().min(1),
  createdAt: z.string(),
  server: z.string().optional(),
  migrations: z.array(migration),
});
export type ArchiveHeader = z.infer<typeof header>;

/** A marker line carries `$`; any other line is a row of the table last named. */
export type ArchiveMarker =
  | { $: 'table'; name: string }
  | { $: 'sequence'; name: string; lastValue: string | null }
  | { $: 'end'; tables: Record<string, number> };

export function headerLine(h: ArchiveHeader): string {
  return JSON.stringify(h);
}

/** Parses the first line of a file, naming what is wrong in one sentence (the file's name comes from the caller). */
export function parseHeader(line: string | undefined, file: string): ArchiveHeader {
  let value: unknown;
  try {
    value = line === undefined ? undefined : JSON.parse(line);
  } catch {
    value = undefined;
  }
  const formatOf = (v: unknown) => (v && typeof v === 'object' ? (v as { format?: unknown }).format : undefined);
  if (formatOf(value) !== ARCHIVE_FORMAT) throw new AppError('BACKUP_UNREADABLE', `${file} is not a Dockhand backup (no backup header in it)`);
  const parsed = header.safeParse(value);
  if (!parsed.success) throw new AppError('BACKUP_UNREADABLE', `${file} has a damaged backup header (${parsed.error.issues.map((i) => `${i.path.join('.') || 'header'}: ${i.message}`).join('; ')})`);
  if (parsed.data.formatVersion > ARCHIVE_FORMAT_VERSION) {
    throw new AppError('BACKUP_TOO_NEW', `${file} was written by Dockhand ${parsed.data.appVersion} in backup format ${parsed.data.formatVersion}; this Dockhand reads format ${ARCHIVE_FORMAT_VERSION} only: restore it with Dockhand ${parsed.data.appVersion} or newer`);
  }
  return parsed.data;
}

/** -1, 0 or 1 for two versions such as `0.1.0` and `0.10.2-rc.1` (numeric parts compared; a pre-release sorts first). */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string) => {
    const [core = '', pre] = v.trim().replace(/^v/, '').split(/-(.*)/s);
    return { parts: core.split('.').map((x) => Number.parseInt(x, 10) || 0), pre };
  };
  const x = parse(a);
  const y = parse(b);
  for (let i = 0; i < Math.max(x.parts.length, y.parts.length, 3); i++) {
    const d = (x.parts[i] ?? 0) - (y.parts[i] ?? 0);
    if (d) return Math.sign(d);
  }
  if (x.pre === y.pre) return 0;
  if (x.pre === undefined) return 1;
  if (y.pre === undefined) return -1;
  return x.pre < y.pre ? -1 : 1;
}

export type RestorePlan = { migrations: MigrationRef[]; upgradeFrom?: string };

/**
 * Whether this app can take a backup: never one of a newer app or with a migration this app does not have
 * (both versions named); an older one is rebuilt at its own level and then migrated up.
 */
export function planRestore(h: ArchiveHeader, app: { version: string; migrations: MigrationRef[] }, file: string): RestorePlan {
  const local = new Map(app.migrations.map((m) => [m.name, m]));
  const unknown = h.migrations.filter((m) => !local.has(m.name));
  const newest = (ms: MigrationRef[]) => ms.map((m) => m.name).sort().at(-1) ?? 'none';
  if (compareVersions(h.appVersion, app.version) > 0 || unknown.length) {
    throw new AppError(
      'BACKUP_TOO_NEW',
      `${file} is from Dockhand ${h.appVersion} (database schema ${newest(h.migrations)}); this is Dockhand ${app.version} (schema ${newest(app.migrations)})` +
        `${unknown.length ? `, which does not have migration ${unknown.map((m) => m.name).join(', ')}` : ''}: restore it with Dockhand ${h.appVersion} or newer`,
    );
  }
  const changed = h.migrations.find((m) => m.checksum && local.get(m.name)!.checksum !== m.checksum);
  if (changed) {
    throw new AppError('BACKUP_MISMATCH', `${file} was made after migration ${changed.name} as Dockhand ${h.appVersion} shipped it, and this Dockhand ${app.version} has a different copy of that migration: restore it with Dockhand ${h.appVersion}`);
  }
  const wanted = new Set(h.migrations.map((m) => m.name));
  const migrations = app.migrations.filter((m) => wanted.has(m.name));
  const upgrade = migrations.length < app.migrations.length || compareVersions(h.appVersion, app.version) < 0;
  return { migrations, upgradeFrom: upgrade ? h.appVersion : undefined };
}

/**
 * Tables in an order that inserts parents before children (foreign keys checked row by row on restore);
 * a cycle keeps the remaining tables in name order.
 */
export function insertOrder(tables: string[], references: { from: string; to: string }[]): string[] {
  const pending = new Set([...tables].sort());
  const out: string[] = [];
  while (pending.size) {
    const ready = [...pending].filter((t) => !references.some((r) => r.from === t && r.to !== t && pending.has(r.to)));
    const next = ready.length ? ready : [...pending];
    for (const t of next) {
      pending.delete(t);
      out.push(t);
    }
  }
  return out;
}

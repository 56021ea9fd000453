import pg from 'pg';
import { AppError } from '../../errors';
import { redactSecrets } from '../../logger';
import { ARCHIVE_FORMAT, ARCHIVE_FORMAT_VERSION, headerLine, insertOrder, type ArchiveMarker } from './archive-format';
import { ArchiveWriter } from './archive-file';
import { appVersion, appliedMigrations } from './app-level';

export interface BackupResult {
  file: string;
  appVersion: string;
  migration: string;
  tables: Record<string, number>;
}

const FETCH = 1000;
const marker = (m: ArchiveMarker) => JSON.stringify(m);
const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * Writes every table of the database's schema (Prisma's, with its migration table) to `file`, read in one
 * SERIALIZABLE READ ONLY DEFERRABLE transaction: one snapshot of the whole database, taken without blocking
 * or being cancelled by the bot's writes, so a backup taken while learners are active is consistent.
 * `afterTable` lets a test write between two tables' reads.
 */
export async function backupDatabase(url: string, file: string, opts: { afterTable?: (table: string) => Promise<void> } = {}): Promise<BackupResult> {
  const client = new pg.Client({ connectionString: url });
  const writer = new ArchiveWriter(file);
  try {
    await client.connect();
    await client.query('BEGIN ISOLATION LEVEL SERIALIZABLE, READ ONLY, DEFERRABLE');
    const migrations = await appliedMigrations(client);
    if (!migrations.length) throw new AppError('BACKUP_FAILED', 'This database has no Dockhand tables yet (no migration was ever applied): nothing to back up');
    const server = (await client.query<{ v: string }>('SELECT version() AS v')).rows[0]!.v;
    const version = appVersion();
    await writer.line(headerLine({ format: ARCHIVE_FORMAT, formatVersion: ARCHIVE_FORMAT_VERSION, appVersion: version, createdAt: new Date().toISOString(), server, migrations }));

    const tables = (
      await client.query<{ name: string }>(`SELECT c.relname AS name FROM pg_class c WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p')`)
    ).rows.map((r) => r.name);
    const refs = (
      await client.query<{ from: string; to: string }>(
        `SELECT f.relname AS "from", t.relname AS "to" FROM pg_constraint k JOIN pg_class f ON f.oid = k.conrelid JOIN pg_class t ON t.oid = k.confrelid
         WHERE k.contype = 'f' AND k.connamespace = current_schema()::regnamespace`,
      )
    ).rows;
    const counts: Record<string, number> = {};
    for (const table of insertOrder(tables, refs)) {
      await writer.line(marker({ $: 'table', name: table }));
      counts[table] = 0;
      await client.query(`DECLARE rows NO SCROLL CURSOR FOR SELECT row_to_json(t)::text AS r FROM ${quote(table)} t`);
      for (;;) {
        const { rows } = await client.query<{ r: string }>(`FETCH ${FETCH} FROM rows`);
        // A raw line break can only be whitespace between tokens of a `json` column: one line per row, always.
        if (rows.length) await writer.line(rows.map((row) => (row.r.includes('\n') ? row.r.replace(/\r?\n/g, ' ') : row.r)).join('\n'));
        counts[table] += rows.length;
        if (rows.length < FETCH) break;
      }
      await client.query('CLOSE rows');
      await opts.afterTable?.(table);
    }
    const sequences = (
      await client.query<{ name: string; last: string | null }>(`SELECT sequencename AS name, last_value::text AS last FROM pg_sequences WHERE schemaname = current_schema()`)
    ).rows;
    for (const s of sequences) await writer.line(marker({ $: 'sequence', name: s.name, lastValue: s.last }));
    await writer.line(marker({ $: 'end', tables: counts }));
    await client.query('COMMIT');
    await writer.finish();
    return { file, appVersion: version, migration: migrations.at(-1)!.name, tables: counts };
  } catch (err) {
    writer.abort();
    if (err instanceof AppError) throw err;
    throw new AppError('BACKUP_FAILED', `The backup failed: ${redactSecrets((err as Error).message ?? String(err))}`, { cause: err });
  } finally {
    await client.end().catch(() => undefined);
  }
}

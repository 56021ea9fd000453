import pg from 'pg';
import { AppError } from '../../errors';
import { redactSecrets } from '../../logger';
import { applyMigrations } from '../migrate';
import { parseHeader, planRestore, type ArchiveHeader, type ArchiveMarker } from './archive-format';
import { archiveLines, firstLine } from './archive-file';
import { appVersion, localMigrations } from './app-level';

export interface RestoreResult {
  from: ArchiveHeader;
  tables: Record<string, number>;
  /** Set when the archive came from an older schema or app and was migrated up after the restore. */
  upgradedFrom?: string;
}

const BATCH_ROWS = 500;
const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** Prisma's own bookkeeping table, as its schema engine creates it (the archive carries its rows). */
const PRISMA_MIGRATIONS_TABLE = `CREATE TABLE "_prisma_migrations" (
  "id" VARCHAR(36) PRIMARY KEY NOT NULL, "checksum" VARCHAR(64) NOT NULL, "finished_at" TIMESTAMPTZ,
  "migration_name" VARCHAR(255) NOT NULL, "logs" TEXT, "rolled_back_at" TIMESTAMPTZ,
  "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(), "applied_steps_count" INTEGER NOT NULL DEFAULT 0)`;

/**
 * Reads a backup through without touching any database: which app and schema it is from (refused here if this
 * app cannot take it), and whether it is whole (a cut-off or damaged file is named before anything is dropped).
 */
export async function inspectBackup(file: string): Promise<{ header: ArchiveHeader; upgradeFrom?: string }> {
  const header = parseHeader(await firstLine(file), file);
  const plan = planRestore(header, { version: appVersion(), migrations: localMigrations() }, file);
  await readRows(file, async () => undefined);
  return { header, upgradeFrom: plan.upgradeFrom };
}

/**
 * Replaces the database's schema and data with the archive's, in one transaction (a failure leaves the database
 * as it was): the schema is rebuilt from this app's migrations up to the archive's level, the rows are loaded,
 * then any newer migrations run (`migrate: false` leaves it at the archive's level, as an older app would have it).
 * Refuses a database that holds data unless `replace`.
 */
export async function restoreDatabase(url: string, file: string, opts: { replace?: boolean; migrate?: boolean } = {}): Promise<RestoreResult> {
  const { header } = await inspectBackup(file);
  const plan = planRestore(header, { version: appVersion(), migrations: localMigrations() }, file);
  const sqlOf = new Map(localMigrations().map((m) => [m.name, m.sql]));
  const client = new pg.Client({ connectionString: url });
  let tables: Record<string, number>;
  try {
    await client.connect();
    if (!opts.replace) {
      const rows = await dataRows(client);
      if (rows) throw new AppError('RESTORE_TARGET_NOT_EMPTY', `The database already holds ${rows} row${rows === 1 ? '' : 's'} of data; restoring replaces all of them: run again with --replace to go ahead`);
    }
    // A bot still connected would write into a database being replaced under it (or hold its locks).
    const others = Number(
      (await client.query<{ n: string }>(`SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'`)).rows[0]!.n,
    );
    if (others) throw new AppError('RESTORE_TARGET_IN_USE', `The database has ${others} other connection${others === 1 ? '' : 's'} (is the bot running?): stop the bot, then restore`);
    await client.query('BEGIN');
    await dropEverything(client);
    await client.query(PRISMA_MIGRATIONS_TABLE);
    for (const m of plan.migrations) await client.query(sqlOf.get(m.name)!);
    tables = await readRows(file, (q, params) => client.query(q, params));
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    if (err instanceof AppError) throw err;
    throw new AppError('BACKUP_FAILED', `The restore failed and the database was left as it was: ${redactSecrets((err as Error).message ?? String(err))}`, { cause: err });
  } finally {
    await client.end().catch(() => undefined);
  }
  if (opts.migrate !== false) await applyMigrations(url);
  return { from: header, tables, upgradedFrom: plan.upgradeFrom };
}

async function dataRows(client: pg.Client): Promise<number> {
  const { rows } = await client.query<{ name: string }>(
    `SELECT relname AS name FROM pg_class WHERE relnamespace = current_schema()::regnamespace AND relkind IN ('r', 'p') AND relname <> '_prisma_migrations'`,
  );
  let total = 0;
  for (const t of rows) total += Number((await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${quote(t.name)}`)).rows[0]!.n);
  return total;
}

/** Every relation, type and routine of the schema (what the migrations made), not the schema itself. */
async function dropEverything(client: pg.Client): Promise<void> {
  const ns = 'current_schema()::regnamespace';
  const own = `NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = o.oid AND d.deptype = 'e')`;
  const drops = [
    [`SELECT 'DROP VIEW IF EXISTS ' || quote_ident(relname) || ' CASCADE' AS q FROM pg_class o WHERE relnamespace = ${ns} AND relkind = 'v' AND ${own}`],
    [`SELECT 'DROP MATERIALIZED VIEW IF EXISTS ' || quote_ident(relname) || ' CASCADE' AS q FROM pg_class o WHERE relnamespace = ${ns} AND relkind = 'm' AND ${own}`],
    [`SELECT 'DROP TABLE IF EXISTS ' || quote_ident(relname) || ' CASCADE' AS q FROM pg_class o WHERE relnamespace = ${ns} AND relkind IN ('r', 'p', 'f') AND ${own}`],
    [`SELECT 'DROP SEQUENCE IF EXISTS ' || quote_ident(relname) || ' CASCADE' AS q FROM pg_class o WHERE relnamespace = ${ns} AND relkind = 'S' AND ${own}`],
    [`SELECT 'DROP ROUTINE IF EXISTS ' || o.oid::regprocedure::text || ' CASCADE' AS q FROM pg_proc o WHERE pronamespace = ${ns} AND ${own}`],
    [`SELECT 'DROP TYPE IF EXISTS ' || quote_ident(typname) || ' CASCADE' AS q FROM pg_type o WHERE typnamespace = ${ns} AND (typtype IN ('e', 'd', 'r', 'm') OR (typtype = 'c' AND (SELECT relkind FROM pg_class WHERE oid = typrelid) = 'c')) AND ${own}`],
  ];
  for (const [select] of drops) {
    for (const { q } of (await client.query<{ q: string }>(select!)).rows) await client.query(q);
  }
}

/** Goes through the archive's rows, handing each batch's statement to `run` (a dry run checks the file alone). */
async function readRows(file: string, run: (sql: string, params: unknown[]) => Promise<unknown>): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  let table: string | undefined;
  let batch: string[] = [];
  let end: Record<string, number> | undefined;
  const flush = async () => {
    if (!batch.length) return;
    await run(`INSERT INTO ${quote(table!)} SELECT * FROM json_populate_recordset(NULL::${quote(table!)}, $1::json)`, [`[${batch.join(',')}]`]);
    counts[table!] = (counts[table!] ?? 0) + batch.length;
    batch = [];
  };
  let first = true;
  for await (const line of archiveLines(file)) {
    if (first) {
      first = false;
      continue;
    }
    if (end) throw new AppError('BACKUP_UNREADABLE', `${file} has data after its end: it is damaged`);
    if (!line.startsWith('{"$":')) {
      if (!table) throw new AppError('BACKUP_UNREADABLE', `${file} is damaged (a row before any table)`);
      batch.push(line);
      if (batch.length >= BATCH_ROWS) await flush();
      continue;
    }
    await flush();
    const m = parseMarker(line, file);
    if (m.$ === 'table') {
      table = m.name;
      counts[table] = 0;
    } else if (m.$ === 'sequence') {
      if (m.lastValue !== null) await run('SELECT setval($1::regclass, $2::bigint, true)', [quote(m.name), m.lastValue]);
    } else end = m.tables;
  }
  await flush();
  if (!end) throw new AppError('BACKUP_UNREADABLE', `${file} is cut off (it has no end line: the copy is incomplete)`);
  const wrong = Object.keys({ ...end, ...counts }).filter((t) => end![t] !== counts[t]);
  if (wrong.length) throw new AppError('BACKUP_UNREADABLE', `${file} is damaged: the rows of ${wrong.join(', ')} do not match its own count`);
  return counts;
}

function parseMarker(line: string, file: string): ArchiveMarker {
  try {
    const m = JSON.parse(line) as ArchiveMarker;
    if (m.$ === 'table' || m.$ === 'sequence' || m.$ === 'end') return m;
  } catch {
    // named below
  }
  throw new AppError('BACKUP_UNREADABLE', `${file} is damaged (an unreadable line in it)`);
}

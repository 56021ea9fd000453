import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import type { Logger } from '../../logger';
import { appliedMigrations, localMigrations } from './app-level';
import { backupFileName, filesToPrune, type BackupKind } from './retention';
import { backupDatabase } from './take-backup';

export interface BackupPolicy {
  /** BACKUP_DIR: where backups are written and pruned. */
  dir: string;
  /** BACKUP_KEEP: backups of each kind kept there. */
  keep: number;
  /** BACKUP_BEFORE_MIGRATIONS: back up at start when migrations are pending. */
  beforeMigrations: boolean;
}

/** Deletes the backups of `kind` beyond the newest `keep` in `dir`; returns the names deleted. */
export function pruneBackups(dir: string, kind: BackupKind, keep: number): string[] {
  const names = fs.existsSync(dir) ? fs.readdirSync(dir) : [];
  const doomed = filesToPrune(names, kind, keep);
  for (const name of doomed) fs.rmSync(path.join(dir, name), { force: true });
  return doomed;
}

/** Writes a backup of kind `kind` into the policy's folder and prunes that kind down to `keep`. */
export async function backupInto(url: string, policy: Pick<BackupPolicy, 'dir' | 'keep'>, kind: BackupKind, at = new Date()) {
  const result = await backupDatabase(url, path.join(policy.dir, backupFileName(at, kind)));
  return { ...result, pruned: pruneBackups(policy.dir, kind, policy.keep) };
}

/**
 * Before an upgrade's migrations change the schema: a backup of the database as it was, so a failed or unwanted
 * upgrade can be undone with the previous version's image. Skipped on a new database and when nothing is pending.
 */
export async function backupBeforeMigrations(url: string, policy: BackupPolicy, log?: Logger): Promise<string | undefined> {
  if (!policy.beforeMigrations) return undefined;
  const client = new pg.Client({ connectionString: url });
  let applied;
  try {
    await client.connect();
    applied = await appliedMigrations(client);
  } finally {
    await client.end().catch(() => undefined);
  }
  const done = new Set(applied.map((m) => m.name));
  const pending = localMigrations().filter((m) => !done.has(m.name));
  if (!applied.length || !pending.length) return undefined;
  const result = await backupInto(url, policy, 'pre-migrate');
  log?.info({ file: result.file, from: result.migration, pending: pending.map((m) => m.name), pruned: result.pruned.length }, 'database backed up before migrations');
  return result.file;
}

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres } from '../../src/store/embedded-postgres';
import { applyMigrations } from '../../src/store/migrate';

/**
 * One real PostgreSQL for the whole run: DATABASE_URL when given, else an embedded server in a temporary
 * folder. Migrations are applied before any test, as at start-up.
 */
export default async function globalSetup(): Promise<void> {
  if (!process.env.DATABASE_URL) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockhand-test-pg-'));
    fs.chmodSync(dir, 0o755);
    const pg = await startEmbeddedPostgres({ dataDir: dir, persistent: false, database: 'dockhand_test' });
    process.env.DATABASE_URL = pg.url;
    (globalThis as { __dockhandPg?: { stop(): Promise<void>; dir: string } }).__dockhandPg = { stop: pg.stop, dir };
  }
  await applyMigrations(process.env.DATABASE_URL);
}

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import pino from 'pino';
import { ensureImages } from '../../src/images';
import { testMachineProfile } from '../../src/sandbox';
import { startEmbeddedPostgres } from '../../src/store/embedded-postgres';
import { applyMigrations } from '../../src/store/migrate';

/**
 * One real PostgreSQL for the whole run: DATABASE_URL when given, else an embedded server in a temporary
 * folder. Migrations are applied before any test, as at start-up. The sandbox and lesson images are
 * built here on first use (a few minutes, with progress), so no test waits on a build.
 */
export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  const result = await ensureImages({
    docker: new Docker(),
    log: pino({ level: 'warn' }),
    onProgress: (line) => process.stderr.write(`[images] ${line}\n`),
  });
  if (result.built.length) process.stderr.write(`[images] built ${result.built.length} image(s) in ${Math.round((Date.now() - started) / 1000)} s\n`);

  // Sandboxes in tests use the `userns` profile whenever the engine remaps users (workers inherit this).
  process.env.DOCKHAND_TEST_PROFILE ??= await testMachineProfile(new Docker());
  process.stderr.write(`[sandbox] profile ${process.env.SANDBOX_PROFILE || process.env.DOCKHAND_TEST_PROFILE}\n`);

  if (!process.env.DATABASE_URL) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockhand-test-pg-'));
    fs.chmodSync(dir, 0o755);
    const pg = await startEmbeddedPostgres({ dataDir: dir, persistent: false, database: 'dockhand_test' });
    process.env.DATABASE_URL = pg.url;
    (globalThis as { __dockhandPg?: { stop(): Promise<void>; dir: string } }).__dockhandPg = { stop: pg.stop, dir };
  }
  await applyMigrations(process.env.DATABASE_URL);
}

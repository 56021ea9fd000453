import pg from 'pg';
import { applyMigrations } from '../../src/store/migrate';
import { checkReachable } from '../../src/store/database';
import { freePort } from '../../src/store/embedded-postgres';
import { uniqueId } from '../support/start-test-bot';

describe('migrations', () => {
  it('apply to an empty database and create every table of the model', async () => {
    const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    const name = uniqueId('empty_').toLowerCase();
    await admin.query(`CREATE DATABASE ${name}`);
    try {
      const url = new URL(process.env.DATABASE_URL!);
      url.pathname = `/${name}`;
      const out = await applyMigrations(url.toString());
      expect(out).toMatch(/migrations have been successfully applied|applied/i);
      const client = new pg.Client({ connectionString: url.toString() });
      await client.connect();
      const { rows } = await client.query("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1");
      await client.end();
      expect(rows.map((r) => r.table_name)).toEqual(
        expect.arrayContaining(['Learner', 'LessonProgress', 'StepCompletion', 'CommandRun', 'Sandbox', 'ProcessedEvent', '_prisma_migrations']),
      );
      // Applying again is a no-op, as on every start.
      expect(await applyMigrations(url.toString())).toMatch(/No pending migrations/i);
    } finally {
      await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
      await admin.end();
    }
  });

  it('reports a database that is down with a clear message, without the password', async () => {
    const port = await freePort();
    const err = await checkReachable(`postgresql://app:s3cret@127.0.0.1:${port}/x`, 2000).then(
      () => undefined,
      (e: Error & { code?: string }) => e,
    );
    expect(err?.code).toBe('DB_UNREACHABLE');
    expect(err?.message).toBe(`Cannot reach the database at 127.0.0.1:${port}/x: ECONNREFUSED (is the server running?)`);
  });
});

import pg from 'pg';
import { applyMigrations } from '../../src/store/migrate';
import { createPrismaClient, type Db } from '../../src/store/prisma/prisma-client';
import { uniqueId } from '../support/start-test-bot';

/**
 * A migrated database of the suite's own on the test server (DATABASE_URL), made before its tests and dropped
 * after: what one suite does to its rows (prune every old event, hold every connection) touches no other suite.
 */
export function ownDatabase(prefix: string): { db: () => Db } {
  let db: Db | undefined;
  let admin: pg.Client;
  const dbName = uniqueId(prefix).toLowerCase();
  beforeAll(async () => {
    admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${dbName}`);
    const url = new URL(process.env.DATABASE_URL!);
    url.pathname = `/${dbName}`;
    await applyMigrations(url.toString());
    db = createPrismaClient(url.toString());
  });
  afterAll(async () => {
    await db?.$disconnect();
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
  });
  return { db: () => db! };
}

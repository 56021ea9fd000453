import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import pg from 'pg';
import { applyMigrations } from '../../../src/store/migrate';
import { createPrismaClient, type Db } from '../../../src/store/prisma-client';
import { uniqueId } from '../../support/start-test-bot';

/** Databases of the suite's own on the run's server, made on demand and dropped after the suite. */
export function scratchDatabases(prefix: string) {
  const made: string[] = [];
  const clients: Db[] = [];
  let admin: pg.Client | undefined;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockhand-backup-test-'));
  const urlOf = (name: string) => {
    const url = new URL(process.env.DATABASE_URL!);
    url.pathname = `/${name}`;
    return url.toString();
  };
  const adminClient = async () => {
    if (!admin) {
      admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
      await admin.connect();
    }
    return admin;
  };
  afterAll(async () => {
    for (const c of clients) await c.$disconnect().catch(() => undefined);
    for (const name of made) await admin?.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin?.end();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return {
    dir,
    /** An empty database (no schema): what a new server or a wiped one looks like. */
    async empty(): Promise<string> {
      const name = uniqueId(prefix).toLowerCase();
      await (await adminClient()).query(`CREATE DATABASE ${name}`);
      made.push(name);
      return urlOf(name);
    },
    async migrated(): Promise<string> {
      const url = await this.empty();
      await applyMigrations(url);
      return url;
    },
    /** Drops and re-creates the database behind `url`: every table and row gone. */
    async wipe(url: string): Promise<void> {
      const name = new URL(url).pathname.slice(1);
      const a = await adminClient();
      await a.query(`DROP DATABASE ${name} WITH (FORCE)`);
      await a.query(`CREATE DATABASE ${name}`);
    },
    prisma(url: string): Db {
      const db = createPrismaClient(url);
      clients.push(db);
      return db;
    },
  };
}

/** An archive's lines, and an archive written back from (edited) lines. */
export function readArchive(file: string): string[] {
  return zlib.gunzipSync(fs.readFileSync(file)).toString('utf8').split('\n').filter(Boolean);
}

export function writeArchive(file: string, lines: string[]): void {
  fs.writeFileSync(file, zlib.gzipSync(`${lines.join('\n')}\n`));
}

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import pg from 'pg';
import { applyMigrations } from '../../../src/store/migrate';
import { createPrismaClient, type Db } from '../../../src/store/prisma/prisma-client';
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

/**
 * A backup as Dockhand 0.0.1 wrote it, three migrations in (before challenge integrity and workspace installs):
 * one learner with a lesson in progress. Those three migrations never change, so neither does this archive.
 */
export function writeOlderArchive(file: string, migrations: { name: string; checksum: string }[], ids: { team: string; learnerId: string }): void {
  const old = migrations.slice(0, 3);
  writeArchive(file, [
    JSON.stringify({ format: 'dockhand-backup', formatVersion: 1, appVersion: '0.0.1', createdAt: '2026-11-28T10:00:00.000Z', migrations: old.map(({ name, checksum }) => ({ name, checksum })) }),
    '{"$":"table","name":"_prisma_migrations"}',
    ...old.map((m, i) =>
      JSON.stringify({ id: `00000000-0000-4000-8000-00000000000${i}`, checksum: m.checksum, finished_at: '2026-11-28T09:00:00+00:00', migration_name: m.name, logs: null, rolled_back_at: null, started_at: '2026-11-28T09:00:00+00:00', applied_steps_count: 1 }),
    ),
    '{"$":"table","name":"Learner"}',
    JSON.stringify({ id: ids.learnerId, teamId: ids.team, userId: 'U0OLD', displayName: 'Olga', firstSeenAt: '2026-11-28T09:30:00', lastSeenAt: '2026-11-28T09:45:00', activeLessonId: 'first-container', dmChannel: 'D0OLD' }),
    '{"$":"table","name":"LessonProgress"}',
    JSON.stringify({ id: '6a1b2c3d-4e5f-4061-8273-9a0b1c2d3e4f', learnerId: ids.learnerId, lessonId: 'first-container', currentStep: 1, startedAt: '2026-11-28T09:31:00', updatedAt: '2026-11-28T09:40:00', completedAt: null, currentStepId: 'list-containers' }),
    JSON.stringify({ $: 'end', tables: { _prisma_migrations: 3, Learner: 1, LessonProgress: 1 } }),
  ]);
}

import path from 'node:path';
import pg from 'pg';
import { AppError } from '../errors';
import { redactSecrets, type Logger } from '../logger';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded-postgres';
import type { BackupPolicy } from './backup/pre-migration';
import { applyMigrations } from './migrate';
import { createPrismaClient, type Db } from './prisma/prisma-client';

export interface Database {
  url: string;
  prisma: Db;
  embedded: boolean;
  close(): Promise<void>;
}

/** Fails fast with a readable reason when the server is down or the URL is wrong. */
export async function checkReachable(url: string, timeoutMs = 5000): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (err) {
    const host = safeHost(url);
    // A refused connection to "localhost" arrives as an AggregateError (IPv4 + IPv6) whose code sits inside.
    const e = err as { code?: string; errors?: { code?: string }[]; message?: string };
    const code = e.code ?? e.errors?.find((x) => x.code)?.code ?? /\b(E[A-Z]{4,})\b/.exec(e.message ?? '')?.[1];
    const reason = code ? (code === 'ECONNREFUSED' ? 'ECONNREFUSED (is the server running?)' : code) : (e.message ?? String(err));
    throw new AppError('DB_UNREACHABLE', `Cannot reach the database at ${host}: ${redactSecrets(String(reason))}`, { cause: err });
  } finally {
    await client.end().catch(() => undefined);
  }
}

function safeHost(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || 5432}${u.pathname}`;
  } catch {
    return 'DATABASE_URL';
  }
}

/** Opens DATABASE_URL, or an embedded PostgreSQL in dataDir when none is given; migrations are applied first. */
export async function openDatabase(opts: { databaseUrl?: string; poolSize?: number; dataDir: string; log: Logger; backup?: BackupPolicy }): Promise<Database> {
  let embedded: EmbeddedPostgres | undefined;
  let url = opts.databaseUrl;
  if (!url) {
    const dir = path.join(opts.dataDir, 'postgres');
    opts.log.info({ dir }, 'starting embedded PostgreSQL (DATABASE_URL is unset)');
    embedded = await startEmbeddedPostgres({ dataDir: dir, persistent: true });
    url = embedded.url;
  }
  try {
    await checkReachable(url);
    await applyMigrations(url, undefined, { backup: opts.backup, log: opts.log });
  } catch (err) {
    await embedded?.stop();
    throw err;
  }
  const prisma = createPrismaClient(url, opts.poolSize);
  return {
    url,
    prisma,
    embedded: embedded !== undefined,
    async close() {
      await prisma.$disconnect().catch(() => undefined);
      await embedded?.stop();
    },
  };
}

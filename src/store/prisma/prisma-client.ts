import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/client';

export type Db = PrismaClient;

/**
 * Connections per bot process unless DATABASE_POOL_SIZE says otherwise. A class of 30 opening lesson 1 at once had
 * over 100 queries waiting for these 10 (PostgreSQL allows 100 connections by default).
 */
export const POOL_SIZE = 10;
/**
 * How long a query or a transaction waits for a pooled connection, and how long a transaction may run. A class
 * opening a lesson in the same second on a busy machine queues for seconds: waiting is right, failing the
 * learner's start (Prisma's defaults: 2 s wait, 5 s run; the pool's former 5 s connect) left them with no card.
 */
export const CONNECTION_WAIT_MS = 20_000;
const TRANSACTION_RUN_MS = 20_000;

/** The WASM query compiler talks to Postgres through node-postgres: no engine binary needed. */
export function createPrismaClient(url: string, poolSize = POOL_SIZE): PrismaClient {
  return new PrismaClient({
    adapter: new PrismaPg({ connectionString: url, connectionTimeoutMillis: CONNECTION_WAIT_MS, idleTimeoutMillis: 30000, max: poolSize }),
    transactionOptions: { maxWait: CONNECTION_WAIT_MS, timeout: TRANSACTION_RUN_MS },
  });
}

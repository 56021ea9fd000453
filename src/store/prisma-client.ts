import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/client';

export type Db = PrismaClient;

/** The WASM query compiler talks to Postgres through node-postgres: no engine binary needed. */
export function createPrismaClient(url: string): PrismaClient {
  return new PrismaClient({
    adapter: new PrismaPg({ connectionString: url, connectionTimeoutMillis: 5000, idleTimeoutMillis: 30000, max: 10 }),
  });
}

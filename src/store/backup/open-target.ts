import path from 'node:path';
import { startEmbeddedPostgres } from '../embedded-postgres';
import { checkReachable } from '../database';

/**
 * The database the bot would use (DATABASE_URL, else the embedded one in the data folder), opened as it is:
 * no migration runs, so a backup shows the database as it was. The embedded server cannot be shared: stop the
 * bot first (its start would otherwise fail on the data folder's lock).
 */
export async function openTarget(opts: { databaseUrl?: string; dataDir: string }): Promise<{ url: string; embedded: boolean; close(): Promise<void> }> {
  if (opts.databaseUrl) {
    await checkReachable(opts.databaseUrl);
    return { url: opts.databaseUrl, embedded: false, close: async () => undefined };
  }
  const pg = await startEmbeddedPostgres({ dataDir: path.join(opts.dataDir, 'postgres'), persistent: true });
  return { url: pg.url, embedded: true, close: () => pg.stop() };
}

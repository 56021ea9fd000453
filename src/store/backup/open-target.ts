import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../../errors';
import { startEmbeddedPostgres } from '../embedded-postgres';
import { checkReachable } from '../database';

/**
 * The database the bot would use (DATABASE_URL, else the embedded one in the data folder), opened as it is:
 * no migration runs, so a backup shows the database as it was. The embedded server cannot be shared: a bot
 * running on it must be stopped first.
 */
export async function openTarget(opts: { databaseUrl?: string; dataDir: string }): Promise<{ url: string; embedded: boolean; close(): Promise<void> }> {
  if (opts.databaseUrl) {
    await checkReachable(opts.databaseUrl);
    return { url: opts.databaseUrl, embedded: false, close: async () => undefined };
  }
  const dir = path.join(opts.dataDir, 'postgres');
  const owner = runningServer(path.join(dir, 'pg', 'postmaster.pid'));
  if (owner) throw new AppError('DB_EMBEDDED_FAILED', `The embedded database in ${dir} is in use (PostgreSQL process ${owner}): stop the bot first, then run this again`);
  const pg = await startEmbeddedPostgres({ dataDir: dir, persistent: true });
  return { url: pg.url, embedded: true, close: () => pg.stop() };
}

/** The pid in a server's lock file when that process is alive (EPERM: alive, under another user). */
function runningServer(pidFile: string): number | undefined {
  let pid: number;
  try {
    pid = Number.parseInt(fs.readFileSync(pidFile, 'utf8').split('\n')[0]!, 10);
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM' ? pid : undefined;
  }
}

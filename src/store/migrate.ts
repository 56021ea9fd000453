import { execFile } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT as ROOT } from '../project-root';
import { AppError } from '../errors';
import { redactSecrets, type Logger } from '../logger';
import { backupBeforeMigrations, type BackupPolicy } from './backup/pre-migration';

/** Applies pending migrations (`prisma migrate deploy`, through the binary-free wrapper), after a backup when the policy asks. */
export async function applyMigrations(databaseUrl: string, timeoutMs = 60000, opts: { backup?: BackupPolicy; log?: Logger } = {}): Promise<string> {
  if (opts.backup) await backupBeforeMigrations(databaseUrl, opts.backup, opts.log);
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [path.join(ROOT, 'scripts', 'prisma.js'), 'migrate', 'deploy'],
      { cwd: ROOT, // The Prisma CLI is a child process: it inherits PATH and the like, and gets the URL explicitly.
        env: { ...process.env, DATABASE_URL: databaseUrl }, timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) {
          const tail = redactSecrets(`${stdout}\n${stderr}`.trim().split('\n').slice(-8).join('\n'));
          reject(new AppError('DB_MIGRATE_FAILED', `Applying database migrations failed: ${tail}`, { cause: err }));
        } else resolve(stdout);
      },
    );
  });
}

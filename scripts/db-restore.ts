// npm run db:restore -- FILE [--replace]: puts a backup from db:backup back into the bot's database (DATABASE_URL,
// else the embedded one in DOCKHAND_DATA_DIR; stop the bot first). A backup of an older Dockhand is restored then
// migrated up; one of a newer Dockhand is refused, both versions named. Sealed Slack tokens need the same
// SLACK_TOKEN_KEY as when the backup was taken.
import os from 'node:os';
import { parseArgs } from 'node:util';
import { readConfig, withEnvFile } from '../src/config';
import { AppError, errorCode } from '../src/errors';
import { inspectBackup, openTarget, restoreDatabase } from '../src/store';

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ options: { replace: { type: 'boolean', default: false } }, strict: true, allowPositionals: true });
  if (positionals.length !== 1) throw new AppError('CLI_USAGE', 'usage: npm run db:restore -- FILE [--replace]');
  const file = positionals[0]!;
  const config = readConfig(withEnvFile(process.env, process.cwd()).env, { cpus: os.availableParallelism(), memoryMb: Math.floor(os.totalmem() / 2 ** 20) });
  // Read and judged before the database is even opened: a newer or damaged file changes nothing.
  await inspectBackup(file);
  const db = await openTarget(config);
  try {
    const result = await restoreDatabase(db.url, file, { replace: values.replace });
    const rows = Object.values(result.tables).reduce((a, b) => a + b, 0);
    console.log(`restored ${rows} rows of ${Object.keys(result.tables).length} tables from ${file} (Dockhand ${result.from.appVersion}, taken ${result.from.createdAt})`);
    if (result.upgradedFrom) console.log(`the backup came from Dockhand ${result.upgradedFrom}: the database was migrated up to this version`);
  } finally {
    await db.close();
  }
}

main().catch((err: unknown) => {
  const parseError = (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
  console.error(`db:restore: ${parseError ? 'CLI_USAGE' : errorCode(err)}: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});

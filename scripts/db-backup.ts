// npm run db:backup [-- --out FILE] [-- --scheduled]: a consistent backup of the bot's database (DATABASE_URL, else
// the embedded one in DOCKHAND_DATA_DIR, which needs the bot stopped) into BACKUP_DIR, keeping BACKUP_KEEP of
// each kind. The token key (SLACK_TOKEN_KEY) is not in it: keep that with the backups, apart from them.
import os from 'node:os';
import { parseArgs } from 'node:util';
import { readConfig, withEnvFile } from '../src/config';
import { errorCode } from '../src/errors';
import { backupDatabase, backupInto, openTarget } from '../src/store';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { out: { type: 'string' }, scheduled: { type: 'boolean', default: false } }, strict: true, allowPositionals: false });
  const config = readConfig(withEnvFile(process.env, process.cwd()).env, { cpus: os.availableParallelism(), memoryMb: Math.floor(os.totalmem() / 2 ** 20) });
  const db = await openTarget(config);
  try {
    const result = values.out ? { ...(await backupDatabase(db.url, values.out)), pruned: [] as string[] } : await backupInto(db.url, config.backup, values.scheduled ? 'scheduled' : 'manual');
    const rows = Object.values(result.tables).reduce((a, b) => a + b, 0);
    console.log(`backed up ${rows} rows of ${Object.keys(result.tables).length} tables (Dockhand ${result.appVersion}, schema ${result.migration}) to ${result.file}`);
    if (result.pruned.length) console.log(`removed ${result.pruned.length} older backup(s), keeping ${config.backup.keep} (BACKUP_KEEP)`);
    console.log('The Slack tokens in it are sealed with SLACK_TOKEN_KEY: keep that key too, stored apart from the backups.');
  } finally {
    await db.close();
  }
}

main().catch((err: unknown) => {
  const parseError = (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
  console.error(`db:backup: ${parseError ? 'CLI_USAGE' : errorCode(err)}: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});

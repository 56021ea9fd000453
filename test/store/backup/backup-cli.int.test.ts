import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { appVersion } from '../../../src/store/backup';
import { PrismaChallengeStore } from '../../../src/store/prisma/prisma-challenge-store';
import { PrismaLearnerStore } from '../../../src/store/prisma/prisma-learner-store';
import { PrismaTutorStore } from '../../../src/store/prisma/prisma-tutor-store';
import { PROJECT_ROOT } from '../../../src/project-root';
import { readArchive, scratchDatabases, writeArchive } from './backup-db-helpers';

const dbs = scratchDatabases('bkcli_');

/** An npm script's command as an operator runs it: the environment holds only the database and the folder. */
function cli(script: 'db-backup' | 'db-restore', args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', path.join('scripts', `${script}.ts`), ...args],
      { cwd: PROJECT_ROOT, env: { PATH: process.env.PATH!, HOME: process.env.HOME!, ...env }, timeout: 180_000 },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('npm run db:backup / db:restore', () => {
  it('back up into BACKUP_DIR, restore into a new database, and refuse in one line what they cannot do', async () => {
    const url = await dbs.migrated();
    const db = dbs.prisma(url);
    const { learner } = await new PrismaLearnerStore(db).ensureLearner('T0CLI', 'U0CLI', 'Cleo');
    await new PrismaTutorStore(db).startLesson(learner.id, 'first-container', 'run-hello');
    const challenge = await new PrismaChallengeStore(db).create({ teamId: 'T0CLI', channelId: 'C0CLI', exerciseId: 'ex-ports', createdBy: 'U0ADMIN', durationMs: 600000, hintPenaltySeconds: 60 });
    const dir = path.join(dbs.dir, 'backups');

    const backup = await cli('db-backup', [], { DATABASE_URL: url, BACKUP_DIR: dir });
    expect(backup).toMatchObject({ code: 0, stderr: '' });
    const [, file] = /^backed up \d+ rows of \d+ tables \(Dockhand [^,]+, schema \w+\) to (\S+-manual\.backup\.gz)$/m.exec(backup.stdout) ?? [];
    expect(file && path.dirname(file)).toBe(dir);
    expect(backup.stdout).toContain('keep that key too, stored apart from the backups');
    expect(fs.statSync(file!).mode & 0o777).toBe(0o600);

    const copy = await dbs.empty();
    const restore = await cli('db-restore', [file!], { DATABASE_URL: copy });
    expect(restore).toMatchObject({ code: 0, stderr: '' });
    expect(restore.stdout).toMatch(new RegExp(`^restored \\d+ rows of \\d+ tables from ${file} \\(Dockhand ${appVersion()}, taken `));
    const restored = dbs.prisma(copy);
    expect(await new PrismaTutorStore(restored).activeLesson(learner.id)).toMatchObject({ lessonId: 'first-container', stepId: 'run-hello' });
    expect(await new PrismaChallengeStore(restored).latestInChannel('T0CLI', 'C0CLI')).toMatchObject({ id: challenge.id, endedAt: null });

    // Refusals: one line on stderr, no stack trace, exit 1.
    const again = await cli('db-restore', [file!], { DATABASE_URL: copy });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^db:restore: RESTORE_TARGET_NOT_EMPTY: The database already holds \d+ rows of data; restoring replaces all of them: run again with --replace to go ahead\n$/);
    const lines = readArchive(file!);
    const newer = path.join(dbs.dir, 'newer.backup.gz');
    writeArchive(newer, [lines[0]!.replace(`"appVersion":"${appVersion()}"`, '"appVersion":"42.0.0"'), ...lines.slice(1)]);
    const tooNew = await cli('db-restore', [newer, '--replace'], { DATABASE_URL: copy });
    expect(tooNew.code).toBe(1);
    expect(tooNew.stderr).toMatch(new RegExp(`^db:restore: BACKUP_TOO_NEW: ${newer} is from Dockhand 42\\.0\\.0 \\(database schema \\w+\\); this is Dockhand ${appVersion().replace(/\./g, '\\.')} \\(schema \\w+\\): restore it with Dockhand 42\\.0\\.0 or newer\\n$`));
    const typo = await cli('db-backup', ['--keep', '3'], { DATABASE_URL: url });
    expect(typo).toMatchObject({ code: 1, stderr: expect.stringMatching(/^db:backup: CLI_USAGE: Unknown option '--keep'/) });
  });
});

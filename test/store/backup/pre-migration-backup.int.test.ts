import fs from 'node:fs';
import path from 'node:path';
import { backupFileName, localMigrations, restoreDatabase } from '../../../src/store/backup';
import { applyMigrations } from '../../../src/store/migrate';
import { PrismaTutorStore } from '../../../src/store/prisma/prisma-tutor-store';
import { readArchive, scratchDatabases, writeOlderArchive } from './backup-db-helpers';

const dbs = scratchDatabases('bkpre_');

describe('the backup before migrations at start', () => {
  it('backs up the database as it was before pending migrations, keeps BACKUP_KEEP of them, and skips when nothing is pending', async () => {
    // A database as an older Dockhand left it (three migrations in), about to be upgraded.
    const archive = path.join(dbs.dir, 'older.backup.gz');
    const learnerId = '5f0c7a8e-2b1d-4c55-9a0e-1b2c3d4e5f61';
    writeOlderArchive(archive, localMigrations(), { team: 'T0PRE', learnerId });
    const url = await dbs.empty();
    await restoreDatabase(url, archive, { migrate: false });

    const dir = path.join(dbs.dir, 'backups');
    fs.mkdirSync(dir);
    const oldOnes = ['2026-10-01', '2026-10-02', '2026-10-03'].map((d) => backupFileName(new Date(`${d}T00:00:00.000Z`), 'pre-migrate'));
    const scheduled = backupFileName(new Date('2026-09-01T00:00:00.000Z'), 'scheduled');
    for (const name of [...oldOnes, scheduled]) fs.writeFileSync(path.join(dir, name), '');
    const policy = { dir, keep: 2, beforeMigrations: true };

    await applyMigrations(url, undefined, { backup: policy });
    const after = fs.readdirSync(dir).sort();
    const taken = after.filter((n) => n.endsWith('-pre-migrate.backup.gz') && !oldOnes.includes(n));
    expect(taken).toHaveLength(1);
    // Kept: the new one and the newest older one of its kind; the scheduled backup is another kind's, untouched.
    expect(after).toEqual([scheduled, oldOnes[2], taken[0]].sort());
    const header = JSON.parse(readArchive(path.join(dir, taken[0]!))[0]!) as { migrations: { name: string }[] };
    expect(header.migrations.map((m) => m.name)).toEqual(localMigrations().slice(0, 3).map((m) => m.name));
    // The upgrade went on: the learner's progress is read through the store of this version.
    expect(await new PrismaTutorStore(dbs.prisma(url)).activeLesson(learnerId)).toMatchObject({ stepId: 'list-containers' });

    // Next start: nothing pending, no backup.
    await applyMigrations(url, undefined, { backup: policy });
    expect(fs.readdirSync(dir).sort()).toEqual(after);
    // A new, empty database has nothing to back up; with the policy off, no backup either.
    await applyMigrations(await dbs.empty(), undefined, { backup: policy });
    const again = await dbs.empty();
    await restoreDatabase(again, archive, { migrate: false });
    await applyMigrations(again, undefined, { backup: { ...policy, beforeMigrations: false } });
    expect(fs.readdirSync(dir).sort()).toEqual(after);
  });
});

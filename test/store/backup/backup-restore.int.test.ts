import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { appVersion, backupDatabase, localMigrations, restoreDatabase } from '../../../src/store/backup';
import { PrismaChallengeStore } from '../../../src/store/prisma/prisma-challenge-store';
import { PrismaInstallationStore } from '../../../src/store/prisma/prisma-installation-store';
import { PrismaLearnerStore } from '../../../src/store/prisma/prisma-learner-store';
import { PrismaTutorStore } from '../../../src/store/prisma/prisma-tutor-store';
import { TokenCipher } from '../../../src/store/token-cipher';
import { readArchive, scratchDatabases, writeArchive, writeOlderArchive } from './backup-db-helpers';

const dbs = scratchDatabases('bk_');
const TEAM = 'T0BACKUP';
const key = randomBytes(32);

/** A learner two steps into a lesson, in a running challenge, and a workspace install with its sealed token. */
async function seed(url: string) {
  const db = dbs.prisma(url);
  const learners = new PrismaLearnerStore(db);
  const tutor = new PrismaTutorStore(db);
  const challenges = new PrismaChallengeStore(db);
  const { learner } = await learners.ensureLearner(TEAM, 'U0ALICE', 'Alice');
  await tutor.startLesson(learner.id, 'first-container', 'run-hello');
  await tutor.completeStep(learner.id, 'first-container', 'run-hello', 'list-containers', { skipped: false });
  await tutor.recordAttempt(learner.id, 'first-container', 'list-containers');
  const challenge = await challenges.create({ teamId: TEAM, channelId: 'C0RACE', exerciseId: 'ex-ports', createdBy: 'U0ADMIN', durationMs: 30 * 60000, hintPenaltySeconds: 60 });
  const accepted = await challenges.accept(challenge.id, learner.id);
  await new PrismaInstallationStore(db, new TokenCipher(key)).save({ teamId: TEAM, botUserId: 'U0BOT', botScopes: ['chat:write'], botToken: 'xoxb-secret-token' });
  return { db, learner, challenge, accepted };
}

describe('database backup and restore', () => {
  it("brings back a learner's progress and a running challenge after the database is wiped", async () => {
    const url = await dbs.migrated();
    const { db, learner, challenge } = await seed(url);
    const before = await new PrismaTutorStore(db).summaries(learner.id);
    const file = path.join(dbs.dir, 'roundtrip.backup.gz');

    const taken = await backupDatabase(url, file);
    expect(taken.appVersion).toBe(appVersion());
    expect(taken.migration).toBe(localMigrations().at(-1)!.name);
    await db.$disconnect();
    await dbs.wipe(url);

    const restored = await restoreDatabase(url, file);
    expect(restored.upgradedFrom).toBeUndefined();
    expect(restored.tables).toEqual(taken.tables);
    const after = dbs.prisma(url);
    const learners = new PrismaLearnerStore(after);
    const tutor = new PrismaTutorStore(after);
    const challenges = new PrismaChallengeStore(after);
    const found = await learners.find(TEAM, 'U0ALICE');
    expect(found).toEqual(learner);
    expect(await tutor.activeLesson(learner.id)).toMatchObject({ lessonId: 'first-container', stepId: 'list-containers' });
    expect(await tutor.summaries(learner.id)).toEqual(before);
    const running = await challenges.latestInChannel(TEAM, 'C0RACE');
    expect(running).toMatchObject({ id: challenge.id, endedAt: null, endsAt: challenge.endsAt, exerciseId: 'ex-ports' });
    expect((await challenges.activeEntry(learner.id))?.challenge.id).toBe(challenge.id);
    // The sealed token comes back, readable with the same SLACK_TOKEN_KEY and with no other.
    expect((await new PrismaInstallationStore(after, new TokenCipher(key)).find(TEAM))?.botToken).toBe('xoxb-secret-token');
    await expect(new PrismaInstallationStore(after, new TokenCipher(randomBytes(32))).find(TEAM)).rejects.toMatchObject({ code: 'TOKEN_KEY_MISMATCH' });
    // The restored database is the one Prisma expects: nothing is pending, and a new learner can be written.
    await expect(learners.ensureLearner(TEAM, 'U0BOB')).resolves.toMatchObject({ created: true });
  });

  it('takes one consistent snapshot while learners keep writing, and blocks none of them', async () => {
    const url = await dbs.migrated();
    const { db, learner } = await seed(url);
    const learners = new PrismaLearnerStore(db);
    const tutor = new PrismaTutorStore(db);
    const file = path.join(dbs.dir, 'busy.backup.gz');
    let writes = 0;
    let stop = false;
    // A learner keeps arriving and starting a lesson during the whole backup.
    const writer = (async () => {
      for (let i = 0; i < 200 && !stop; i++) {
        const { learner: l } = await learners.ensureLearner(TEAM, `U0W${i}`);
        await tutor.startLesson(l.id, 'first-container', 'run-hello');
        writes++;
      }
    })();
    let between = false;
    // Between the read of Learner and of the tables after it: a new learner with progress, and a step done by Alice.
    await backupDatabase(url, file, {
      afterTable: async (table) => {
        if (table !== 'Learner') return;
        const { learner: late } = await learners.ensureLearner(TEAM, 'U0LATE');
        await tutor.startLesson(late.id, 'first-container', 'run-hello');
        await tutor.completeStep(learner.id, 'first-container', 'list-containers', null, { skipped: false });
        between = true;
      },
    });
    stop = true;
    await writer;
    expect(between).toBe(true);
    expect(writes).toBeGreaterThan(0);

    const copy = await dbs.empty();
    await restoreDatabase(copy, file);
    const restored = dbs.prisma(copy);
    // Neither write made after the snapshot is in it, in any table.
    expect(await new PrismaLearnerStore(restored).find(TEAM, 'U0LATE')).toBeNull();
    expect(await restored.lessonProgress.count({ where: { learner: { userId: 'U0LATE' } } })).toBe(0);
    expect(await new PrismaTutorStore(restored).activeLesson(learner.id)).toMatchObject({ stepId: 'list-containers' });
    // Every learner the writer had created by then comes with its progress or was caught between its two writes;
    // none of its progress rows lacks its learner (the restore would have failed on the foreign key).
    const learnerRows = await restored.learner.count({ where: { userId: { startsWith: 'U0W' } } });
    const progressRows = await restored.lessonProgress.count({ where: { learner: { userId: { startsWith: 'U0W' } } } });
    expect(learnerRows - progressRows).toBeLessThanOrEqual(1);
  });

  it('refuses a backup of a newer Dockhand, naming both versions, and changes nothing', async () => {
    const url = await dbs.migrated();
    await seed(url);
    const file = path.join(dbs.dir, 'current.backup.gz');
    await backupDatabase(url, file);
    const lines = readArchive(file);
    const header = JSON.parse(lines[0]!) as { appVersion: string; migrations: { name: string; checksum: string }[] };
    header.appVersion = '99.1.0';
    header.migrations.push({ name: '20991231000000_teams_v2', checksum: 'f'.repeat(64) });
    const newer = path.join(dbs.dir, 'newer.backup.gz');
    writeArchive(newer, [JSON.stringify(header), ...lines.slice(1)]);

    const err = await restoreDatabase(url, newer, { replace: true }).catch((e: Error & { code?: string }) => e);
    expect(err).toMatchObject({ code: 'BACKUP_TOO_NEW' });
    expect((err as Error).message).toBe(
      `${newer} is from Dockhand 99.1.0 (database schema 20991231000000_teams_v2); this is Dockhand ${appVersion()} (schema ${localMigrations().at(-1)!.name}), ` +
        'which does not have migration 20991231000000_teams_v2: restore it with Dockhand 99.1.0 or newer',
    );
    expect(await new PrismaLearnerStore(dbs.prisma(url)).find(TEAM, 'U0ALICE')).not.toBeNull();
  });

  it('restores a backup of an older schema, then migrates it up to this version', async () => {
    const file = path.join(dbs.dir, 'older.backup.gz');
    const learnerId = '5f0c7a8e-2b1d-4c55-9a0e-1b2c3d4e5f60';
    writeOlderArchive(file, localMigrations(), { team: TEAM, learnerId });
    const url = await dbs.empty();
    const restored = await restoreDatabase(url, file);
    expect(restored.upgradedFrom).toBe('0.0.1');
    const db = dbs.prisma(url);
    expect(await new PrismaLearnerStore(db).find(TEAM, 'U0OLD')).toMatchObject({ id: learnerId, displayName: 'Olga' });
    expect(await new PrismaTutorStore(db).activeLesson(learnerId)).toMatchObject({ lessonId: 'first-container', stepId: 'list-containers' });
    // The later migrations ran: their tables and columns are there and usable.
    expect(await db.installation.count()).toBe(0);
    const applied = await db.$queryRawUnsafe<{ migration_name: string }[]>('SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL ORDER BY 1');
    expect(applied.map((r) => r.migration_name)).toEqual(localMigrations().map((m) => m.name));
  });

  it('says in one line what is wrong with a missing, foreign, cut-off or damaged file, and changes nothing', async () => {
    const url = await dbs.migrated();
    await seed(url);
    const good = path.join(dbs.dir, 'good.backup.gz');
    await backupDatabase(url, good);
    const fs = await import('node:fs');
    const bytes = fs.readFileSync(good);
    const cut = path.join(dbs.dir, 'cut.backup.gz');
    fs.writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    const noEnd = path.join(dbs.dir, 'no-end.backup.gz');
    writeArchive(noEnd, readArchive(good).slice(0, -1));
    const text = path.join(dbs.dir, 'notes.txt');
    fs.writeFileSync(text, 'not a backup\n');
    const missing = path.join(dbs.dir, 'nothing-here.backup.gz');

    const failure = (file: string) => restoreDatabase(url, file, { replace: true }).then(() => undefined, (e: Error & { code?: string }) => ({ code: e.code, message: e.message }));
    expect(await failure(missing)).toEqual({ code: 'BACKUP_NOT_FOUND', message: `No backup file at ${missing}` });
    expect(await failure(text)).toEqual({ code: 'BACKUP_UNREADABLE', message: `${text} is not a Dockhand backup (not a gzip file)` });
    expect(await failure(cut)).toEqual({ code: 'BACKUP_UNREADABLE', message: `${cut} is cut off (the copy is incomplete)` });
    expect(await failure(noEnd)).toEqual({ code: 'BACKUP_UNREADABLE', message: `${noEnd} is cut off (it has no end line: the copy is incomplete)` });
    // Without --replace a database holding data is never overwritten.
    expect(await restoreDatabase(url, good).catch((e: Error & { code?: string }) => e.code)).toBe('RESTORE_TARGET_NOT_EMPTY');
    // Nor one a bot is still connected to (the seeding client here).
    expect(await restoreDatabase(url, good, { replace: true }).catch((e: Error) => e.message)).toMatch(/^The database has \d+ other connections? \(is the bot running\?\): stop the bot, then restore$/);
    const db = dbs.prisma(url);
    expect(await new PrismaLearnerStore(db).find(TEAM, 'U0ALICE')).not.toBeNull();
    expect(await db.challenge.count()).toBe(1);
  });
});

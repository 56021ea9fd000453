/** Backups of the database and their restore (reached from outside the store through src/store/index.ts). */
export { ARCHIVE_FORMAT_VERSION, compareVersions, insertOrder, parseHeader, planRestore, type ArchiveHeader } from './archive-format';
export { appVersion, localMigrations } from './app-level';
export { openTarget } from './open-target';
export { backupBeforeMigrations, backupInto, pruneBackups, type BackupPolicy } from './pre-migration';
export { backupFileName, filesToPrune, parseBackupFileName, type BackupKind } from './retention';
export { inspectBackup, restoreDatabase, type RestoreResult } from './restore-backup';
export { backupDatabase, type BackupResult } from './take-backup';

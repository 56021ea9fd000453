/**
 * Backup file names carry their time and kind (`dockhand-20261206T213000123Z-manual.backup.gz`), so sorting
 * by name sorts by age, and retention keeps the newest few of each kind: the automatic ones before migrations
 * never push out the scheduled ones, nor the other way round.
 */
export type BackupKind = 'manual' | 'scheduled' | 'pre-migrate';
export const BACKUP_KINDS: readonly BackupKind[] = ['manual', 'scheduled', 'pre-migrate'];
const NAME = /^dockhand-(\d{8}T\d{9}Z)-(manual|scheduled|pre-migrate)\.backup\.gz$/;

export function backupFileName(at: Date, kind: BackupKind): string {
  const stamp = at.toISOString().replace(/[-:.]/g, '');
  return `dockhand-${stamp}-${kind}.backup.gz`;
}

export function parseBackupFileName(name: string): { stamp: string; kind: BackupKind } | undefined {
  const m = NAME.exec(name);
  return m ? { stamp: m[1]!, kind: m[2] as BackupKind } : undefined;
}

/** The files of `kind` beyond the newest `keep` (0 keeps them all); other files in the folder are never named. */
export function filesToPrune(names: string[], kind: BackupKind, keep: number): string[] {
  if (keep <= 0) return [];
  const mine = names.filter((n) => parseBackupFileName(n)?.kind === kind).sort().reverse();
  return mine.slice(keep);
}

import { backupFileName, filesToPrune, parseBackupFileName } from '../../../src/store/backup/retention';

describe('backup retention', () => {
  const at = (iso: string) => new Date(iso);

  it('names a backup by its time and kind, and reads the name back', () => {
    const name = backupFileName(at('2026-12-06T21:30:05.123Z'), 'pre-migrate');
    expect(name).toBe('dockhand-20261206T213005123Z-pre-migrate.backup.gz');
    expect(parseBackupFileName(name)).toEqual({ stamp: '20261206T213005123Z', kind: 'pre-migrate' });
    expect(parseBackupFileName('dockhand-latest.backup.gz')).toBeUndefined();
  });

  it('keeps the newest N of one kind and never names another kind or a foreign file', () => {
    const scheduled = ['2026-12-01', '2026-12-02', '2026-12-03', '2026-12-04'].map((d) => backupFileName(at(`${d}T03:00:00.000Z`), 'scheduled'));
    const before = backupFileName(at('2026-11-01T00:00:00.000Z'), 'pre-migrate');
    const names = [scheduled[2]!, before, 'notes.txt', scheduled[0]!, scheduled[3]!, scheduled[1]!, `${scheduled[0]}.partial`];
    expect(filesToPrune(names, 'scheduled', 2).sort()).toEqual([scheduled[0], scheduled[1]]);
    expect(filesToPrune(names, 'pre-migrate', 1)).toEqual([]);
    expect(filesToPrune(names, 'scheduled', 10)).toEqual([]);
  });
});

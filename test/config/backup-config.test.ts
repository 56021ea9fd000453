import { readConfig } from '../../src/config';
import { problemsOf } from './config-problems';

describe('backup settings', () => {
  it('default to five of each kind under the data folder, taken before migrations', () => {
    expect(readConfig({}).backup).toEqual({ dir: '.data/backups', keep: 5, beforeMigrations: true });
    expect(readConfig({ DOCKHAND_DATA_DIR: '/var/lib/dockhand/' }).backup.dir).toBe('/var/lib/dockhand/backups');
  });

  it('read BACKUP_DIR, BACKUP_KEEP and BACKUP_BEFORE_MIGRATIONS, naming a bad value', () => {
    expect(readConfig({ BACKUP_DIR: '/srv/backups', BACKUP_KEEP: '14', BACKUP_BEFORE_MIGRATIONS: 'false' }).backup).toEqual({ dir: '/srv/backups', keep: 14, beforeMigrations: false });
    expect(problemsOf({ BACKUP_KEEP: '0' })).toEqual(['BACKUP_KEEP: expected how many backups of each kind to keep (a whole number from 1 to 1000), got "0"']);
  });
});

import { ARCHIVE_FORMAT_VERSION, compareVersions, insertOrder, parseHeader, planRestore, type ArchiveHeader } from '../../../src/store/backup/archive-format';

const header = (over: Partial<ArchiveHeader> = {}): ArchiveHeader => ({
  format: 'dockhand-backup',
  formatVersion: 1,
  appVersion: '0.3.0',
  createdAt: '2026-12-06T21:00:00.000Z',
  migrations: [
    { name: '20261127225248_init', checksum: 'a1' },
    { name: '20261127231900_tutor_state', checksum: 'b2' },
  ],
  ...over,
});
const app = {
  version: '0.3.0',
  migrations: [
    { name: '20261127225248_init', checksum: 'a1' },
    { name: '20261127231900_tutor_state', checksum: 'b2' },
    { name: '20261127234000_challenges', checksum: 'c3' },
  ],
};

describe('backup archive header', () => {
  it('reads a header and names what is wrong with one that is not', () => {
    expect(parseHeader(JSON.stringify(header()), 'f.gz')).toEqual(header());
    expect(() => parseHeader(undefined, 'empty.gz')).toThrow('empty.gz is not a Dockhand backup (no backup header in it)');
    expect(() => parseHeader('{"hello":1}', 'x.gz')).toThrow('x.gz is not a Dockhand backup (no backup header in it)');
    expect(() => parseHeader('not json', 'x.gz')).toThrow('x.gz is not a Dockhand backup');
    expect(() => parseHeader(JSON.stringify({ ...header(), migrations: 'all' }), 'x.gz')).toThrow('x.gz has a damaged backup header (migrations: ');
  });

  it('refuses a newer archive format, naming the Dockhand that wrote it', () => {
    const line = JSON.stringify(header({ formatVersion: ARCHIVE_FORMAT_VERSION + 1, appVersion: '2.0.0' }));
    expect(() => parseHeader(line, 'n.gz')).toThrow(`n.gz was written by Dockhand 2.0.0 in backup format ${ARCHIVE_FORMAT_VERSION + 1}; this Dockhand reads format ${ARCHIVE_FORMAT_VERSION} only`);
  });
});

describe('compareVersions', () => {
  it.each([
    ['0.1.0', '0.1.0', 0],
    ['0.1.0', '0.2.0', -1],
    ['0.10.0', '0.9.9', 1],
    ['1.0.0', '1.0.0-rc.1', 1],
    ['1.0.0-rc.1', '1.0.0-rc.2', -1],
    ['v1.2', '1.2.0', 0],
  ])('%s vs %s is %i', (a, b, want) => expect(compareVersions(a, b)).toBe(want));
});

describe('planRestore', () => {
  it('takes a backup of the same level as it is', () => {
    const same = header({ migrations: app.migrations });
    expect(planRestore(same, app, 'f.gz')).toEqual({ migrations: app.migrations, upgradeFrom: undefined });
  });

  it('rebuilds an older backup at its own level, to be migrated up', () => {
    expect(planRestore(header({ appVersion: '0.2.0' }), app, 'f.gz')).toEqual({ migrations: app.migrations.slice(0, 2), upgradeFrom: '0.2.0' });
  });

  it('refuses a backup of a newer app, or with a migration this app lacks, naming both versions', () => {
    expect(() => planRestore(header({ appVersion: '0.4.0' }), app, 'f.gz')).toThrow(
      'f.gz is from Dockhand 0.4.0 (database schema 20261127231900_tutor_state); this is Dockhand 0.3.0 (schema 20261127234000_challenges): restore it with Dockhand 0.4.0 or newer',
    );
    const ahead = header({ migrations: [...app.migrations, { name: '20261210000000_assignments', checksum: 'd4' }] });
    expect(() => planRestore(ahead, app, 'f.gz')).toThrow(
      'f.gz is from Dockhand 0.3.0 (database schema 20261210000000_assignments); this is Dockhand 0.3.0 (schema 20261127234000_challenges), which does not have migration 20261210000000_assignments',
    );
  });

  it('refuses a backup made after a migration this app has in another form', () => {
    const edited = header({ migrations: [{ name: '20261127225248_init', checksum: 'zz' }] });
    expect(() => planRestore(edited, app, 'f.gz')).toThrow('f.gz was made after migration 20261127225248_init as Dockhand 0.3.0 shipped it');
  });
});

describe('insertOrder', () => {
  it('puts every table after the tables it references, whatever their names', () => {
    const order = insertOrder(
      ['ChallengeEntry', 'Learner', 'Challenge', 'LessonProgress', '_prisma_migrations'],
      [
        { from: 'ChallengeEntry', to: 'Challenge' },
        { from: 'ChallengeEntry', to: 'Learner' },
        { from: 'LessonProgress', to: 'Learner' },
      ],
    );
    expect(order).toHaveLength(5);
    expect(order.indexOf('Learner')).toBeLessThan(order.indexOf('LessonProgress'));
    expect(order.indexOf('Learner')).toBeLessThan(order.indexOf('ChallengeEntry'));
    expect(order.indexOf('Challenge')).toBeLessThan(order.indexOf('ChallengeEntry'));
  });

  it('keeps a self-reference and a cycle from hiding any table', () => {
    expect(insertOrder(['A', 'B', 'C'], [{ from: 'A', to: 'A' }, { from: 'B', to: 'C' }, { from: 'C', to: 'B' }]).sort()).toEqual(['A', 'B', 'C']);
  });
});

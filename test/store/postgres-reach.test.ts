import { foldersPostgresCannotReach, postgresReachProblem } from '../../src/store/postgres-reach';

const modes: Record<string, number> = { '/': 0o755, '/tmp': 0o1777, '/tmp/tmp.AbC': 0o700, '/tmp/tmp.AbC/x': 0o755, '/srv': 0o755, '/srv/app': 0o755 };
const modeOf = (dir: string) => modes[dir];

describe('embedded PostgreSQL folder reach', () => {
  it('names the private folder above a checkout that user postgres cannot enter', () => {
    expect(foldersPostgresCannotReach(['/tmp/tmp.AbC/x/node_modules/pg/native', '/tmp/tmp.AbC/x/.data/pg'], modeOf)).toEqual(['/tmp/tmp.AbC']);
    const problem = postgresReachProblem(['/tmp/tmp.AbC/x/.data/pg'], true, modeOf);
    expect(problem).toContain('chmod o+x /tmp/tmp.AbC');
    expect(problem).toContain('DATABASE_URL');
  });

  it('finds nothing to say for a traversable path, or when not root', () => {
    expect(postgresReachProblem(['/srv/app/.data/pg'], true, modeOf)).toBeUndefined();
    expect(postgresReachProblem(['/tmp/tmp.AbC/x/.data/pg'], false, modeOf)).toBeUndefined();
  });
});

import { AppError } from '../../src/errors';
import { startWithRetry } from '../../src/ops/start-with-retry';

describe('startWithRetry', () => {
  it('retries a database that is down with a doubling, capped backoff, then returns what start returned', async () => {
    const waits: number[] = [];
    const seen: string[] = [];
    let calls = 0;
    const result = await startWithRetry(
      async () => {
        calls += 1;
        if (calls < 6) throw new AppError('DB_UNREACHABLE', 'Cannot reach the database at db:5432/dockhand: ECONNREFUSED (is the server running?)');
        return 'bot';
      },
      { onRetry: (err, ms, attempt) => seen.push(`${attempt}:${(err as AppError).code}:${ms}`), sleep: async (ms) => void waits.push(ms), firstDelayMs: 1000, maxDelayMs: 5000 },
    );
    expect(result).toBe('bot');
    expect(waits).toEqual([1000, 2000, 4000, 5000, 5000]);
    expect(seen[0]).toBe('1:DB_UNREACHABLE:1000');
  });

  it('throws at once what retrying cannot fix (a bad token), without waiting', async () => {
    const waits: number[] = [];
    const start = async () => {
      throw new AppError('SLACK_AUTH_FAILED', 'Slack rejected SLACK_BOT_TOKEN: invalid_auth');
    };
    await expect(startWithRetry(start, { onRetry: () => undefined, sleep: async (ms) => void waits.push(ms) })).rejects.toMatchObject({ code: 'SLACK_AUTH_FAILED' });
    expect(waits).toEqual([]);
  });

  it('gives up with the last error when shutdown aborts the wait', async () => {
    const ctl = new AbortController();
    let calls = 0;
    const start = async () => {
      calls += 1;
      throw new AppError('DOCKER_UNAVAILABLE', 'cannot inspect image: connect ENOENT /var/run/docker.sock');
    };
    const sleep = async () => ctl.abort();
    await expect(startWithRetry(start, { onRetry: () => undefined, signal: ctl.signal, sleep })).rejects.toMatchObject({ code: 'DOCKER_UNAVAILABLE' });
    expect(calls).toBe(1);
  });
});

import { errorCode, type ErrorCode } from '../errors';

/** Start-up failures that fix themselves (a database or engine still booting, a network blip): retried. */
export const RETRYABLE_AT_START: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['DB_UNREACHABLE', 'DOCKER_UNAVAILABLE', 'SLACK_UNREACHABLE']);

/** Which /readyz part a retryable start-up failure belongs to. */
export const PART_OF: Partial<Record<ErrorCode, string>> = { DB_UNREACHABLE: 'database', DOCKER_UNAVAILABLE: 'docker', SLACK_UNREACHABLE: 'slack' };

export interface RetryOptions {
  /** Called before each wait (log it, show it on /readyz). */
  onRetry(err: unknown, delayMs: number, attempt: number): void;
  /** Aborted at shutdown: the wait ends at once and the last error is thrown. */
  signal?: AbortSignal;
  /** First wait; doubles up to maxDelayMs. */
  firstDelayMs?: number;
  maxDelayMs?: number;
  /** Injectable for tests. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

const realSleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

/**
 * Runs `start` until it succeeds, waiting 2 s, 4 s, 8 s ... (at most 60 s) after each retryable failure,
 * instead of exiting into a restart loop: the process stays up, /healthz answers and /readyz names the
 * part that is down. Any other failure (a bad token, a bad profile) is thrown at once.
 */
export async function startWithRetry<T>(start: () => Promise<T>, o: RetryOptions): Promise<T> {
  const sleep = o.sleep ?? realSleep;
  let delay = o.firstDelayMs ?? 2000;
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (err) {
      if (!RETRYABLE_AT_START.has(errorCode(err)) || o.signal?.aborted) throw err;
      o.onRetry(err, delay, attempt);
      await sleep(delay, o.signal);
      if (o.signal?.aborted) throw err;
      delay = Math.min(delay * 2, o.maxDelayMs ?? 60_000);
    }
  }
}

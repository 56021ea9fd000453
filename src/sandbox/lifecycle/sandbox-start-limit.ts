import { AppError } from '../../errors';
import { SlidingWindowLimiter } from '../../kit';

const WINDOW_MS = 10 * 60_000;

/**
 * New sandboxes one key may get in any ten minutes, however they are asked for. The tutor already refuses a
 * `reset` past its own limit (the learner keeps their sandbox); this catches what it cannot see: a sandbox the
 * learner makes stop (a crash or an out-of-memory kill) is replaced at their next command, so crashing it on
 * purpose was another loop of fresh sandboxes. Past the limit the key gets none until the window allows, and
 * the command says when.
 */
export class SandboxStartLimit {
  private readonly window: SlidingWindowLimiter;
  /** New sandboxes refused since start (the metrics' sandbox_limit). */
  refusals = 0;

  /** `perTenMinutes` fresh ones on top of the first: the tutor's reset limit can never trip it. */
  constructor(
    private readonly perTenMinutes: number,
    now?: () => number,
  ) {
    this.window = new SlidingWindowLimiter({ limit: perTenMinutes + 1, windowMs: WINDOW_MS, now });
  }

  /** Counts one new sandbox for the key, or throws RATE_LIMITED with the learner's wording (refusals do not count). */
  take(key: string): void {
    const d = this.window.take(key);
    if (d.allowed) return;
    this.refusals++;
    const minutes = Math.max(1, Math.ceil(d.retryInMs / 60_000));
    throw new AppError(
      'RATE_LIMITED',
      `You have had ${d.limit} new sandboxes in a few minutes (yours stopped or was reset each time), so the next one is available in about ${minutes} min. Your lesson progress is kept.`,
    );
  }
}

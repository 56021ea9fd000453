import { SlidingWindowLimiter } from '../../kit';

/** The window of the per-learner limit on fresh sandboxes. */
export const CHURN_WINDOW_MS = 10 * 60_000;

export type ChurnDecision = { allowed: true } | { allowed: false; notify: boolean; retryInMs: number; limit: number };

/**
 * Fresh sandboxes a learner may ask for (`reset` typed, pressed or sent as `/tutor reset`, a challenge's
 * Accept) in any ten minutes. Each one is a new disk image, filesystem, network, cgroups and inspector on
 * the host, so a loop of `reset` and a command was a cheap way to keep the engine busy for everyone. A
 * refused request leaves the learner's current sandbox as it is; the first refusal of a window says so
 * (`notify`), the rest are quiet.
 */
export class SandboxChurnLimiter {
  private readonly window: SlidingWindowLimiter;
  /** Requests refused since start (the metrics' learner_limit). */
  refusals = 0;

  constructor(o: { perTenMinutes: number; now?: () => number }) {
    this.window = new SlidingWindowLimiter({ limit: o.perTenMinutes, windowMs: CHURN_WINDOW_MS, now: o.now });
  }

  take(learnerKey: string): ChurnDecision {
    const d = this.window.take(learnerKey);
    if (d.allowed) return d;
    this.refusals++;
    return { allowed: false, notify: d.first, retryInMs: d.retryInMs, limit: d.limit };
  }
}

/** The one notice of a window: how long until the next fresh sandbox, and that nothing was lost. */
export function churnText(d: Extract<ChurnDecision, { allowed: false }>): string {
  const minutes = Math.max(1, Math.ceil(d.retryInMs / 60_000));
  return `You've reset your sandbox ${d.limit} times in a few minutes; the next fresh sandbox is available in about ${minutes} min. Your current one still works (\`stop\` still interrupts a command).`;
}

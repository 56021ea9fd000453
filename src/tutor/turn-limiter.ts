/** Per-learner limits on what costs the bot work: commands, checks, hints, buttons. */
export interface TurnLimits {
  /** `$ commands` (and input typed into a waiting one) per learner per minute. */
  commandsPerMinute: number;
  /** Every other request that does work (`check`, `hint`, `next`, buttons, words) per learner per minute. */
  actionsPerMinute: number;
  /** Injectable clock (ms). */
  now?: () => number;
}

export type LimitKind = 'command' | 'action';

export type LimitDecision = { allowed: true } | { allowed: false; notify: boolean; retryInMs: number; perMinute: number; kind: LimitKind };

const WINDOW_MS = 60_000;

/**
 * A sliding one-minute window per learner and kind. Over the limit, the first refusal of a window says
 * so (`notify`) and the rest of that window are dropped silently: a flood gets one "slow down", not one
 * per message.
 */
export class TurnLimiter {
  private readonly seen = new Map<string, number[]>();
  /** Until when a learner's "slow down" for this kind stands (no second notice before then). */
  private readonly noticeUntil = new Map<string, number>();
  private readonly now: () => number;

  constructor(private readonly limits: TurnLimits) {
    this.now = limits.now ?? Date.now;
  }

  take(learnerKey: string, kind: LimitKind): LimitDecision {
    const key = `${kind}|${learnerKey}`;
    const now = this.now();
    const perMinute = kind === 'command' ? this.limits.commandsPerMinute : this.limits.actionsPerMinute;
    const times = (this.seen.get(key) ?? []).filter((t) => now - t < WINDOW_MS);
    if (times.length < perMinute) {
      times.push(now);
      this.seen.set(key, times);
      return { allowed: true };
    }
    this.seen.set(key, times);
    const retryInMs = times[0]! + WINDOW_MS - now;
    const notify = now >= (this.noticeUntil.get(key) ?? 0);
    if (notify) this.noticeUntil.set(key, now + retryInMs);
    return { allowed: false, notify, retryInMs, perMinute, kind };
  }
}

export function slowDownText(d: Extract<LimitDecision, { allowed: false }>): string {
  const what = d.kind === 'command' ? 'commands' : 'requests';
  return `Slow down: at most ${d.perMinute} ${what} a minute. I'll take the next one in about ${Math.max(1, Math.ceil(d.retryInMs / 1000))} s; until then I'll ignore ${what} quietly. (\`reset\` and \`stop\` always work.)`;
}

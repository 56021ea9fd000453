import { SlidingWindowLimiter, tooFastText } from '../../kit';

/** Per-learner limits on what costs the bot work: commands, checks, hints, buttons. */
export interface TurnLimits {
  /** `$ commands` (and input typed into a waiting one) per learner per minute. */
  commandsPerMinute: number;
  /** Every other request that does work (`check`, `hint`, `next`, buttons, words) per learner per minute. */
  actionsPerMinute: number;
  /** Fresh sandboxes (`reset`, a challenge's Accept) per learner in any ten minutes; unset: not limited. */
  newSandboxesPerTenMinutes?: number;
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
  private readonly windows: Record<LimitKind, SlidingWindowLimiter>;

  constructor(limits: TurnLimits) {
    const window = (limit: number) => new SlidingWindowLimiter({ limit, windowMs: WINDOW_MS, now: limits.now });
    this.windows = { command: window(limits.commandsPerMinute), action: window(limits.actionsPerMinute) };
  }

  take(learnerKey: string, kind: LimitKind): LimitDecision {
    const d = this.windows[kind].take(learnerKey);
    if (d.allowed) return d;
    return { allowed: false, notify: d.first, retryInMs: d.retryInMs, perMinute: d.limit, kind };
  }
}

/** The learner's "slow down": the shared wording, and what the tutor does with what comes next. */
export function slowDownText(d: Extract<LimitDecision, { allowed: false }>): string {
  const what = d.kind === 'command' ? 'commands' : 'requests';
  return `${tooFastText(what, d.perMinute, d.retryInMs)} Until then I'll ignore ${what} quietly. (\`reset\` and \`stop\` always work.)`;
}

/** The same "slow down" in the playground's terminal, where the refused line waits in the shell for another Enter. */
export function terminalSlowDownText(d: Extract<LimitDecision, { allowed: false }>): string {
  return `${tooFastText('commands', d.perMinute, d.retryInMs)} Your line is still there: press Enter again then.`;
}

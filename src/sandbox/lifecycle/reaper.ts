/** What the reaper needs to know about one sandbox. */
export interface ReapState {
  createdAt: number;
  /** Unset for warm (unclaimed) sandboxes: they only expire, never idle out. */
  lastUsed?: number;
  /** A command or script is queued or running, or its shell is starting. */
  busy: boolean;
}

export interface ReapLimits {
  now: number;
  lifetimeMs: number;
  idleMs: number;
}

export type ReapVerdict = 'keep' | 'expired' | 'reaped';

/** Past its lifetime: always removed. Idle too long and doing nothing: reaped. */
export function reapVerdict(s: ReapState, limits: ReapLimits): ReapVerdict {
  if (limits.now - s.createdAt > limits.lifetimeMs) return 'expired';
  if (s.lastUsed !== undefined && !s.busy && limits.now - s.lastUsed > limits.idleMs) return 'reaped';
  return 'keep';
}

/** Runs `tick` every `intervalMs`; a slow tick is never overlapped by the next one. */
export class Reaper {
  private timer?: NodeJS.Timeout;
  private running = false;

  constructor(
    private readonly intervalMs: number,
    private readonly tick: () => Promise<void>,
    private readonly onError: (err: unknown) => void = () => undefined,
  ) {}

  start(): void {
    this.stop();
    this.timer = setInterval(() => this.runOnce().catch(this.onError), this.intervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One pass now (also what the timer calls); skipped while the previous one still runs. */
  async runOnce(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      await this.tick();
    } catch (err) {
      this.onError(err);
    } finally {
      this.running = false;
    }
  }
}

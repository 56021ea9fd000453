import { systemClock, type Clock } from '../../kit';

export { systemClock, type Clock };

/** A sleep that can be cancelled; `done` resolves true when it ran out, false when cancelled. */
export class Sleep {
  readonly done: Promise<boolean>;
  private timer?: unknown;
  private resolve!: (v: boolean) => void;

  constructor(clock: Clock, ms: number, onSettle: () => void) {
    this.done = new Promise<boolean>((resolve) => {
      this.resolve = (v) => {
        if (this.timer !== undefined) clock.clearTimeout(this.timer);
        this.timer = undefined;
        onSettle();
        resolve(v);
      };
      this.timer = clock.setTimeout(() => this.resolve(true), ms);
    });
  }

  cancel(): void {
    this.resolve(false);
  }
}

export async function raceWithTimeout<T>(clock: Clock, p: Promise<T>, ms: number): Promise<T | 'expired'> {
  let timer: unknown;
  const expired = new Promise<'expired'>((resolve) => (timer = clock.setTimeout(() => resolve('expired'), ms)));
  try {
    return await Promise.race([p, expired]);
  } finally {
    clock.clearTimeout(timer);
  }
}

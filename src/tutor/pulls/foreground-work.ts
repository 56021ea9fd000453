import type { SandboxPort } from '../../sandbox';

/**
 * What a learner is waiting for right now (their command, their sandbox starting, a step's setup or check), counted
 * so that background work (lesson image pre-pulls) starts only when none is under way. On a loaded host a class
 * opening a lesson together started 30 sandboxes while the pulls into the first ready ones ran beside them: the
 * pulls' execs and the nested engines' unpacking took CPU the starts and the first commands were waiting for.
 * A pull already running is not stopped; the next one waits until nothing in the foreground does.
 */

/** The sandbox calls a learner waits on (a background pull uses the port it was given, not the counted one). */
const FOREGROUND_CALLS: ReadonlySet<string | symbol> = new Set<keyof SandboxPort>(['run', 'sendInput', 'interrupt', 'execScript', 'checkScript', 'newSeed', 'reset', 'prepare', 'claimPrepared']);

export interface ForegroundSignal {
  /** Something a learner waits for is under way. */
  readonly busy: boolean;
  /** Called each time the last of them ends; returns the unsubscribe. */
  onIdle(listener: () => void): () => void;
}

export class ForegroundWork implements ForegroundSignal {
  private inFlight = 0;
  private readonly listeners = new Set<() => void>();

  get busy(): boolean {
    return this.inFlight > 0;
  }

  onIdle(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Counts `work` as foreground until it settles; returns it unchanged. */
  track<T>(work: Promise<T>): Promise<T> {
    this.inFlight++;
    const done = () => {
      if (--this.inFlight === 0) for (const l of [...this.listeners]) l();
    };
    work.then(done, done);
    return work;
  }

  /** The port with every call a learner waits on counted; everything else passes through unchanged. */
  wrap<P extends object>(port: P): P {
    return new Proxy(port, {
      get: (target, prop) => {
        const value: unknown = Reflect.get(target, prop, target);
        if (typeof value !== 'function') return value;
        const fn = value as (...args: unknown[]) => unknown;
        if (!FOREGROUND_CALLS.has(prop)) return fn.bind(target);
        return (...args: unknown[]) => {
          const out = fn.apply(target, args);
          return out instanceof Promise ? this.track(out) : out;
        };
      },
    });
  }
}

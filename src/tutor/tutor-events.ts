import type { LearnerKey } from './learner-key';

/** What the tutor announces to the rest of the bot. */
export interface TutorEventMap {
  /** A learner's progress changed (a lesson started, a step done, a lesson paused): e.g. refresh their App Home. */
  progress: { key: LearnerKey; teamId: string; userId: string };
}

type Listener<E> = (event: E) => void;

/**
 * A small typed event emitter. Listeners run synchronously, in subscription order; a throwing listener
 * is reported to `onListenerError` and never reaches the emitter (the tutor's turn goes on).
 */
export class TypedEmitter<M extends object> {
  private readonly listeners = new Map<keyof M, Listener<never>[]>();

  constructor(private readonly onListenerError: (err: unknown, event: keyof M) => void = () => undefined) {}

  /** Subscribes; returns the unsubscribe function. */
  on<K extends keyof M>(event: K, listener: Listener<M[K]>): () => void {
    const list = this.listeners.get(event) ?? [];
    list.push(listener as Listener<never>);
    this.listeners.set(event, list);
    return () => {
      const i = list.indexOf(listener as Listener<never>);
      if (i >= 0) list.splice(i, 1);
    };
  }

  emit<K extends keyof M>(event: K, payload: M[K]): void {
    for (const listener of [...(this.listeners.get(event) ?? [])]) {
      try {
        (listener as Listener<M[K]>)(payload);
      } catch (err) {
        this.onListenerError(err, event);
      }
    }
  }
}

/** The tutor's events; the Slack side subscribes (`events.on('progress', ...)`). */
export class TutorEvents extends TypedEmitter<TutorEventMap> {}

import type { Logger } from '../logger';

/** One running part of the bot: how it starts (left out when it runs once made) and how it stops. */
export interface Lifecycle {
  name: string;
  start?(): Promise<void>;
  stop(): Promise<void> | void;
}

/**
 * The bot's parts in start order. A part is added as soon as its resource exists, so stop() (reverse order,
 * once) is the same path whether start-up failed half way or the process is shutting down. A part that fails to
 * stop is logged and the rest still stop: one stuck part must not keep the database open.
 */
export class Lifecycles {
  private readonly parts: Lifecycle[] = [];
  private stopping?: Promise<void>;

  constructor(private readonly log: Logger) {}

  add(part: Lifecycle): void {
    this.parts.push(part);
  }

  /** Starts every part added so far, in order; the first failure is thrown (the caller then calls stop()). */
  async start(): Promise<void> {
    for (const part of this.parts) await part.start?.();
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      for (const part of [...this.parts].reverse()) {
        try {
          await part.stop();
        } catch (err) {
          this.log.warn({ err, part: part.name }, 'stopping a part of the bot failed');
        }
      }
    })();
    return this.stopping;
  }
}

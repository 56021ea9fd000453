import { StringDecoder } from 'node:string_decoder';
import type Docker from 'dockerode';
import type { Logger } from '../../logger';
import { DeathEventParser, type ContainerDeath, type EventWatch } from '../engine/docker-event-watcher';
import { LABEL_APP, LABEL_INSTANCE } from '../engine/sandbox-labels';

/** The `detail` of a sandbox reported lost with its engine (the tutor words its notice on it). */
export const ENGINE_LOST_DETAIL = 'engine-restarted';
/** The `detail` of a learner's sandbox found stopped at start-up: it died while no bot watched (adoption.ts). */
export const STOPPED_AWAY_DETAIL = 'stopped-while-away';

export interface EngineWatchOptions {
  docker: Docker;
  instance: string;
  logger: Logger;
  onDeath(death: ContainerDeath): void;
  /**
   * The stream is back after it ended (the engine restarted, or the connection to it dropped): deaths while it
   * was down were never reported, so the caller looks at its sandboxes itself.
   */
  onReconnect(): Promise<void>;
  /** First retry delay; doubles up to 30 s while the engine stays away. */
  retryMs?: number;
}

/**
 * Follows die/oom events of one instance's sandboxes, like watchSandboxDeaths, but survives the stream ending:
 * an engine restart ends it (and stops every sandbox without a die event reaching us), so it reconnects with
 * back-off and then calls onReconnect.
 */
export class EngineWatch implements EventWatch {
  private stream?: NodeJS.ReadableStream & { destroy?: () => void };
  private stopped = false;
  private held = false;
  private timer?: NodeJS.Timeout;
  private delay: number;

  constructor(private readonly o: EngineWatchOptions) {
    this.delay = o.retryMs ?? 1000;
  }

  /** Opens the first stream; throws when the engine cannot be reached at start (as before). */
  async start(): Promise<void> {
    await this.open();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.stream?.destroy?.();
  }

  /** Tests: ends the stream as an engine restart does; it reconnects only once `resume()` is called. */
  interrupt(): { resume(): void } {
    this.held = true;
    this.stream?.destroy?.();
    return {
      resume: () => {
        this.held = false;
        this.schedule(0);
      },
    };
  }

  private async open(): Promise<void> {
    const stream = (await this.o.docker.getEvents({
      filters: { type: ['container'], event: ['die', 'oom'], label: [`${LABEL_APP}=dockhand`, `${LABEL_INSTANCE}=${this.o.instance}`] },
    })) as NodeJS.ReadableStream & { destroy?: () => void };
    this.stream = stream;
    const parser = new DeathEventParser();
    const decoder = new StringDecoder('utf8');
    stream.on('data', (chunk: Buffer) => {
      for (const death of parser.push(decoder.write(chunk))) this.o.onDeath(death);
    });
    let ended = false;
    const end = (err?: unknown) => {
      if (ended || this.stream !== stream) return;
      ended = true;
      this.stream = undefined;
      if (this.stopped) return;
      this.o.logger.warn({ err }, 'docker event stream ended; reconnecting');
      this.schedule(this.delay);
    };
    stream.on('error', end);
    stream.on('end', () => end());
    stream.on('close', () => end());
  }

  private schedule(ms: number): void {
    if (this.stopped || this.held || this.stream) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.reconnect().catch((err: unknown) => this.o.logger.warn({ err }, 'reconnecting to the docker engine failed')), ms);
    this.timer.unref?.();
  }

  private async reconnect(): Promise<void> {
    if (this.stopped || this.held || this.stream) return;
    try {
      await this.open();
    } catch (err) {
      this.delay = Math.min(this.delay * 2, 30_000);
      this.o.logger.warn({ err, retryMs: this.delay }, 'docker engine still unreachable');
      this.schedule(this.delay);
      return;
    }
    this.delay = this.o.retryMs ?? 1000;
    this.o.logger.info('docker event stream back; checking sandboxes');
    await this.o.onReconnect().catch((err: unknown) => this.o.logger.warn({ err }, 'checking sandboxes after the engine came back failed'));
  }
}

/** The ids among `ids` whose container is gone or no longer running (inspect failures other than 404 count as alive). */
export async function notRunning(docker: Docker, ids: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const id of ids) {
    const state = await docker
      .getContainer(id)
      .inspect()
      .then(
        (i) => (i.State.Running ? 'running' : 'stopped'),
        (err: { statusCode?: number }) => (err.statusCode === 404 ? 'gone' : 'unknown'),
      );
    if (state === 'stopped' || state === 'gone') out.push(id);
  }
  return out;
}

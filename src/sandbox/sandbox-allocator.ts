import type { SandboxConfig } from '../config';
import { AppError } from '../errors';
import type { Logger } from '../logger';
import { CapacityQueue } from './capacity-queue';
import type { SandboxInfo, SandboxRuntime } from './sandbox-runtime';
import type { SandboxEvent } from './types';
import { WarmPool } from './warm-pool';

export interface AllocatorOptions {
  runtime: SandboxRuntime;
  logger: Logger;
  config: Pick<SandboxConfig, 'maxSandboxes' | 'warmPool'>;
  /** Sandboxes learners hold now. */
  live(): number;
  emit(e: SandboxEvent): void;
}

/** Hands out sandbox containers under the global cap: a warm one when ready, else a cold start, else a place in line. */
export class SandboxAllocator {
  private readonly creating = new Map<string, Promise<unknown>>();
  private readonly queue: CapacityQueue;
  readonly warm: WarmPool;
  private closed = false;

  constructor(private readonly o: AllocatorOptions) {
    this.queue = new CapacityQueue((learnerKey, position) => o.emit({ type: 'queued', learnerKey, position }));
    this.warm = new WarmPool({ runtime: o.runtime, logger: o.logger, target: o.config.warmPool, onSettled: () => this.release() });
  }

  stats(): { creating: number; warm: number; queued: number } {
    return { creating: this.creating.size, warm: this.warm.size, queued: this.queue.length };
  }

  open(): void {
    this.closed = false;
    this.warm.open();
  }

  /** Fails everyone in line and forgets the warm pool; running containers stay for adoption. */
  close(err: unknown): void {
    this.closed = true;
    this.queue.rejectAll(err);
    this.warm.close();
  }

  /** A container for the learner, handed to `take` once; concurrent calls for one learner share it. */
  acquire<T>(learnerKey: string, take: (info: Pick<SandboxInfo, 'id' | 'createdAt'>) => T): Promise<T> {
    const pending = this.creating.get(learnerKey);
    if (pending) return pending as Promise<T>;
    const p = this.allocate(learnerKey)
      .then(take)
      .finally(() => {
        this.creating.delete(learnerKey);
        this.fill();
      });
    this.creating.set(learnerKey, p);
    return p;
  }

  /** Gives freed slots (or ready warm sandboxes) to learners in line; call whenever a sandbox goes. */
  release(): void {
    this.queue.release(() => this.held() < this.o.config.maxSandboxes || this.warm.size > 0);
  }

  /** Tops up the warm pool with slots nobody is waiting for. */
  fill(): void {
    if (!this.closed) this.warm.fill(() => this.held() < this.o.config.maxSandboxes && this.queue.length === 0);
  }

  private async allocate(learnerKey: string): Promise<Pick<SandboxInfo, 'id' | 'createdAt'>> {
    await Promise.resolve(); // let acquire register us in `creating` first
    for (;;) {
      const pooled = this.warm.take();
      if (pooled) {
        if (await this.warm.claim(learnerKey, pooled)) return pooled;
        continue;
      }
      // `creating` includes us, so we fit when the others hold fewer than the cap
      if (this.held() - 1 < this.o.config.maxSandboxes) break;
      await this.queue.wait(learnerKey);
    }
    const info = await this.o.runtime.create(learnerKey, 'learner');
    if (this.closed) {
      await this.o.runtime.remove(info.id);
      throw new AppError('SANDBOX_MANAGER_STOPPED', 'The sandbox service is shutting down');
    }
    return info;
  }

  /** Slots taken: learners' sandboxes, creations under way (not those waiting in line), warm ones. */
  private held(): number {
    return this.o.live() + (this.creating.size - this.queue.length) + this.warm.held;
  }
}

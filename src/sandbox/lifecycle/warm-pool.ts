import type { Logger } from '../../logger';
import type { PtySession } from '../shell/pty-session';
import { reapVerdict } from './reaper';
import type { IntakeState } from './sandbox-state';
import type { SandboxInfo, SandboxRuntime } from '../engine/sandbox-runtime';

/**
 * Labels cannot change after creation, so a claimed warm sandbox records its learner in its container NAME (the
 * engine renames it; nothing inside the sandbox can). A file inside, as before, failed on the read-only root
 * (every claim did: 'Read-only file system') and a learner could have erased it to have their sandbox handed to
 * someone else after a restart.
 */
const CLAIMED = /-claimed-([0-9a-f]+)-[0-9a-f]{12}$/;
export function claimedName(instance: string, id: string, learnerKey: string): string {
  return `dockhand-${instance.replace(/[^a-zA-Z0-9_.-]/g, '_').slice(0, 40)}-claimed-${Buffer.from(learnerKey).toString('hex')}-${id.slice(0, 12)}`;
}
export function learnerOfName(name: string): string | undefined {
  const m = CLAIMED.exec(name);
  return m ? Buffer.from(m[1]!, 'hex').toString() : undefined;
}

/** A ready sandbox, with the shell it opened ahead when it could. */
export type WarmSandbox = SandboxInfo & { shell?: PtySession };

export interface WarmPoolOptions {
  runtime: SandboxRuntime;
  logger: Logger;
  /** How many ready, unclaimed sandboxes to keep. */
  target: number;
  /** After a warm start finished (or failed): slots or sandboxes may be free for those waiting. */
  onSettled(): void;
  /** How a warm sandbox is created (the allocator bounds parallel starts); default runtime.create. */
  create?: (learnerKey: string, kind: 'warm') => Promise<WarmSandbox>;
}

/** Ready sandboxes nobody owns yet, so a new learner skips the cold start. */
export class WarmPool {
  private readonly ready: WarmSandbox[] = [];
  private starting = 0;
  private intake: IntakeState = 'open';
  private target: number;
  private readonly targetListeners = new Set<(n: number) => void>();

  constructor(private readonly o: WarmPoolOptions) {
    this.target = o.target;
  }

  /** Changes how many ready sandboxes to keep (automatic sizing, an admin's pre-warm); extra ones are not removed, only not replaced. */
  setTarget(n: number): void {
    this.target = Math.max(0, n);
    for (const l of this.targetListeners) l(this.target);
  }

  /** Told every new target (the spare network pool sizes itself from it); returns the unsubscribe. */
  onTarget(listener: (n: number) => void): () => void {
    this.targetListeners.add(listener);
    listener(this.target);
    return () => this.targetListeners.delete(listener);
  }

  get targetSize(): number {
    return this.target;
  }

  /** Ready ones. */
  get size(): number {
    return this.ready.length;
  }

  /** Slots the pool takes under the global cap: ready ones and those starting. */
  get held(): number {
    return this.ready.length + this.starting;
  }

  open(): void {
    this.intake = 'open';
  }

  /** Forgets the ready ones (their containers stay for the next start to adopt) and stops refilling. */
  close(): void {
    this.intake = 'closed';
    for (const w of this.ready.splice(0)) w.shell?.close();
  }

  /** An unclaimed sandbox found at start-up: kept when the pool has room. */
  adopt(info: SandboxInfo): boolean {
    if (this.ready.length >= this.target) return false;
    this.ready.push(info);
    return true;
  }

  take(): WarmSandbox | undefined {
    return this.ready.shift();
  }

  /** Starts sandboxes until the pool is full, while `hasRoom()` allows one more. */
  fill(hasRoom: () => boolean): void {
    while (this.intake === 'open' && this.held < this.target && hasRoom()) {
      this.starting++;
      (this.o.create ? this.o.create('', 'warm') : this.o.runtime.create('', 'warm'))
        .then(async (info: WarmSandbox) => {
          if (this.intake === 'open') return void this.ready.push(info);
          info.shell?.close();
          await this.o.runtime.remove(info.id);
        })
        .catch((err) => this.o.logger.warn({ err }, 'warm sandbox failed to start'))
        .finally(() => {
          this.starting--;
          this.o.onSettled();
        });
    }
  }

  /** Removes ready sandboxes past their lifetime. */
  async expire(now: number, lifetimeMs: number): Promise<void> {
    for (const w of [...this.ready]) {
      if (reapVerdict({ createdAt: w.createdAt, busy: false }, { now, lifetimeMs, idleMs: Infinity }) !== 'expired') continue;
      this.ready.splice(this.ready.indexOf(w), 1);
      w.shell?.close();
      await this.o.runtime.remove(w.id);
    }
  }

  /** Records the owner on the engine (the container's name); false (and the sandbox removed) when it is unusable. */
  async claim(learnerKey: string, info: WarmSandbox): Promise<boolean> {
    try {
      await this.o.runtime.docker.getContainer(info.id).rename({ name: claimedName(this.o.runtime.instance, info.id, learnerKey) });
      return true;
    } catch (err) {
      this.o.logger.warn({ err, containerId: info.id }, 'warm sandbox unusable');
      info.shell?.close();
      await this.o.runtime.remove(info.id);
      return false;
    }
  }

  /** The learner a warm-labelled sandbox was claimed by (read back when adopting), if any. */
  async assignedLearner(id: string): Promise<string | undefined> {
    const info = await this.o.runtime.docker.getContainer(id).inspect().catch(() => undefined);
    return info ? learnerOfName(info.Name.replace(/^\//, '')) : undefined;
  }
}

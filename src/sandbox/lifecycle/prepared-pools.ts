import type { Logger } from '../../logger';
import type { SandboxRuntime } from '../engine/sandbox-runtime';
import { WarmPool, type WarmSandbox } from './warm-pool';

/** What a caller (a challenge) asks to keep ready: fresh sandboxes with `script` already run in them. */
export interface PreparedSpec {
  /** How many to keep ready; fewer when the caps leave less room. */
  count: number;
  /** Run once in each new sandbox before it is offered (a challenge pulls its images); a failure discards it. */
  script: string;
  /** The workspace they are kept for: their number stays within its quota with its learners' own sandboxes. */
  workspace?: string;
  /**
   * keepPrepared resolves once `count` are ready, or when none is starting and none can start (the caps, a failure's
   * pause), or after this long, whichever comes first (a challenge logs how soon its racers' sandboxes were warm).
   */
  readyWithinMs?: number;
}

export interface PreparedPoolsOptions {
  runtime: Pick<SandboxRuntime, 'remove' | 'docker' | 'instance'>;
  logger: Logger;
  /** Starts a warm sandbox (the allocator's: start slots, check inspector, shell). */
  create(): Promise<WarmSandbox>;
  /** Runs the spec's script in a started sandbox. */
  exec(containerId: string, script: string): Promise<{ exitCode: number | null; output: string }>;
  /** After a start finished (or failed): slots may be free for those waiting. */
  onSettled(): void;
  /** Injectable clock (ms) for the pause after a failed start. */
  now?: () => number;
}

/**
 * After a failed start (no disk left for a sandbox, a mirror that is down) a pool waits before the next: 5 s, then
 * twice as long after each failure in a row, at most 5 min; otherwise each failure's settling would start the next
 * at once and churn sandboxes (and logs) in a loop.
 */
export const PREPARED_RETRY_MS = 5_000;
export const PREPARED_RETRY_MAX_MS = 5 * 60_000;
/** How often whenReady looks (a pool fills in seconds; a timer per waiter, only while a challenge starts). */
const READY_POLL_MS = 200;
/**
 * The longest a claim waits for one of its pool's sandboxes still starting: about a sandbox start and an image pull
 * on a busy host, which is what the accept would spend starting its own instead.
 */
export const PREPARED_CLAIM_WAIT_MS = 20_000;

interface Entry {
  spec: PreparedSpec;
  pool: WarmPool;
  failures: number;
  /** No new start before this time (after failures). */
  pausedUntil: number;
}

/**
 * Named pools of warm sandboxes prepared for one purpose (a running challenge: its exercise's images already
 * pulled). Each is an ordinary WarmPool whose start also runs the caller's script; a sandbox leaves it once, when a
 * learner claims it (renamed for them, as the warm pool does), so nobody ever gets a sandbox another learner used.
 * Created with the warm role: after a restart an unclaimed one is adopted by the general warm pool (it is fresh)
 * or removed, a claimed one is adopted as its learner's.
 */
export class PreparedPools {
  private readonly pools = new Map<string, Entry>();
  /** Containers handed out by claim(), until the caller asked tookFrom(). */
  private readonly claimed = new Map<string, string>();

  private readonly now: () => number;
  /** Per pool: claims waiting for one of its starting sandboxes, and how to wake them when a start settles. */
  private readonly waiting = new Map<string, Set<() => void>>();

  constructor(private readonly o: PreparedPoolsOptions) {
    this.now = o.now ?? Date.now;
  }

  /** Starts (or resizes) the pool `id`; the count is bounded later by `hasRoom` at each fill. */
  keep(id: string, spec: PreparedSpec): void {
    const existing = this.pools.get(id);
    if (existing) {
      existing.spec = spec;
      existing.pool.setTarget(spec.count);
      return;
    }
    const entry: Entry = { spec, failures: 0, pausedUntil: 0, pool: undefined as unknown as WarmPool };
    entry.pool = new WarmPool({
      runtime: this.o.runtime as SandboxRuntime,
      logger: this.o.logger,
      target: spec.count,
      onSettled: () => {
        for (const wake of this.waiting.get(id) ?? []) wake();
        this.o.onSettled();
      },
      create: () => this.start(id, entry),
    });
    this.pools.set(id, entry);
  }

  /** Stops refilling `id` and removes its ready sandboxes; ones still starting are removed when they finish. */
  async drop(id: string): Promise<void> {
    const entry = this.pools.get(id);
    if (!entry) return;
    this.pools.delete(id);
    entry.pool.setTarget(0);
    const ready = this.drain(entry.pool);
    entry.pool.close();
    for (const w of ready) await this.o.runtime.remove(w.id).catch((err: unknown) => this.o.logger.warn({ err, containerId: w.id }, 'removing a prepared sandbox failed'));
  }

  /**
   * A ready sandbox of `id` made the learner's, or undefined when none is ready (or the claim failed). With none
   * ready but some still starting that earlier claims are not already waiting for, it waits (at most `waitMs`) for
   * the next to finish: a crowd accepting at once while the pool fills gets those, already part way through their
   * start and image pulls, instead of each starting and pulling a sandbox of their own beside them.
   */
  async claim(id: string, learnerKey: string, waitMs = PREPARED_CLAIM_WAIT_MS): Promise<WarmSandbox | undefined> {
    const deadline = this.now() + waitMs;
    let timedOut = false;
    for (;;) {
      const ready = await this.takeReady(id, learnerKey);
      const entry = this.pools.get(id);
      if (ready || !entry) return ready;
      const waiters = this.waiting.get(id) ?? new Set<() => void>();
      const starting = entry.pool.held - entry.pool.size;
      if (starting <= waiters.size || timedOut || this.now() >= deadline) return undefined;
      this.waiting.set(id, waiters);
      timedOut = await new Promise<boolean>((resolve) => {
        const wake = (late: boolean) => {
          clearTimeout(timer);
          waiters.delete(woken);
          if (waiters.size === 0 && this.waiting.get(id) === waiters) this.waiting.delete(id);
          resolve(late);
        };
        const woken = () => wake(false);
        const timer = setTimeout(() => wake(true), Math.max(0, deadline - this.now()));
        timer.unref?.();
        waiters.add(woken);
      });
    }
  }

  /** A ready one of `id` if there is one now, without waiting. */
  private async takeReady(id: string, learnerKey: string): Promise<WarmSandbox | undefined> {
    const entry = this.pools.get(id);
    for (let w = entry?.pool.take(); w; w = entry?.pool.take()) {
      if (!(await entry!.pool.claim(learnerKey, w))) continue;
      this.claimed.set(w.id, id);
      return w;
    }
    return undefined;
  }

  /** True (once) when the container was handed out from pool `id`. */
  tookFrom(containerId: string, id: string): boolean {
    const from = this.claimed.get(containerId);
    this.claimed.delete(containerId);
    return from === id;
  }

  /** Ready sandboxes and those starting, in every pool: they hold slots under the global cap. */
  get held(): number {
    let n = 0;
    for (const e of this.pools.values()) n += e.pool.held;
    return n;
  }

  /** Held for the workspace (its quota counts them). */
  heldFor(workspace: string): number {
    let n = 0;
    for (const e of this.pools.values()) if (e.spec.workspace === workspace) n += e.pool.held;
    return n;
  }

  /** Ready ones in every pool (stats). */
  get ready(): number {
    let n = 0;
    for (const e of this.pools.values()) n += e.pool.size;
    return n;
  }

  /** Ones starting in every pool (a refill beside learners' starts is held to one at a time). */
  get starting(): number {
    let n = 0;
    for (const e of this.pools.values()) n += e.pool.held - e.pool.size;
    return n;
  }

  /**
   * Resolves with the ready count of `id` once its target is ready, once nothing of it is starting and `canGrow()`
   * says no start would be let in (the caps, a failure's pause: waiting longer would not help), or after `withinMs`.
   */
  async whenReady(id: string, withinMs: number, canGrow: (workspace: string | undefined) => boolean): Promise<number> {
    const deadline = this.now() + withinMs;
    for (;;) {
      const e = this.pools.get(id);
      if (!e) return 0;
      const stuck = e.pool.held === e.pool.size && (this.now() < e.pausedUntil || !canGrow(e.spec.workspace));
      if (e.pool.size >= e.spec.count || stuck || this.now() >= deadline) return e.pool.size;
      await new Promise((r) => setTimeout(r, READY_POLL_MS).unref());
    }
  }

  /** Ready ones in pool `id` (tests, stats). */
  readyIn(id: string): number {
    return this.pools.get(id)?.pool.size ?? 0;
  }

  ids(): string[] {
    return [...this.pools.keys()];
  }

  /** Tops every pool up while `hasRoom(workspace)` allows one more start. */
  fill(hasRoom: (workspace: string | undefined) => boolean): void {
    const now = this.now();
    for (const e of this.pools.values()) if (now >= e.pausedUntil) e.pool.fill(() => now >= e.pausedUntil && hasRoom(e.spec.workspace));
  }

  /**
   * Gives back ready sandboxes while `over(workspace)` says the workspace (or the host) holds more than its limit
   * (its learners took sandboxes of their own since the pool was filled); returns how many went.
   */
  async trim(over: (workspace: string | undefined) => boolean): Promise<number> {
    let n = 0;
    for (const e of this.pools.values()) {
      while (e.pool.size > 0 && over(e.spec.workspace)) {
        const w = e.pool.take()!;
        w.shell?.close();
        await this.o.runtime.remove(w.id).catch(() => undefined);
        n++;
      }
    }
    return n;
  }

  /** Removes ready sandboxes past their lifetime (the next fill replaces them). */
  async expire(now: number, lifetimeMs: number): Promise<void> {
    for (const e of this.pools.values()) await e.pool.expire(now, lifetimeMs);
  }

  /** Forgets every pool (shutdown): their containers stay for the next start to adopt or remove. */
  close(): void {
    for (const e of this.pools.values()) e.pool.close();
    this.pools.clear();
  }

  private drain(pool: WarmPool): WarmSandbox[] {
    const out: WarmSandbox[] = [];
    for (let w = pool.take(); w; w = pool.take()) {
      w.shell?.close();
      out.push(w);
    }
    return out;
  }

  /** One prepared sandbox: started, then the script; a failure (of either) discards it and pauses the pool. */
  private async start(id: string, entry: Entry): Promise<WarmSandbox> {
    let info: WarmSandbox;
    try {
      info = await this.o.create();
    } catch (err) {
      this.failed(id, entry, err instanceof Error ? err.message : String(err));
      throw err;
    }
    let r: { exitCode: number | null; output: string };
    try {
      r = await this.o.exec(info.id, entry.spec.script);
    } catch (err) {
      r = { exitCode: -1, output: String(err) };
    }
    if (r.exitCode === 0) {
      entry.failures = 0;
      return info;
    }
    info.shell?.close();
    await this.o.runtime.remove(info.id).catch(() => undefined);
    this.failed(id, entry, r.output.trim().split('\n').pop()?.slice(0, 300) ?? '');
    throw new Error(`preparing a sandbox for ${id} failed (exit ${r.exitCode})`);
  }

  private failed(id: string, entry: Entry, detail: string): void {
    const waitMs = Math.min(PREPARED_RETRY_MAX_MS, PREPARED_RETRY_MS * 2 ** entry.failures++);
    entry.pausedUntil = this.now() + waitMs;
    this.o.logger.warn({ pool: id, detail, failures: entry.failures, retryInMs: waitMs }, 'a prepared sandbox failed; the pool waits before the next (accepts meanwhile start sandboxes as usual)');
  }
}

import type { SandboxConfig } from '../../config';
import { AppError } from '../../errors';
import { KeyedLanes } from '../../kit';
import type { Logger } from '../../logger';
import { CapacityQueue } from './capacity-queue';
import type { SandboxInfo, SandboxRuntime } from '../engine/sandbox-runtime';
import type { PtySession } from '../shell/pty-session';
import type { SandboxEvent } from '../types';
import type { IntakeState } from './sandbox-state';
import { SandboxStartLimit } from './sandbox-start-limit';
import { WarmPool, type WarmSandbox } from './warm-pool';
import { PreparedPools, type PreparedSpec } from './prepared-pools';
import { StartSlots } from './start-slots';

export interface AllocatorOptions {
  runtime: SandboxRuntime;
  logger: Logger;
  config: Pick<SandboxConfig, 'maxSandboxes' | 'warmPool' | 'warmPoolAuto' | 'parallelStarts' | 'maxPerWorkspace' | 'newPerLearnerPerTenMinutes'>;
  /** Injectable clock (ms) for the demand window of the automatic warm pool. */
  now?: () => number;
  /** Sandboxes learners hold now. */
  live(): number;
  /** The keys holding them (for the per-workspace quota; without it, no quota applies). */
  liveKeys?(): Iterable<string>;
  emit(e: SandboxEvent): void;
  /** Opens a sandbox's shell ahead, during its start (undefined: none, the first command opens it). */
  openShell?: (containerId: string) => Promise<PtySession>;
}

/** What a learner is handed: the container, and its shell when a warm one opened it ahead. */
export type Allocated = Pick<SandboxInfo, 'id' | 'createdAt'> & { shell?: PtySession };

/** How long a prepared pool's script (a challenge's image pulls) may run in a new sandbox. */
const PREPARE_TIMEOUT_MS = 120_000;

/**
 * The workspace of a key: keys are `teamId:userId` for learners (the tutor's LearnerKey); any other key
 * (a lesson test's) belongs to no workspace and has no quota.
 */
export function workspaceOfKey(key: string): string | undefined {
  const m = /^([^:]+):[^:]+$/.exec(key);
  return m ? m[1] : undefined;
}

/** How far back the automatic warm pool looks at demand. */
export const DEMAND_WINDOW_MS = 5 * 60_000;

/** Hands out sandbox containers under the global cap: a warm one when ready, else a cold start, else a place in line. */
export class SandboxAllocator {
  /** Learners whose sandbox is being found or started; a finished one frees its slot to the warm pool. */
  private readonly creating = new KeyedLanes<string>({ onIdle: () => this.fill() });
  private readonly queue: CapacityQueue;
  /** Keys past their workspace's quota check, until they hold their sandbox (or fail). */
  private readonly admitted = new Set<string>();
  /** Keys a learner waits on (a command, not only a lesson opened): their start goes before those made ahead. */
  private readonly waitedOn = new Set<string>();
  /** New sandboxes per key in ten minutes (SANDBOX_NEW_PER_LEARNER_10MIN plus the first); unset: no limit. */
  private readonly starts?: SandboxStartLimit;
  readonly warm: WarmPool;
  /** Warm sandboxes kept for one purpose each (a running challenge, its images pulled in); see prepared-pools.ts. */
  readonly prepared: PreparedPools;
  readonly slots: StartSlots;
  private readonly warmStarts = new Set<Promise<WarmSandbox>>();
  /** When learners needed a new sandbox recently (the automatic warm pool's demand). */
  private readonly demand: number[] = [];
  /** An admin's pre-warm for a class: this many warm sandboxes at least, until `until`. */
  private floor = { count: 0, until: 0 };
  private intake: IntakeState = 'open';
  /** New sandboxes held back since start because their workspace was at its quota (each request once). */
  private workspaceWaits = 0;
  private readonly now: () => number;

  constructor(private readonly o: AllocatorOptions) {
    this.now = o.now ?? Date.now;
    if (o.config.newPerLearnerPerTenMinutes) this.starts = new SandboxStartLimit(o.config.newPerLearnerPerTenMinutes, this.now);
    this.slots = new StartSlots(o.config.parallelStarts ?? Number.POSITIVE_INFINITY);
    this.queue = new CapacityQueue((learnerKey, position, reason) =>
      o.emit(reason === 'workspace' ? { type: 'queued', learnerKey, position, workspaceLimit: o.config.maxPerWorkspace } : { type: 'queued', learnerKey, position }),
    );
    this.warm = new WarmPool({
      runtime: o.runtime,
      logger: o.logger,
      target: o.config.warmPoolAuto ? 0 : o.config.warmPool,
      onSettled: () => this.release(),
      create: (learnerKey, kind) => this.startWarm(learnerKey, kind),
    });
    this.prepared = new PreparedPools({
      runtime: o.runtime,
      logger: o.logger,
      create: () => this.startWarm('', 'warm'),
      exec: (id, script) => o.runtime.exec(id, script, { timeoutMs: PREPARE_TIMEOUT_MS, outputCapBytes: 64 * 1024 }),
      now: this.now,
      // and a pool that went past its workspace's quota meanwhile (its learners started sandboxes) gives back
      onSettled: () => {
        this.release();
        this.fill();
      },
    });
  }

  /**
   * The shell opened as soon as the container runs, beside its engine's start (~1 s of a loaded start the learner
   * no longer waits for); closed when the start fails. Resolves to undefined when it did not open (the first
   * command opens one).
   */
  private shellBeside(): { hooks: { onStarted: (id: string) => void }; around: <T>(start: Promise<T>) => Promise<T>; readonly shell: Promise<PtySession | undefined> } {
    let opening: Promise<PtySession | undefined> = Promise.resolve(undefined);
    const open = this.o.openShell;
    const onStarted = (id: string) => {
      if (open) opening = open(id).catch((err: unknown) => void this.o.logger.warn({ err, containerId: id }, 'shell did not open during the start; the first command opens one'));
    };
    const around = <T>(start: Promise<T>) =>
      start.catch(async (err: unknown) => {
        (await opening)?.close();
        throw err;
      });
    return {
      hooks: { onStarted },
      around,
      get shell() {
        return opening;
      },
    };
  }

  /**
   * A warm sandbox is ready with its check inspector and its shell: a prepared class then starts nothing at
   * lesson open (30 inspectors and shells starting together there cost the first commands seconds).
   */
  private startWarm(learnerKey: string, kind: 'warm'): Promise<WarmSandbox> {
    const o = this.o;
    const started = this.slots.run('warm', async () => {
      const early = this.shellBeside();
      const info = await early.around(o.runtime.create(learnerKey, kind, early.hooks));
      const [, shell] = await Promise.all([
        o.runtime.inspectors.ensure(info.id, learnerKey).catch((err: unknown) => o.logger.warn({ err, containerId: info.id }, 'check inspector of a warm sandbox did not start; it starts at the first check')),
        early.shell,
      ]);
      return { ...info, shell };
    });
    this.warmStarts.add(started);
    void started.catch(() => undefined).finally(() => this.warmStarts.delete(started));
    return started;
  }

  /**
   * Resolves once the warm and prepared sandboxes being started have settled (a closed pool removes each as it
   * comes), or after `withinMs`: removing everything right after a stop would otherwise miss the ones still coming.
   */
  async warmStartsSettled(withinMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((resolve) => (timer = setTimeout(resolve, withinMs).unref()));
    await Promise.race([Promise.allSettled([...this.warmStarts]), bound]).finally(() => clearTimeout(timer));
  }

  /** A sandbox for this key is being made (or waits in line). */
  isCreating(learnerKey: string): boolean {
    return this.creating.busy(learnerKey);
  }

  /** True when a learner asking now would get a sandbox without waiting in line. */
  get hasRoomNow(): boolean {
    return this.intake === 'open' && (this.warm.size > 0 || this.held() < this.o.config.maxSandboxes);
  }

  /**
   * Pre-warms for a class: keeps at least `count` ready sandboxes (within the cap) for `forMs`, less one for
   * each learner served from the pool meanwhile. Returns how many will be kept warm.
   */
  prewarm(count: number, forMs: number): number {
    const room = Math.max(0, this.o.config.maxSandboxes - this.o.live());
    const n = Math.min(count, room);
    this.floor = { count: n, until: this.now() + forMs };
    this.retarget();
    this.fill();
    return n;
  }

  /** The warm pool's size now: an admin's floor, else (auto) recent demand up to the configured most, else the fixed size. */
  private retarget(): void {
    const now = this.now();
    while (this.demand.length && now - this.demand[0]! > DEMAND_WINDOW_MS) this.demand.shift();
    const base = this.o.config.warmPoolAuto ? Math.min(this.o.config.warmPool, this.demand.length) : this.o.config.warmPool;
    this.warm.setTarget(now < this.floor.until ? Math.max(base, this.floor.count) : base);
  }

  stats(): { creating: number; warm: number; prepared: number; queued: number; refusals: { startLimit: number; workspaceQuota: number } } {
    return { creating: this.creating.size, warm: this.warm.size, prepared: this.prepared.ready, queued: this.queue.length, refusals: { startLimit: this.starts?.refusals ?? 0, workspaceQuota: this.workspaceWaits } };
  }

  open(): void {
    this.intake = 'open';
    this.warm.open();
  }

  /** Fails everyone in line and forgets the warm pool; running containers stay for adoption. */
  close(err: unknown): void {
    this.intake = 'closed';
    this.queue.rejectAll(err);
    this.warm.close();
    this.prepared.close();
  }

  /** Keeps (count 0: removes) the prepared pool `id`, within the caps; see prepared-pools.ts. */
  async keepPrepared(id: string, spec: PreparedSpec): Promise<void> {
    if (spec.count > 0) {
      this.prepared.keep(id, spec);
      this.fill();
      if (spec.readyWithinMs) await this.prepared.whenReady(id, spec.readyWithinMs, (ws) => this.intake === 'open' && this.held() < this.o.config.maxSandboxes && !this.preparedOver(ws, 1));
      return;
    }
    await this.prepared.drop(id);
    this.release();
  }

  /**
   * A container for the learner, handed to `take` once; concurrent calls for one learner share it. With `prefer`,
   * a ready sandbox of that prepared pool when there is one (else as usual). `ahead`: nobody waits on it yet.
   */
  acquire<T>(learnerKey: string, take: (info: Allocated) => T, prefer?: string, ahead = false): Promise<T> {
    // A learner now waits on a start made ahead for them (their lesson opened, then they typed): it goes first.
    if (!ahead) {
      this.waitedOn.add(learnerKey);
      this.slots.promote(learnerKey);
    }
    // `take` makes the sandbox live before the key leaves `admitted`: it is counted in its workspace throughout.
    return this.creating.once(learnerKey, async () => {
      this.starts?.take(learnerKey);
      return this.allocate(learnerKey, prefer, ahead)
        .then(take)
        .finally(() => {
          this.admitted.delete(learnerKey);
          this.waitedOn.delete(learnerKey);
        });
    });
  }

  /** Gives freed slots (or ready warm sandboxes) to learners in line; call whenever a sandbox goes. */
  release(): void {
    this.queue.release((key) => (this.held() < this.o.config.maxSandboxes || this.warm.size > 0) && this.workspaceHasRoom(key));
  }

  /** Tops up the warm pool, then the prepared ones (within their workspace's quota), with slots nobody is waiting for. */
  fill(): void {
    if (this.intake === 'closed') return;
    this.retarget();
    this.warm.fill(() => this.held() < this.o.config.maxSandboxes && this.queue.length === 0);
    this.prepared
      // over a workspace's quota, or holding a slot a learner in line waits for
      .trim((ws) => this.preparedOver(ws, 0) || (this.queue.length > 0 && this.held() >= this.o.config.maxSandboxes))
      .then((n) => n && this.release())
      .catch((err: unknown) => this.o.logger.warn({ err }, 'giving back prepared sandboxes failed'));
    // While learners' sandboxes are being found or started, one refill at a time: in a burst of accepts the racers
    // who found no warm one start theirs first (a refill would take their CPU, their slot, their disk reservation),
    // yet learners starting one after another (a class arriving) do not keep the pool from ever filling.
    this.prepared.fill((ws) => this.held() < this.o.config.maxSandboxes && (this.creating.size === 0 || this.prepared.starting === 0) && !this.preparedOver(ws, 1));
  }

  /** True when the workspace's learners and its prepared sandboxes (plus `extra`) would pass its quota. */
  private preparedOver(workspace: string | undefined, extra: number): boolean {
    const quota = this.o.config.maxPerWorkspace;
    if (!quota || !workspace || !this.o.liveKeys) return false;
    return this.workspaceHeld(workspace, '') + this.prepared.heldFor(workspace) + extra > quota;
  }

  private async allocate(learnerKey: string, prefer?: string, ahead = false): Promise<Allocated> {
    await Promise.resolve(); // let acquire register us in `creating` first
    this.demand.push(this.now());
    let heldBack = false;
    for (;;) {
      // A workspace at its quota waits for one of its own sandboxes to go, warm ones included.
      if (!this.workspaceHasRoom(learnerKey)) {
        if (!heldBack) this.workspaceWaits++;
        heldBack = true;
        await this.queue.wait(learnerKey, 'workspace');
        continue;
      }
      this.admitted.add(learnerKey);
      const prepared = prefer ? await this.prepared.claim(prefer, learnerKey) : undefined;
      if (prepared) return prepared;
      // A new sandbox of this workspace: its prepared ones give way first when it would pass its quota; ones still
      // starting are waited for (given back, or claimed, when they settle).
      const team = workspaceOfKey(learnerKey);
      await this.prepared.trim((ws) => ws === team && this.preparedOver(ws, 0));
      if (this.preparedOver(team, 0)) {
        this.admitted.delete(learnerKey);
        await this.queue.wait(learnerKey, 'workspace');
        continue;
      }
      const pooled = this.warm.take();
      if (pooled) {
        if (await this.warm.claim(learnerKey, pooled)) {
          // A prepared class is N learners: each one served uses up a place, so the pool does not start
          // N more sandboxes while the class types its first commands (that starved them of CPU).
          if (this.floor.count > 0 && this.now() < this.floor.until) this.floor = { ...this.floor, count: this.floor.count - 1 };
          return pooled;
        }
        continue;
      }
      // `creating` includes us, so we fit when the others hold fewer than the cap
      if (this.held() - 1 < this.o.config.maxSandboxes) break;
      // At the cap, a prepared sandbox gives its slot to a learner in line.
      let give = 1;
      if (await this.prepared.trim(() => give-- > 0)) continue;
      await this.queue.wait(learnerKey);
    }
    const early = this.shellBeside();
    const info = { ...(await this.slots.run(ahead && !this.waitedOn.has(learnerKey) ? 'ahead' : 'waiting', () => early.around(this.o.runtime.create(learnerKey, 'learner', early.hooks)), learnerKey)), shell: await early.shell };
    if (this.intake === 'closed') {
      info.shell?.close();
      await this.o.runtime.remove(info.id);
      throw new AppError('SANDBOX_MANAGER_STOPPED', 'The sandbox service is shutting down');
    }
    return info;
  }

  /**
   * True when the key's workspace holds fewer sandboxes than its quota, not counting the key itself:
   * live ones, and those past this check being found or started (not those waiting in line for the host's cap).
   */
  private workspaceHasRoom(learnerKey: string): boolean {
    const quota = this.o.config.maxPerWorkspace;
    const team = workspaceOfKey(learnerKey);
    if (!quota || !team || !this.o.liveKeys) return true;
    return this.workspaceHeld(team, learnerKey) < quota;
  }

  /** Keys of the workspace holding a sandbox or past the quota check, `except` one. */
  private workspaceHeld(team: string, except: string): number {
    const held = new Set<string>();
    for (const k of this.o.liveKeys?.() ?? []) if (k !== except && workspaceOfKey(k) === team) held.add(k);
    for (const k of this.admitted) if (k !== except && workspaceOfKey(k) === team && !this.queue.has(k)) held.add(k);
    return held.size;
  }

  /** Slots taken: learners' sandboxes, creations under way (not those waiting in line), warm ones. */
  private held(): number {
    return this.o.live() + (this.creating.size - this.queue.length) + this.warm.held + this.prepared.held;
  }
}

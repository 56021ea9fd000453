import { randomBytes } from 'node:crypto';
import type Docker from 'dockerode';
import type { Logger } from '../../logger';
import type { IntakeState } from '../lifecycle/sandbox-state';
import {
  LABEL_NETWORK,
  SPARE_ROLE,
  attachMirror,
  createSandboxNetwork,
  removeSandboxNetwork,
  type SpareNetwork,
  type SpareSource,
} from './sandbox-network-policy';

/**
 * Spare sandbox networks, made ahead (created, mirror joined at .2) so a new sandbox skips ~0.9 s of network
 * work the engine does one request at a time. A claimed spare is that sandbox's network from then on (its
 * container names it in `dockhand.network`) and goes with it, never back to the pool. Labels cannot change and
 * the engine does not remember who was on a network, so a spare is only ever handed out by the pool that made
 * it, in this process: one left by an earlier run could be a used network whose sandbox was removed by hand,
 * so it is removed at start, never adopted.
 */
export const SPARE_FLOOR = 2;
export const SPARE_PARALLEL = 2;
/** Refills wait this long after the last claim: spares are for the next arrivals, not the ones starting now. */
export const SPARE_QUIET_MS = 2_000;
const RETRY_MS = 5_000;
const CLOSE_TIMEOUT_MS = 10_000;
/** A claimed spare stays ours for the sweep this long: its sandbox container may not exist yet. */
const CLAIM_GRACE_MS = 60_000;

export interface NetworkPoolOptions {
  docker: Docker;
  logger: Logger;
  instance: string;
  /** Name start of every spare (e.g. `dockhand-<instance>`). */
  namePrefix: string;
  /** Must match the sandboxes' setting: a spare is made exactly like the network the policy would make. */
  blockEgress: boolean;
  /** The read-only mirror joined to each spare; unset when the operator brought their own mirror. */
  mirrorContainer?: string;
  ensureFirewall: () => Promise<void>;
  /** SANDBOX_MAX_COUNT: never more spares than this. */
  max: number;
  /** Spares kept with no demand at all (default 2). */
  floor?: number;
  /** Spares made at once (default 2): the engine serializes network work, more only queues there. */
  parallel?: number;
  /**
   * Refills wait until no sandbox has claimed a spare or been made (`busy`) for this long (default 2 s). The
   * engine does network work one request at a time, container starts included: a refill started during a class
   * start would queue ahead of the learners starting right now.
   */
  quietMs?: number;
  /** Pause after a failed spare before trying again (default 5 s). */
  retryMs?: number;
  random?: () => number;
  now?: () => number;
}

/** How many spares to keep: the demand (the warm pool's target: fixed, auto or an admin's pre-warm), at least the floor, at most the cap. */
export function spareTarget(o: { floor: number; demand: number; max: number }): number {
  return Math.max(0, Math.min(o.max, Math.max(o.floor, o.demand)));
}

type NetInfo = Docker.NetworkInspectInfo & { Containers?: Record<string, { Name?: string; IPv4Address?: string }> };

/** Ready spare networks of this instance, refilled in the background; `claim()` hands one out at once. */
export class NetworkPool implements SpareSource {
  private readonly ready: SpareNetwork[] = [];
  private readonly making = new Map<string, Promise<void>>();
  private readonly removing = new Set<Promise<void>>();
  private readonly claimed = new Map<string, number>();
  private demand = 0;
  private intake: IntakeState = 'closed';
  private retry?: NodeJS.Timeout;
  /** The refill waiting for the quiet period, and how settled() waits for it. */
  private quiet?: { timer: NodeJS.Timeout; passed: Promise<void>; pass: () => void };
  /** Sandboxes being set up, created or started (engine work): refills wait for them. */
  private busyNow = 0;
  private lastUse = Number.NEGATIVE_INFINITY;
  private failures = 0;

  constructor(private readonly o: NetworkPoolOptions) {}

  get target(): number {
    return spareTarget({ floor: this.o.floor ?? SPARE_FLOOR, demand: this.demand, max: this.o.max });
  }

  stats(): { ready: number; creating: number; target: number; failures: number } {
    return { ready: this.ready.length, creating: this.making.size, target: this.target, failures: this.failures };
  }

  /** The sandbox demand changed (the warm pool's target); refills up to the new size. Extra spares are kept, not replaced. */
  setDemand(n: number): void {
    this.demand = Math.max(0, n);
    this.fill();
  }

  /** Removes the unclaimed spares an earlier run of this instance left (a crash), then keeps the pool filled. */
  async start(): Promise<void> {
    this.intake = 'open';
    try {
      await this.removeLeftovers();
    } finally {
      this.fill();
    }
  }

  /** Made by this pool and not handed out, being made, or handed out within the last minute (for the sweep). */
  owns(name: string): boolean {
    this.forgetOldClaims();
    return this.making.has(name) || this.claimed.has(name) || this.ready.some((s) => s.name === name);
  }

  /**
   * A ready spare, checked to be still there with nothing but the mirror on it; undefined when none is ready
   * (the caller makes its own network, as without a pool). Never reused: once handed out it is the caller's.
   */
  async claim(): Promise<SpareNetwork | undefined> {
    this.lastUse = this.now();
    for (;;) {
      const spare = this.ready.shift();
      this.fill();
      if (!spare) return undefined;
      this.forgetOldClaims();
      this.claimed.set(spare.name, (this.o.now ?? Date.now)());
      if (await this.stillSpare(spare)) return spare;
      this.o.logger.warn({ network: spare.name }, 'a spare sandbox network changed while waiting; removing it');
      this.removeLater(spare.name);
    }
  }

  /**
   * Engine work for a sandbox being made (its network when no spare was ready, its create and start): refills wait
   * until it is done and claims have been quiet for `quietMs`.
   */
  async busy<T>(work: () => Promise<T>): Promise<T> {
    this.busyNow++;
    try {
      return await work();
    } finally {
      this.busyNow--;
      this.lastUse = this.now();
      this.fill();
    }
  }

  /** Starts spares (at most `parallel` at once) until ready + being made reaches the target, once sandboxes are quiet. */
  fill(): void {
    if (this.busyNow > 0) return; // busy() fills when the last one ends
    const wait = this.lastUse + (this.o.quietMs ?? SPARE_QUIET_MS) - this.now();
    if (wait > 0) {
      if (this.intake === 'open' && !this.quiet) {
        let pass!: () => void;
        const passed = new Promise<void>((r) => (pass = r));
        const timer = setTimeout(() => {
          this.quiet = undefined;
          this.fill();
          pass();
        }, wait);
        timer.unref();
        this.quiet = { timer, passed, pass };
      }
      return;
    }
    const parallel = this.o.parallel ?? SPARE_PARALLEL;
    while (this.intake === 'open' && !this.retry && this.ready.length + this.making.size < this.target && this.making.size < parallel) {
      const name = `${this.o.namePrefix}-spare-${randomBytes(4).toString('hex')}`.slice(0, 120);
      const p = this.make(name).finally(() => {
        this.making.delete(name);
        this.fill();
      });
      this.making.set(name, p);
    }
  }

  /** Resolves once no spare is being made or waiting for the quiet period (tests, the bench). */
  async settled(): Promise<void> {
    for (;;) {
      if (this.making.size) await Promise.all(this.making.values());
      else if (this.quiet) await this.quiet.passed;
      else return;
    }
  }

  /** Stops refilling and removes the ready spares (bounded by `timeoutMs`; the next start removes what is left). */
  async close(timeoutMs = CLOSE_TIMEOUT_MS): Promise<void> {
    this.intake = 'closed';
    clearTimeout(this.retry);
    this.retry = undefined;
    clearTimeout(this.quiet?.timer);
    this.quiet?.pass(); // a settled() waiting for the quiet period ends with the pool
    this.quiet = undefined;
    for (const s of this.ready.splice(0)) this.removeLater(s.name);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)));
    try {
      await Promise.race([Promise.all([...this.making.values(), ...this.removing]).then(() => Promise.all([...this.removing])), deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async make(name: string): Promise<void> {
    const now = (this.o.now ?? Date.now)();
    let created = false;
    try {
      await this.o.ensureFirewall();
      const labels = { 'dockhand.app': 'dockhand', 'dockhand.instance': this.o.instance, 'dockhand.created': String(now) };
      const subnet = await createSandboxNetwork(this.o.docker, { name, blockEgress: this.o.blockEgress, labels, role: SPARE_ROLE, random: this.o.random });
      created = true;
      if (this.o.mirrorContainer) await attachMirror(this.o.docker, name, this.o.mirrorContainer, subnet.mirrorIp);
      if (this.intake === 'open') this.ready.push({ name, subnet });
      else this.removeLater(name);
    } catch (err) {
      this.failures++;
      this.o.logger.warn({ err, network: name }, 'could not make a spare sandbox network; sandboxes make their own meanwhile');
      if (created) this.removeLater(name);
      if (this.intake === 'open' && !this.retry) {
        this.retry = setTimeout(() => {
          this.retry = undefined;
          this.fill();
        }, this.o.retryMs ?? RETRY_MS);
        this.retry.unref();
      }
    }
  }

  private now(): number {
    return (this.o.now ?? Date.now)();
  }

  private forgetOldClaims(): void {
    const now = this.now();
    for (const [n, at] of this.claimed) if (now - at > CLAIM_GRACE_MS) this.claimed.delete(n);
  }

  private async stillSpare(s: SpareNetwork): Promise<boolean> {
    const info = (await this.o.docker.getNetwork(s.name).inspect().catch(() => undefined)) as NetInfo | undefined;
    if (!info) return false;
    const attached = Object.values(info.Containers ?? {});
    if (!this.o.mirrorContainer) return attached.length === 0;
    return attached.length === 1 && attached[0]!.Name === this.o.mirrorContainer && attached[0]!.IPv4Address?.split('/')[0] === s.subnet.mirrorIp;
  }

  private removeLater(name: string): void {
    const p = removeSandboxNetwork(this.o.docker, name, this.o.logger)
      .catch((err: unknown) => this.o.logger.warn({ err, network: name }, 'could not remove a spare sandbox network'))
      .finally(() => this.removing.delete(p));
    this.removing.add(p);
  }

  /** This instance's spare-labelled networks this pool did not make and no container uses or names: removed. */
  private async removeLeftovers(): Promise<void> {
    const d = this.o.docker;
    const nets = await d.listNetworks({ filters: { label: ['dockhand.app=dockhand', `dockhand.instance=${this.o.instance}`, `dockhand.role=${SPARE_ROLE}`] } });
    if (!nets.length) return;
    const named = new Set((await d.listContainers({ all: true, filters: { label: [LABEL_NETWORK] } })).map((c) => c.Labels?.[LABEL_NETWORK]));
    const mirrorId = this.o.mirrorContainer ? await d.getContainer(this.o.mirrorContainer).inspect().then((i) => i.Id, () => undefined) : undefined;
    let removed = 0;
    for (const n of nets) {
      if (this.owns(n.Name) || named.has(n.Name)) continue;
      const info = (await d.getNetwork(n.Id).inspect().catch(() => undefined)) as NetInfo | undefined;
      // a sandbox on it: its network, kept or removed with it by the sandbox sweep
      if (!info || Object.keys(info.Containers ?? {}).some((id) => id !== mirrorId)) continue;
      this.removeLater(n.Name);
      removed++;
    }
    if (removed) this.o.logger.info({ removed }, 'removed spare sandbox networks left by an earlier run');
  }
}

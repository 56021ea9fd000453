import type Docker from 'dockerode';
import type { SandboxConfig } from '../../config';
import { AppError } from '../../errors';
import { BurstGate, KeyedLanes } from '../../kit';
import type { Logger } from '../../logger';
import { adoptSandboxes } from './adoption';
import { CommandRateLimit } from './command-rate-limit';
import type { ContainerDeath } from '../engine/docker-event-watcher';
import { ENGINE_LOST_DETAIL, EngineWatch, notRunning } from './engine-watch';
import type { PtySession } from '../shell/pty-session';
import { probeSandboxProfile, type ProbeResult } from '../engine/profile-probe';
import { Reaper, reapVerdict } from './reaper';
import { SandboxAllocator, type Allocated } from './sandbox-allocator';
import type { PreparedSpec } from './prepared-pools';
import { SandboxRuntime, type RuntimeOptions } from '../engine/sandbox-runtime';
import { sweepAtStart } from './start-sweeps';
import type { ServiceState } from './sandbox-state';
import { openShell, StartedSandbox, type ShellOptions } from './started-sandbox';
import type { SandboxPort, SandboxStats } from '../sandbox-port';
import type { CheckOptions, CommandResult, RunOptions, SandboxEvent, ScriptOptions, ScriptResult } from '../types';

/** The runtime's options (image, mirror, disk, engine target, extra policies...) plus the manager's own. */
export interface SandboxManagerOptions extends Omit<RuntimeOptions, 'docker' | 'config' | 'logger' | 'instance'> {
  /** Label value separating this process's sandboxes; tests use a unique one per file. */
  instance?: string;
  reapIntervalMs?: number;
  /** Quiet period before checking whether a command waits for input. */
  quietMs?: number;
  outputIntervalMs?: number;
  cols?: number;
  rows?: number;
}

const stoppedError = (message: string) => new AppError('SANDBOX_MANAGER_STOPPED', message);

const INSPECTOR_DEFER_MAX_MS = 30_000; // how long a prepared sandbox's inspector may wait for other learners' starts
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/** Owns every learner's sandbox: creation under a global cap, one pty shell each, limits, reaping, adoption. */
export class SandboxManager implements SandboxPort {
  private readonly runtime: SandboxRuntime;
  private readonly sandboxes = new Map<string, StartedSandbox>();
  private readonly lanes = new KeyedLanes();
  private readonly burst = new BurstGate(); // everyone's commands being run: the sweeps after them wait for a burst
  private readonly rate: CommandRateLimit;
  private readonly alloc: SandboxAllocator;
  private readonly reaper: Reaper;
  private readonly listeners = new Set<(e: SandboxEvent) => void>();
  private events?: EngineWatch;
  private state: ServiceState = 'running';
  private readonly instance: string;

  constructor(
    docker: Docker,
    private readonly config: SandboxConfig,
    private readonly logger: Logger,
    private readonly options: SandboxManagerOptions,
  ) {
    this.instance = options.instance ?? 'main';
    this.runtime = new SandboxRuntime({ ...options, docker, config, logger, instance: this.instance });
    this.rate = new CommandRateLimit({ perMinute: config.commandsPerMinute });
    this.alloc = new SandboxAllocator({ runtime: this.runtime, logger, config, live: () => this.sandboxes.size, liveKeys: () => this.sandboxes.keys(), emit: (e) => this.emit(e), openShell: (id) => openShell(this.runtime, id, this.shellOptions()) });
    // spare networks follow the warm pool's target (fixed, auto, or an admin's pre-warm)
    this.alloc.warm.onTarget((n) => this.runtime.networks?.setDemand(n));
    this.reaper = new Reaper(options.reapIntervalMs ?? 30000, () => this.reap(), (err) => logger.warn({ err }, 'reaper pass failed'));
  }

  on(listener: (e: SandboxEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Adopts this instance's labelled containers (or removes unknown/expired/dead ones), then starts the reaper and warm pool. */
  async start(opts: { isKnown?: (learnerKey: string, containerId: string) => boolean | Promise<boolean> } = {}): Promise<void> {
    this.state = 'running';
    this.alloc.open();
    await adoptSandboxes(await this.runtime.list(), {
      now: Date.now(),
      lifetimeMs: this.lifetimeMs(),
      assignedLearner: (id) => this.alloc.warm.assignedLearner(id),
      isKnown: opts.isKnown,
      has: (learnerKey) => this.sandboxes.has(learnerKey),
      tracks: (learnerKey, id) => this.sandboxes.get(learnerKey)?.id === id,
      adoptWarm: (info) => this.alloc.warm.adopt(info),
      adopt: (learnerKey, info) => {
        this.sandboxes.set(learnerKey, this.track(learnerKey, info));
      },
      remove: (id) => this.runtime.remove(id),
      emit: (e) => this.emit(e),
    });
    await sweepAtStart(this.runtime, this.logger);
    const events = new EngineWatch({ docker: this.runtime.docker, instance: this.instance, logger: this.logger, onDeath: (d) => this.onDeath(d), onReconnect: () => this.afterEngineLoss() });
    await events.start();
    this.events = events;
    this.reaper.start();
    this.alloc.fill();
  }

  /** Start-up check that the configured profile works on this engine (one tiny sandbox); throws one clear line if not. */
  probe(): Promise<ProbeResult> {
    return probeSandboxProfile(this.runtime, this.config);
  }

  /** Detaches every pty and clears timers; containers keep running for the next start() to adopt. */
  async stop(): Promise<void> {
    this.state = 'stopping';
    this.reaper.stop();
    this.events?.stop();
    this.events = undefined;
    this.alloc.close(stoppedError('The sandbox service is shutting down'));
    for (const sb of this.sandboxes.values()) sb.detach();
    this.sandboxes.clear();
    // spares go at shutdown, within a bound; the next start removes what is left
    await this.runtime.networks?.close();
    // a start() during the wait wins: it reopened the service
    if (this.state === 'stopping') this.state = 'stopped';
  }

  /**
   * Stop, then remove every container, volume and network of this instance (tests, uninstall), then the host
   * leftovers (cgroups, disks) of sandboxes gone without the bot; resolves to how many each host policy freed.
   */
  async destroyAll(): Promise<Record<string, number>> {
    await this.stop().then(() => this.alloc.warmStartsSettled(90_000));
    for (const c of await this.runtime.list()) await this.runtime.remove(c.id);
    await this.runtime.inspectors.sweep(new Set()).catch(() => undefined);
    await this.runtime.sweepOrphanVolumes().catch(() => undefined);
    await this.runtime.removeNetwork().catch(() => undefined);
    return this.runtime.sweepHostLeftovers().catch(() => ({}));
  }

  async run(learnerKey: string, command: string, opts: RunOptions = {}): Promise<CommandResult> {
    this.rate.take(learnerKey);
    const timeoutMs = this.clampTimeout(opts.timeoutMs);
    return this.lanes.run(learnerKey, async () => {
      for (let attempt = 0; ; attempt++) {
        const sb = await this.ensureSandbox(learnerKey);
        let session: PtySession;
        try {
          session = await sb.session();
          await session.whenIdle();
          await sb.settled();
        } catch (err) {
          // A sandbox that died before the docker event arrived: replace it once, transparently.
          if (attempt > 0 || (await sb.isRunning())) throw err;
          await sb.diagnoseDeath();
          continue;
        }
        if (!session.alive) {
          // the shell ended while an earlier command waited for input: a new shell, at most twice
          if (attempt > 1) throw new AppError('SHELL_GONE', 'The sandbox shell keeps exiting');
          continue;
        }
        sb.touch();
        const r = await this.burst.during(session.run(command, { timeoutMs, outputCapBytes: this.config.outputCapBytes, onOutput: opts.onOutput }));
        // A shell that died before the command began (e.g. in the aftermath of a fork bomb) loses nothing: once more in a new shell.
        if (r.shellExited && r.neverStarted && attempt < 2 && (await sb.isRunning())) {
          sb.dropShell(session);
          continue;
        }
        return sb.afterCommand(session, r);
      }
    });
  }

  /** Types into the command that is waiting for input; resolves at its next completion or quiet period. */
  async sendInput(learnerKey: string, text: string): Promise<CommandResult> {
    const sb = this.sandboxes.get(learnerKey);
    const session = sb?.shell;
    if (!sb || !session?.busy) throw new AppError('NOTHING_RUNNING', 'No command is waiting for input');
    sb.touch();
    return sb.afterCommand(session, await session.sendInput(text));
  }

  /** Ctrl-C to the running command; resolves with its final result (undefined when nothing runs). */
  async interrupt(learnerKey: string): Promise<CommandResult | undefined> {
    const sb = this.sandboxes.get(learnerKey);
    const session = sb?.shell;
    if (!sb || !session?.busy) return undefined;
    return sb.afterCommand(session, await session.interrupt());
  }

  async execScript(learnerKey: string, script: string, opts: ScriptOptions = {}): Promise<ScriptResult> {
    if (opts.onlyExisting && this.sandboxes.get(learnerKey)?.gone !== false && !this.alloc.isCreating(learnerKey)) throw new AppError('SANDBOX_NOT_READY', 'No sandbox to run in');
    return this.lanes.track(learnerKey, async () => {
      const sb = await this.ensureSandbox(learnerKey);
      sb.touch();
      const r = await sb.exec(script, { timeoutMs: this.clampTimeout(opts.timeoutMs), outputCapBytes: opts.outputCapBytes ?? this.config.outputCapBytes });
      sb.touch();
      return r;
    });
  }

  /**
   * Runs a lesson check with trusted tools, in the sandbox's inspector (a read-only container in the
   * sandbox's network namespace that sees the learner's files as read-only data and talks to the nested engine);
   * nothing the learner installed, aliased or preloaded in their sandbox runs. See inspector-spec.ts.
   */
  async checkScript(learnerKey: string, script: string, opts: CheckOptions = {}): Promise<ScriptResult> {
    return this.lanes.track(learnerKey, async () => {
      const sb = await this.ensureSandbox(learnerKey);
      sb.touch();
      const r = await sb.check(script, { timeoutMs: this.clampTimeout(opts.timeoutMs), outputCapBytes: opts.outputCapBytes ?? this.config.outputCapBytes, seed: opts.seed });
      sb.touch();
      return r;
    });
  }

  /**
   * A fresh random seed named `name` for per-attempt data (a step setup writes the data from it, the
   * check recomputes the answer from it). Kept in the sandbox's inspector, out of the learner's reach; gone with
   * the sandbox.
   */
  async newSeed(learnerKey: string, name: string): Promise<string> {
    return this.lanes.track(learnerKey, async () => (await this.ensureSandbox(learnerKey)).newSeed(name));
  }

  /**
   * Makes sure the learner has a sandbox with its shell open, running nothing, so their first
   * command does not wait for a start (called when they open a lesson or first write). Never waits in
   * line: with no room now it does nothing (the first command will queue as usual).
   */
  async prepare(learnerKey: string): Promise<void> {
    if (this.state !== 'running') return;
    const existing = this.sandboxes.get(learnerKey);
    if (existing && !existing.gone) return;
    if (!this.alloc.hasRoomNow) return;
    await this.lanes.track(learnerKey, async () => {
      const sb = await this.ensureSandbox(learnerKey, undefined, true);
      await sb.session();
      // Then the check inspector, in the background once no learner's sandbox is starting (a class arriving at
      // once: 30 inspectors starting amid 30 sandbox starts slowed the last first commands). At most 30 s later;
      // a check before then starts it itself, and a failure only delays it to the first check (or is no news at
      // all when the sandbox was removed meanwhile).
      void Promise.race([this.alloc.slots.learnersIdle(), sleep(INSPECTOR_DEFER_MAX_MS)])
        .then(() => (sb.gone ? undefined : sb.prepareChecks()))
        .catch((err: unknown) => (sb.gone ? this.logger.debug : this.logger.warn).call(this.logger, { err, learnerKey }, 'check inspector did not start ahead'));
    });
  }

  /** Keeps `count` sandboxes warm (within the cap) for `forMinutes`, for a class about to start; returns how many. */
  prewarm(count: number, forMinutes = 30): number {
    return this.alloc.prewarm(count, forMinutes * 60_000);
  }

  /** Fresh sandboxes with `spec.script` run in them, kept for `poolId` (a running challenge); count 0 removes them. */
  keepPrepared(poolId: string, spec: PreparedSpec): Promise<void> {
    return this.alloc.keepPrepared(poolId, spec);
  }
  /** Gives a key without a sandbox a ready one of `poolId` (true), else starts one as usual (false). */
  claimPrepared(learnerKey: string, poolId: string): Promise<boolean> {
    return this.lanes.track(learnerKey, async () => this.alloc.prepared.tookFrom((await this.ensureSandbox(learnerKey, poolId)).id, poolId));
  }

  async reset(learnerKey: string): Promise<void> {
    await this.sandboxes.get(learnerKey)?.remove('removed');
  }

  /** The container id of a learner's sandbox, if one exists. */
  containerIdOf(learnerKey: string): string | undefined {
    return this.sandboxes.get(learnerKey)?.id;
  }

  /** Counts for metrics and the bench. */
  stats(): SandboxStats {
    const spares = this.runtime.networks?.stats();
    return { sandboxes: this.sandboxes.size, ...this.alloc.stats(), ...(spares && { spareNetworks: { ready: spares.ready, creating: spares.creating, target: spares.target } }), hostDisk: this.runtime.hostDiskStats() };
  }

  // ---- internals ----

  private clampTimeout(ms: number | undefined): number {
    const max = this.config.commandMaxTimeoutSeconds * 1000;
    return Math.max(1, Math.min(ms ?? this.config.commandTimeoutSeconds * 1000, max));
  }

  private lifetimeMs(): number {
    return this.config.maxLifetimeMinutes * 60000;
  }

  private emit(e: SandboxEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch (err) {
        this.logger.warn({ err, event: e.type }, 'sandbox event listener failed');
      }
    }
  }

  private shellOptions(): ShellOptions {
    return { cols: this.options.cols ?? 120, rows: this.options.rows ?? 40, quietMs: this.options.quietMs, outputIntervalMs: this.options.outputIntervalMs };
  }

  private track(learnerKey: string, info: Allocated): StartedSandbox {
    return new StartedSandbox(learnerKey, info.id, info.createdAt, {
      preopened: info.shell,
      burst: this.burst,
      runtime: this.runtime,
      emit: (e) => this.emit(e),
      onGone: (sb) => {
        if (this.sandboxes.get(sb.learnerKey) === sb) this.sandboxes.delete(sb.learnerKey);
      },
      onRemoved: () => {
        this.alloc.release();
        this.alloc.fill();
      },
      shell: this.shellOptions(),
      limits: { memoryMb: this.config.memoryMb, pidsLimit: this.config.pidsLimit, diskMb: this.config.diskMb },
    });
  }

  private async ensureSandbox(learnerKey: string, prefer?: string, ahead = false): Promise<StartedSandbox> {
    if (this.state !== 'running') throw stoppedError('The sandbox service is not running');
    const existing = this.sandboxes.get(learnerKey);
    if (existing && !existing.gone) return existing;
    return this.alloc.acquire(learnerKey, (info) => {
      const sb = this.track(learnerKey, info);
      this.sandboxes.set(learnerKey, sb);
      this.emit({ type: 'created', learnerKey, containerId: sb.id });
      return sb;
    }, prefer, ahead);
  }

  private async reap(): Promise<void> {
    const limits = { now: Date.now(), lifetimeMs: this.lifetimeMs(), idleMs: this.config.idleMinutes * 60000 };
    for (const sb of [...this.sandboxes.values()]) {
      const verdict = reapVerdict({ createdAt: sb.createdAt, lastUsed: sb.lastUsed, busy: sb.busy || this.lanes.busy(sb.learnerKey) }, limits);
      if (verdict !== 'keep') await sb.remove(verdict);
    }
    await this.alloc.warm.expire(limits.now, limits.lifetimeMs);
    await this.alloc.prepared.expire(limits.now, limits.lifetimeMs);
    this.rate.prune();
    this.alloc.fill();
  }

  /** Deaths while the event stream was down (an engine restart stops every sandbox) are reported as lost with it. */
  private async afterEngineLoss(): Promise<void> {
    const live = [...this.sandboxes.values()].filter((s) => !s.gone);
    for (const id of await notRunning(this.runtime.docker, live.map((s) => s.id))) this.onDeath({ containerId: id, kind: 'crash', detail: ENGINE_LOST_DETAIL });
  }

  private onDeath(d: ContainerDeath): void {
    const sb = [...this.sandboxes.values()].find((s) => s.id === d.containerId);
    if (!sb || sb.gone) return;
    // Let a running command's own pty-exit path report first; both paths are idempotent.
    const report = () => sb.died(d.kind, d.detail).catch((err) => this.logger.warn({ err, containerId: sb.id }, 'removing a dead sandbox failed'));
    setTimeout(report, sb.shell?.busy ? 2000 : 0);
  }
}

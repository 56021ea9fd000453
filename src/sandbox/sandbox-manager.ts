import type Docker from 'dockerode';
import type { SandboxConfig } from '../config';
import { AppError } from '../errors';
import type { Logger } from '../logger';
import { PtySession, type ForegroundProbe, type SessionResult } from './pty-session';
import { SandboxRuntime, type SandboxInfo } from './sandbox-runtime';
import type { CommandResult, RunOptions, SandboxEvent, ScriptOptions, ScriptResult } from './types';

export interface SandboxManagerOptions {
  /** Sandbox image (from ensureImages). */
  image: string;
  /** Label value separating this process's sandboxes; tests use a unique one per file. */
  instance?: string;
  mirrorUrl?: string;
  mirrorContainer?: string;
  readyTimeoutMs?: number;
  reapIntervalMs?: number;
  /** Quiet period before checking whether a command waits for input. */
  quietMs?: number;
  outputIntervalMs?: number;
  dockerDiskMb?: number;
  dockerHost?: string;
  cols?: number;
  rows?: number;
}

interface Sandbox {
  learnerKey: string;
  id: string;
  createdAt: number;
  lastUsed: number;
  session?: PtySession;
  sessionStarting?: Promise<PtySession>;
  gone: boolean;
}

interface LearnerState {
  chain: Promise<unknown>;
  commandTimes: number[];
  /** Commands and scripts queued or running: the reaper leaves such a sandbox alone. */
  inFlight: number;
}

interface CapacityWaiter {
  learnerKey: string;
  resolve: () => void;
  reject: (err: unknown) => void;
}

const LEARNER_FILE = '/etc/dockhand-learner';

/** Owns every learner's sandbox: creation under a global cap, one pty shell each, limits, reaping, adoption. */
export class SandboxManager {
  private readonly runtime: SandboxRuntime;
  private readonly sandboxes = new Map<string, Sandbox>();
  private readonly creating = new Map<string, Promise<Sandbox>>();
  private readonly learners = new Map<string, LearnerState>();
  private readonly warm: SandboxInfo[] = [];
  private warmCreating = 0;
  private readonly waiters: CapacityWaiter[] = [];
  private readonly listeners = new Set<(e: SandboxEvent) => void>();
  private reaper?: NodeJS.Timeout;
  private eventStream?: NodeJS.ReadableStream & { destroy?: () => void };
  private stopped = false;
  private readonly instance: string;

  constructor(
    docker: Docker,
    private readonly config: SandboxConfig,
    private readonly logger: Logger,
    private readonly options: SandboxManagerOptions,
  ) {
    this.instance = options.instance ?? 'main';
    this.runtime = new SandboxRuntime({
      docker,
      config,
      logger,
      image: options.image,
      instance: this.instance,
      mirrorUrl: options.mirrorUrl,
      mirrorContainer: options.mirrorContainer,
      readyTimeoutMs: options.readyTimeoutMs,
      dockerDiskMb: options.dockerDiskMb,
      dockerHost: options.dockerHost,
    });
  }

  on(listener: (e: SandboxEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Adopts this instance's labelled containers (or removes unknown/expired/dead ones), then starts the reaper and warm pool. */
  async start(opts: { isKnown?: (learnerKey: string, containerId: string) => boolean | Promise<boolean> } = {}): Promise<void> {
    this.stopped = false;
    const found = (await this.runtime.list()).sort((a, b) => b.createdAt - a.createdAt);
    const now = Date.now();
    for (const c of found) {
      if (this.sandboxes.get(c.learnerKey)?.id === c.id) continue;
      let learnerKey = c.learnerKey;
      if (c.role === 'warm' && c.running) learnerKey = (await this.assignedLearner(c.id)) ?? '';
      const expired = now - c.createdAt > this.lifetimeMs();
      if (!c.running || expired) {
        await this.runtime.remove(c.id);
        if (learnerKey) this.emit({ type: expired ? 'expired' : 'removed', learnerKey, containerId: c.id });
        continue;
      }
      if (!learnerKey) {
        if (this.warm.length < this.config.warmPool) this.warm.push(c);
        else await this.runtime.remove(c.id);
        continue;
      }
      const known = this.sandboxes.has(learnerKey) ? false : opts.isKnown ? await opts.isKnown(learnerKey, c.id) : true;
      if (!known) {
        await this.runtime.remove(c.id);
        this.emit({ type: 'removed', learnerKey, containerId: c.id });
        continue;
      }
      this.sandboxes.set(learnerKey, { learnerKey, id: c.id, createdAt: c.createdAt, lastUsed: now, gone: false });
      this.emit({ type: 'adopted', learnerKey, containerId: c.id });
    }
    await this.runtime.sweepOrphanVolumes().catch((err) => this.logger.warn({ err }, 'orphan volume sweep failed'));
    await this.watchEvents();
    const interval = this.options.reapIntervalMs ?? 30000;
    this.reaper = setInterval(() => void this.reap(), interval);
    this.fillWarmPool();
  }

  /** Detaches every pty and clears timers; containers keep running for the next start() to adopt. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.reaper);
    this.reaper = undefined;
    this.eventStream?.destroy?.();
    this.eventStream = undefined;
    for (const w of this.waiters.splice(0)) w.reject(new AppError('SANDBOX_MANAGER_STOPPED', 'The sandbox service is shutting down'));
    for (const sb of this.sandboxes.values()) {
      sb.session?.close();
      sb.session = undefined;
    }
    this.sandboxes.clear();
    this.warm.splice(0);
  }

  /** Addition: stop, then remove every container, volume and network of this instance (tests, uninstall). */
  async destroyAll(): Promise<void> {
    await this.stop();
    for (const c of await this.runtime.list()) await this.runtime.remove(c.id);
    await this.runtime.sweepOrphanVolumes().catch(() => undefined);
    await this.runtime.removeNetwork().catch(() => undefined);
  }

  async run(learnerKey: string, command: string, opts: RunOptions = {}): Promise<CommandResult> {
    this.checkRate(learnerKey);
    const timeoutMs = this.clampTimeout(opts.timeoutMs);
    return this.enqueue(learnerKey, async () => {
      for (let attempt = 0; ; attempt++) {
        const sb = await this.ensureSandbox(learnerKey);
        let session: PtySession;
        try {
          session = await this.ensureSession(sb);
          await session.whenIdle();
        } catch (err) {
          // A sandbox that died before the docker event arrived: replace it once, transparently.
          if (attempt > 0 || (await this.runtime.isRunning(sb.id))) throw err;
          const st = await this.runtime.inspectState(sb.id);
          await this.handleDeath(sb, st?.oomKilled ? 'oom' : 'crash', st ? `exit code ${st.exitCode}` : 'container gone');
          continue;
        }
        if (!session.alive) {
          // the shell ended while an earlier command waited for input: a new shell, at most twice
          if (attempt > 1) throw new AppError('SHELL_GONE', 'The sandbox shell keeps exiting');
          continue;
        }
        sb.lastUsed = Date.now();
        const r = await session.run(command, { timeoutMs, outputCapBytes: this.config.outputCapBytes, onOutput: opts.onOutput });
        return this.afterCommand(sb, session, r);
      }
    });
  }

  /** Types into the command that is waiting for input; resolves at its next completion or quiet period. */
  async sendInput(learnerKey: string, text: string): Promise<CommandResult> {
    const sb = this.sandboxes.get(learnerKey);
    const session = sb?.session;
    if (!sb || !session?.busy) throw new AppError('NOTHING_RUNNING', 'No command is waiting for input');
    sb.lastUsed = Date.now();
    return this.afterCommand(sb, session, await session.sendInput(text));
  }

  /** Ctrl-C to the running command; resolves with its final result (undefined when nothing runs). */
  async interrupt(learnerKey: string): Promise<CommandResult | undefined> {
    const sb = this.sandboxes.get(learnerKey);
    const session = sb?.session;
    if (!sb || !session?.busy) return undefined;
    return this.afterCommand(sb, session, await session.interrupt());
  }

  async execScript(learnerKey: string, script: string, opts: ScriptOptions = {}): Promise<ScriptResult> {
    const st = this.learner(learnerKey);
    st.inFlight++;
    try {
      const sb = await this.ensureSandbox(learnerKey);
      sb.lastUsed = Date.now();
      const r = await this.runtime.exec(sb.id, script, {
        timeoutMs: this.clampTimeout(opts.timeoutMs),
        outputCapBytes: opts.outputCapBytes ?? this.config.outputCapBytes,
      });
      sb.lastUsed = Date.now();
      return r;
    } finally {
      st.inFlight--;
    }
  }

  async reset(learnerKey: string): Promise<void> {
    const sb = this.sandboxes.get(learnerKey);
    if (sb) await this.removeSandbox(sb, 'removed');
  }

  /** Addition: the container id of a learner's sandbox, if one exists. */
  containerIdOf(learnerKey: string): string | undefined {
    return this.sandboxes.get(learnerKey)?.id;
  }

  /** Addition: counts for metrics and the bench. */
  stats(): { sandboxes: number; creating: number; warm: number; queued: number } {
    return { sandboxes: this.sandboxes.size, creating: this.creating.size, warm: this.warm.length, queued: this.waiters.length };
  }

  // ---- internals ----

  private enqueue<T>(learnerKey: string, fn: () => Promise<T>): Promise<T> {
    const st = this.learner(learnerKey);
    st.inFlight++;
    const next = st.chain.then(fn, fn).finally(() => {
      st.inFlight--;
    });
    st.chain = next.catch(() => undefined);
    return next;
  }

  private learner(learnerKey: string): LearnerState {
    let st = this.learners.get(learnerKey);
    if (!st) {
      st = { chain: Promise.resolve(), commandTimes: [], inFlight: 0 };
      this.learners.set(learnerKey, st);
    }
    return st;
  }

  private checkRate(learnerKey: string): void {
    const st = this.learner(learnerKey);
    const now = Date.now();
    while (st.commandTimes.length && now - st.commandTimes[0]! > 60000) st.commandTimes.shift();
    if (st.commandTimes.length >= this.config.commandsPerMinute) {
      const waitS = Math.ceil((60000 - (now - st.commandTimes[0]!)) / 1000);
      throw new AppError('RATE_LIMITED', `You are sending commands faster than ${this.config.commandsPerMinute} a minute; try again in ${waitS} s.`);
    }
    st.commandTimes.push(now);
  }

  private clampTimeout(ms: number | undefined): number {
    const max = this.config.commandMaxTimeoutSeconds * 1000;
    const v = ms ?? this.config.commandTimeoutSeconds * 1000;
    return Math.max(1, Math.min(v, max));
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

  private async ensureSandbox(learnerKey: string): Promise<Sandbox> {
    if (this.stopped) throw new AppError('SANDBOX_MANAGER_STOPPED', 'The sandbox service is not running');
    const existing = this.sandboxes.get(learnerKey);
    if (existing && !existing.gone) return existing;
    const pending = this.creating.get(learnerKey);
    if (pending) return pending;
    const p = this.acquire(learnerKey).finally(() => {
      this.creating.delete(learnerKey);
      this.fillWarmPool();
    });
    this.creating.set(learnerKey, p);
    return p;
  }

  private async acquire(learnerKey: string): Promise<Sandbox> {
    await Promise.resolve(); // let ensureSandbox register us in `creating` first
    for (;;) {
      const pooled = this.warm.shift();
      if (pooled) {
        const sb = await this.claimWarm(learnerKey, pooled);
        if (sb) return sb;
        continue;
      }
      // `creating` includes us, so we fit when the others hold fewer than the cap
      if (this.heldSlots() - 1 < this.config.maxSandboxes) break;
      await this.waitForCapacity(learnerKey);
    }
    const info = await this.runtime.create(learnerKey, 'learner');
    if (this.stopped) {
      await this.runtime.remove(info.id);
      throw new AppError('SANDBOX_MANAGER_STOPPED', 'The sandbox service is shutting down');
    }
    const sb: Sandbox = { learnerKey, id: info.id, createdAt: info.createdAt, lastUsed: Date.now(), gone: false };
    this.sandboxes.set(learnerKey, sb);
    this.emit({ type: 'created', learnerKey, containerId: sb.id });
    return sb;
  }

  private async claimWarm(learnerKey: string, pooled: SandboxInfo): Promise<Sandbox | undefined> {
    try {
      // Labels cannot change, so the owner is written inside; start() reads it back when adopting.
      const r = await this.runtime.exec(pooled.id, `printf '%s' ${shellQuote(learnerKey)} > ${LEARNER_FILE}`, { timeoutMs: 5000, outputCapBytes: 1024 });
      if (r.exitCode !== 0) throw new AppError('SANDBOX_CLAIM_FAILED', r.output);
    } catch (err) {
      this.logger.warn({ err, containerId: pooled.id }, 'warm sandbox unusable');
      await this.runtime.remove(pooled.id);
      return undefined;
    }
    const sb: Sandbox = { learnerKey, id: pooled.id, createdAt: pooled.createdAt, lastUsed: Date.now(), gone: false };
    this.sandboxes.set(learnerKey, sb);
    this.emit({ type: 'created', learnerKey, containerId: sb.id });
    return sb;
  }

  /** Slots taken: live sandboxes, creations under way (not those waiting in line), warm ones. */
  private heldSlots(): number {
    return this.sandboxes.size + (this.creating.size - this.waiters.length) + this.warm.length + this.warmCreating;
  }

  private waitForCapacity(learnerKey: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiters.push({ learnerKey, resolve, reject });
      this.emit({ type: 'queued', learnerKey, position: this.waiters.length });
    });
  }

  /** Gives freed slots to learners in line (in order) and tells the rest their new place. */
  private releaseCapacity(): void {
    let moved = false;
    while (this.waiters.length > 0 && (this.heldSlots() < this.config.maxSandboxes || this.warm.length > 0)) {
      this.waiters.shift()!.resolve();
      moved = true;
    }
    if (moved) this.waiters.forEach((x, i) => this.emit({ type: 'queued', learnerKey: x.learnerKey, position: i + 1 }));
  }

  private fillWarmPool(): void {
    if (this.stopped) return;
    while (this.warm.length + this.warmCreating < this.config.warmPool && this.heldSlots() < this.config.maxSandboxes && this.waiters.length === 0) {
      this.warmCreating++;
      void this.runtime
        .create('', 'warm')
        .then(async (info) => {
          if (this.stopped) await this.runtime.remove(info.id);
          else this.warm.push(info);
        })
        .catch((err) => this.logger.warn({ err }, 'warm sandbox failed to start'))
        .finally(() => {
          this.warmCreating--;
          this.releaseCapacity();
        });
    }
  }

  private async ensureSession(sb: Sandbox): Promise<PtySession> {
    if (sb.session?.alive) return sb.session;
    if (sb.sessionStarting) return sb.sessionStarting;
    sb.sessionStarting = (async () => {
      const session = new PtySession({
        pty: this.runtime.openPty(sb.id, { cols: this.options.cols ?? 120, rows: this.options.rows ?? 40 }),
        quietMs: this.options.quietMs,
        outputIntervalMs: this.options.outputIntervalMs,
        probe: (pid) => this.probe(sb.id, pid),
        killProcessGroup: async (pgid) => {
          await this.runtime.exec(sb.id, `kill -9 -- -${pgid}`, { timeoutMs: 3000, outputCapBytes: 1024 });
        },
      });
      await session.start();
      sb.session = session;
      return session;
    })().finally(() => {
      sb.sessionStarting = undefined;
    });
    return sb.sessionStarting;
  }

  /** Looks at the shell's foreground process group: is something blocked reading the terminal? */
  private async probe(containerId: string, shellPid: number): Promise<ForegroundProbe> {
    const script = `B=${shellPid}; read -r s < /proc/$B/stat || exit 3; s=\${s##*) }; f=($s); tp=\${f[5]}; pg=\${f[2]}; echo "T $tp $pg"
for d in /proc/[0-9]*; do read -r s 2>/dev/null < $d/stat || continue; s=\${s##*) }; f=($s); [ "\${f[2]}" = "$tp" ] || continue
w=$(cat $d/wchan 2>/dev/null); c=$(tr '\\0' ' ' < $d/cmdline 2>/dev/null); t=; read -r sc a1 _ 2>/dev/null < $d/syscall
if [ "$sc" = 0 ] || [ "$sc" = 63 ]; then t=$(readlink $d/fd/$((a1)) 2>/dev/null); fi
echo "P \${d#/proc/}|$w|$c|$t"; done`;
    const r = await this.runtime.exec(containerId, script, { timeoutMs: 3000, outputCapBytes: 64 * 1024 });
    return parseProbe(r.output);
  }

  private async afterCommand(sb: Sandbox, session: PtySession, r: SessionResult): Promise<CommandResult> {
    const { shellExited, ...result } = r;
    const notices = result.notices ?? [];
    if (shellExited) {
      if (sb.session === session) sb.session = undefined;
      const healthy = await this.healthy(sb);
      if (!healthy.ok) {
        result.interrupted = true;
        result.exitCode = null;
        notices.push(
          healthy.oom
            ? 'Your sandbox ran out of memory and stopped. The next command starts a fresh sandbox; containers and files in the old one are gone.'
            : 'Your sandbox stopped unexpectedly. The next command starts a fresh sandbox; containers and files in the old one are gone.',
        );
      } else {
        notices.push('The shell exited; the next command starts a new shell in the same sandbox.');
      }
    } else if (/no space left on device/i.test(result.output)) {
      const df = await this.runtime.exec(sb.id, 'df -hP / /var/lib/docker 2>/dev/null | tail -n +2', { timeoutMs: 5000, outputCapBytes: 4096 }).catch(() => undefined);
      const detail = df?.output.trim() || 'no space left on device';
      this.emit({ type: 'disk-full', learnerKey: sb.learnerKey, containerId: sb.id, detail });
      notices.push('Your sandbox is out of disk space. Free some (docker system prune -a, rm big files) or reset the sandbox.');
    }
    result.notices = notices;
    sb.lastUsed = Date.now();
    return result;
  }

  /** After the shell died: is the container, and the engine inside it, still fine? */
  private async healthy(sb: Sandbox): Promise<{ ok: boolean; oom?: boolean }> {
    const st = await this.runtime.inspectState(sb.id);
    if (st?.running) {
      const r = await this.runtime.exec(sb.id, 'docker version >/dev/null 2>&1', { timeoutMs: 5000, outputCapBytes: 1024 }).catch(() => undefined);
      if (r?.exitCode === 0) return { ok: true };
    }
    await this.handleDeath(sb, st?.oomKilled ? 'oom' : 'crash', st ? `exit code ${st.exitCode}${st.error ? `: ${st.error}` : ''}` : 'container gone');
    return { ok: false, oom: st?.oomKilled };
  }

  private async handleDeath(sb: Sandbox, kind: 'oom' | 'crash', detail: string): Promise<void> {
    if (sb.gone) return;
    this.emit({ type: kind === 'oom' ? 'oom-killed' : 'crashed', learnerKey: sb.learnerKey, containerId: sb.id, detail });
    await this.removeSandbox(sb, 'removed');
  }

  private async removeSandbox(sb: Sandbox, type: 'removed' | 'reaped' | 'expired'): Promise<void> {
    if (sb.gone) return;
    sb.gone = true;
    if (this.sandboxes.get(sb.learnerKey) === sb) this.sandboxes.delete(sb.learnerKey);
    sb.session?.close();
    sb.session = undefined;
    await this.runtime.remove(sb.id);
    this.emit({ type, learnerKey: sb.learnerKey, containerId: sb.id });
    this.releaseCapacity();
    this.fillWarmPool();
  }

  private async reap(): Promise<void> {
    const now = Date.now();
    for (const sb of [...this.sandboxes.values()]) {
      if (now - sb.createdAt > this.lifetimeMs()) await this.removeSandbox(sb, 'expired');
      else if (!sb.session?.busy && !sb.sessionStarting && !this.learners.get(sb.learnerKey)?.inFlight && now - sb.lastUsed > this.config.idleMinutes * 60000)
        await this.removeSandbox(sb, 'reaped');
    }
    for (const w of [...this.warm]) {
      if (now - w.createdAt > this.lifetimeMs()) {
        this.warm.splice(this.warm.indexOf(w), 1);
        await this.runtime.remove(w.id);
      }
    }
    this.fillWarmPool();
  }

  /** Docker events catch crashes and OOM kills of idle sandboxes too. */
  private async watchEvents(): Promise<void> {
    const stream = (await this.runtime.docker.getEvents({
      filters: { type: ['container'], event: ['die', 'oom'], label: [`dockhand.app=dockhand`, `dockhand.instance=${this.instance}`] },
    })) as NodeJS.ReadableStream & { destroy?: () => void };
    this.eventStream = stream;
    const oomSeen = new Set<string>();
    let buf = '';
    stream.on('data', (chunk: Buffer) => {
      buf += chunk.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        let ev: { Action?: string; id?: string; Actor?: { Attributes?: Record<string, string> } };
        try {
          ev = JSON.parse(line);
        } catch {
          continue;
        }
        const id = ev.id ?? '';
        if (ev.Action === 'oom') oomSeen.add(id);
        if (ev.Action !== 'die') continue;
        const sb = [...this.sandboxes.values()].find((s) => s.id === id);
        if (!sb || sb.gone) continue;
        const exit = ev.Actor?.Attributes?.exitCode ?? '?';
        // Let a running command's own pty-exit path report first; both paths are idempotent.
        setTimeout(() => void this.handleDeath(sb, oomSeen.has(id) ? 'oom' : 'crash', `exit code ${exit}`), sb.session?.busy ? 2000 : 0);
      }
    });
    stream.on('error', (err) => this.logger.warn({ err }, 'docker event stream failed'));
  }

  private async assignedLearner(id: string): Promise<string | undefined> {
    const r = await this.runtime.exec(id, `cat ${LEARNER_FILE} 2>/dev/null`, { timeoutMs: 5000, outputCapBytes: 4096 }).catch(() => undefined);
    return r?.exitCode === 0 && r.output ? r.output : undefined;
  }
}

export function parseProbe(output: string): ForegroundProbe {
  const lines = output.split('\n');
  const t = lines.find((l) => l.startsWith('T '))?.split(' ');
  if (!t) return { waitingForInput: false };
  const tpgid = Number(t[1]);
  const shellPgid = Number(t[2]);
  let waiting = false;
  for (const l of lines.filter((x) => x.startsWith('P '))) {
    const [, wchan = '', cmd = '', readTarget = ''] = l.slice(2).split('|');
    // Blocked in read() on a terminal (wait_woken alone also means a socket connect, so the fd decides).
    if (/n_tty_read/.test(wchan) || /^\/dev\/(pts\/|tty|console)/.test(readTarget)) waiting = true;
    // The docker CLI with -i waits on epoll for stdin: `docker run -it`, `docker exec -it`, `docker attach`.
    if (/^docker\s/.test(cmd) && /\s(-[a-zA-Z]*i[a-zA-Z]*|--interactive|attach)(\s|$)/.test(cmd) && /ep_poll|epoll|futex/.test(wchan)) waiting = true;
  }
  return { waitingForInput: waiting, foregroundPgid: tpgid > 0 && tpgid !== shellPgid ? tpgid : undefined };
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

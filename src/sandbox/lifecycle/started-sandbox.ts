import { AppError } from '../../errors';
import type { BurstGate } from '../../kit';
import { diskSizeText } from '../isolation/docker-disk-policy';
import { probeForeground } from '../shell/foreground-probe';
import type { CheckRunOptions } from '../checks/inspectors';
import { PtySession, type SessionResult } from '../shell/pty-session';
import { reapSessionScript } from '../shell/shell-protocol';
import { parseSweep, sweepScript } from '../shell/command-sweep';
import type { SandboxRuntime } from '../engine/sandbox-runtime';
import { canMoveSandbox, isGone, type SandboxState } from './sandbox-state';
import type { CommandResult, SandboxEvent, ScriptResult } from '../types';

export interface StartedSandboxOptions {
  runtime: SandboxRuntime;
  emit(e: SandboxEvent): void;
  /** Called once when removal begins: the learner no longer has this sandbox. */
  onGone(sb: StartedSandbox): void;
  /** Called once the container is removed: its slot under the cap is free. */
  onRemoved(sb: StartedSandbox): void;
  shell: ShellOptions;
  /** A shell opened before the learner arrived (a warm sandbox's), used for the first command if still alive. */
  preopened?: PtySession;
  /** Everyone's commands being run: the sweep after a command waits for a burst of them (at most SWEEP_HOLD_MS). */
  burst?: BurstGate;
  /** The sandbox's limits, named in what the learner is told. */
  limits?: { memoryMb: number; pidsLimit: number; diskMb?: number };
  now?: () => number;
}

export interface ShellOptions {
  cols: number;
  rows: number;
  quietMs?: number;
  outputIntervalMs?: number;
}

type Removal = 'removed' | 'reaped' | 'expired';

/** The longest the sweep after a command waits for other learners' fresh commands (the learner's next one ends the wait). */
export const SWEEP_HOLD_MS = 2000;

/** Opens the pty shell of a sandbox container (nothing in it is the learner's: a warm sandbox opens one ahead). */
export async function openShell(runtime: SandboxRuntime, id: string, shell: ShellOptions): Promise<PtySession> {
  const exec = (script: string, opts: { timeoutMs: number; outputCapBytes: number }) => runtime.exec(id, script, opts);
  const session = new PtySession({
    pty: runtime.openPty(id, { cols: shell.cols, rows: shell.rows }),
    quietMs: shell.quietMs,
    outputIntervalMs: shell.outputIntervalMs,
    probe: (pid) => probeForeground(exec, pid),
    killProcessGroup: async (pgid) => {
      await exec(`kill -9 -- -${pgid}`, { timeoutMs: 3000, outputCapBytes: 1024 });
    },
    reapSession: async (shellPid, includeShell) => {
      await exec(reapSessionScript(shellPid, includeShell), { timeoutMs: 5000, outputCapBytes: 1024 });
    },
  });
  await session.start();
  return session;
}

/** One learner's running sandbox: its container, its lazily started pty shell, health and removal. */
export class StartedSandbox {
  lastUsed: number;
  private current?: PtySession;
  private starting?: Promise<PtySession>;
  private state: SandboxState = 'ready';
  private readonly now: () => number;
  private sweeping: Promise<unknown> = Promise.resolve();
  /** Processes a background sweep ended after the result went out: told with the next command. */
  private sweptLater = 0;
  /** Starts a sweep still held for a burst (the learner's next command is here). */
  private releaseSweep?: () => void;

  constructor(
    readonly learnerKey: string,
    readonly id: string,
    readonly createdAt: number,
    private readonly o: StartedSandboxOptions,
  ) {
    this.now = o.now ?? Date.now;
    this.lastUsed = this.now();
    if (o.preopened?.alive) this.current = o.preopened;
    else o.preopened?.close();
  }

  /** Removed (or being removed): the next command needs a new sandbox. */
  get gone(): boolean {
    return isGone(this.state);
  }

  /** The current shell, if one is open. */
  get shell(): PtySession | undefined {
    return this.current;
  }

  /** A command runs or the shell is starting. */
  get busy(): boolean {
    return this.current?.busy === true || this.starting !== undefined;
  }

  touch(): void {
    this.lastUsed = this.now();
  }

  /** The shell, started on first use and again after it exited. */
  session(): Promise<PtySession> {
    if (this.current?.alive) return Promise.resolve(this.current);
    this.starting ??= this.openSession().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  /** One-shot `bash -c` through the engine API, beside the shell. */
  exec(script: string, opts: { timeoutMs: number; outputCapBytes: number }): Promise<ScriptResult> {
    return this.o.runtime.exec(this.id, script, opts);
  }

  /** A check: in the sandbox's inspector, with trusted tools, never with the sandbox's own (inspectors.ts). */
  check(script: string, opts: CheckRunOptions): Promise<ScriptResult> {
    return this.o.runtime.inspectors.run(this.id, this.learnerKey, script, opts);
  }

  /** A fresh seed for per-attempt data, kept in the inspector; see Inspectors.newSeed. */
  newSeed(name: string): Promise<string> {
    return this.o.runtime.inspectors.newSeed(this.id, this.learnerKey, name);
  }

  /** Starts the inspector ahead of the first check. */
  prepareChecks(): Promise<void> {
    return this.o.runtime.inspectors.ensure(this.id, this.learnerKey).then(() => undefined);
  }

  isRunning(): Promise<boolean> {
    return this.o.runtime.isRunning(this.id);
  }

  /** Forgets a shell that exited, so the next session() opens a new one. */
  dropShell(session: PtySession): void {
    if (this.current === session) this.current = undefined;
  }

  /** Resolves once the sweep after the previous command is done (the next command waits for it). */
  settled(): Promise<void> {
    this.releaseSweep?.();
    return this.sweeping.then(() => undefined);
  }

  /** Ends what the command left running outside Docker (command-sweep.ts); how many processes that was. */
  private sweep(session: PtySession): Promise<number> {
    const done = this.exec(sweepScript(session.shellProcessId), { timeoutMs: 10_000, outputCapBytes: 1024 })
      .then((x) => parseSweep(x.output))
      .catch(() => 0);
    return done;
  }

  /**
   * The sweep after a command. When the shell saw leftovers (a hint the learner could falsify, never trusted to
   * skip the sweep) the result waits for it, so the notice is about this command; otherwise it runs after the
   * result is returned (one exec, ~0.1 s here) and what it ends is told with the next command. Either way the
   * next command waits for it.
   */
  private async sweepAfter(session: PtySession, processes: SessionResult['processes']): Promise<{ now: number; earlier: number }> {
    const earlier = this.sweptLater;
    this.sweptLater = 0;
    if ((processes?.escaped ?? 0) > 0 || (processes?.reaped ?? 0) > 0) {
      const now = this.sweep(session);
      this.sweeping = now;
      return { now: await now, earlier };
    }
    const release = new Promise<void>((go) => (this.releaseSweep = go));
    this.sweeping = Promise.race([this.o.burst?.whenQuiet(SWEEP_HOLD_MS), release])
      .then(() => this.sweep(session))
      .then((n) => void (this.sweptLater += n));
    return { now: 0, earlier };
  }

  /** Turns a session result into the learner's: crash and out-of-memory diagnosis, full disk, notices. */
  async afterCommand(session: PtySession, r: SessionResult): Promise<CommandResult> {
    // eslint-disable-next-line @typescript-eslint/no-unused-vars -- neverStarted is the manager's, not the learner's
    const { shellExited, processes, neverStarted, ...result } = r;
    const notices = result.notices ?? [];
    // Only once the command has ended: one waiting for input still owns its processes.
    const swept = !shellExited && !r.waitingForInput && session.alive ? await this.sweepAfter(session, processes) : { now: 0, earlier: 0 };
    const leftBehind = (processes?.reaped ?? 0) + swept.now;
    const limits = this.o.limits;
    if (processes) {
      if (processes.pidsHit > 0 || processes.guardKilled > 0) {
        notices.push(`Your command started too many processes (limit ${limits?.pidsLimit ?? 'reached'}); they were stopped. Your sandbox still works and nothing was deleted.`);
      }
      if (processes.oomKills > 0) {
        if (result.exitCode === 0 || result.exitCode === 137) result.exitCode = 137;
        notices.push(`A process of this command was killed: out of memory: limit ${limits ? `${limits.memoryMb} MiB` : 'reached'} (exit 137).`);
      }
    }
    if (leftBehind > 0 && !(processes && (processes.pidsHit > 0 || processes.guardKilled > 0))) {
      notices.push(
        `${leftBehind === 1 ? 'A background process' : `${leftBehind} background processes`} left running by this command ${leftBehind === 1 ? 'was' : 'were'} ended: nothing outlives its command here but containers. For something long-running, use a container (\`docker run -d ...\`).`,
      );
    }
    if (swept.earlier > 0) {
      notices.push(`${swept.earlier === 1 ? 'A background process' : `${swept.earlier} background processes`} left running by an earlier command ${swept.earlier === 1 ? 'was' : 'were'} ended: nothing outlives its command here but containers.`);
    }
    if (shellExited) {
      this.dropShell(session);
      const health = await this.healthy();
      if (!health.ok) {
        result.interrupted = true;
        result.exitCode = null;
        notices.push(
          health.oom
            ? 'Your sandbox ran out of memory and stopped. The next command starts a fresh sandbox; containers and files in the old one are gone.'
            : 'Your sandbox stopped unexpectedly. The next command starts a fresh sandbox; containers and files in the old one are gone.',
        );
      } else {
        notices.push('The shell exited; the next command starts a new shell in the same sandbox.');
      }
    } else if (/no space left on device/i.test(result.output)) {
      const df = await this.exec('df -hP / /var/lib/docker 2>/dev/null | tail -n +2', { timeoutMs: 5000, outputCapBytes: 4096 }).catch(() => undefined);
      const detail = df?.output.trim() || 'no space left on device';
      this.o.emit({ type: 'disk-full', learnerKey: this.learnerKey, containerId: this.id, detail });
      notices.push(
        limits?.diskMb
          ? `Your sandbox's disk is full (${diskSizeText(limits.diskMb)}): \`reset\` or remove images (\`docker system prune -af\`, rm big files).`
          : 'Your sandbox is out of disk space. Free some (docker system prune -a, rm big files) or reset the sandbox.',
      );
    }
    result.notices = notices;
    this.touch();
    return result;
  }

  /** After the shell died: is the container, and the engine inside it, still fine? If not it is removed. */
  async healthy(): Promise<{ ok: boolean; oom?: boolean }> {
    const st = await this.o.runtime.inspectState(this.id);
    if (st?.running) {
      // A few tries: right after a fork bomb or under heavy load the nested engine may answer late, and a
      // sandbox that still runs must not be thrown away for that (the learner would lose their work).
      for (let i = 0; i < 3; i++) {
        const r = await this.exec('docker version >/dev/null 2>&1', { timeoutMs: 5000, outputCapBytes: 1024 }).catch(() => undefined);
        if (r?.exitCode === 0) return { ok: true };
        if (i < 2 && !(await this.o.runtime.isRunning(this.id))) break;
        if (i < 2) await new Promise((res) => setTimeout(res, 1000));
      }
    }
    await this.died(st?.oomKilled ? 'oom' : 'crash', st ? `exit code ${st.exitCode}${st.error ? `: ${st.error}` : ''}` : 'container gone');
    return { ok: false, oom: st?.oomKilled };
  }

  /** The container stopped under us (found before the engine's event arrived): report and remove it. */
  async diagnoseDeath(): Promise<void> {
    const st = await this.o.runtime.inspectState(this.id);
    await this.died(st?.oomKilled ? 'oom' : 'crash', st ? `exit code ${st.exitCode}` : 'container gone');
  }

  /** Reports the death once and removes the sandbox; safe to call from both the event and the pty path. */
  async died(kind: 'oom' | 'crash', detail: string): Promise<void> {
    if (!canMoveSandbox(this.state, 'crashed')) return;
    this.state = 'crashed';
    this.o.emit({ type: kind === 'oom' ? 'oom-killed' : 'crashed', learnerKey: this.learnerKey, containerId: this.id, detail });
    await this.remove('removed');
  }

  async remove(type: Removal): Promise<void> {
    if (!canMoveSandbox(this.state, 'removing')) return;
    this.state = 'removing';
    this.o.onGone(this);
    this.detach();
    await this.o.runtime.remove(this.id);
    this.state = 'removed';
    this.o.emit({ type, learnerKey: this.learnerKey, containerId: this.id });
    this.o.onRemoved(this);
  }

  /** Closes the shell but leaves the container running (shutdown: the next start adopts it). */
  detach(): void {
    this.current?.close();
    this.current = undefined;
  }

  private async openSession(): Promise<PtySession> {
    try {
      return await this.openSessionOnce();
    } catch (err) {
      // A host starting many sandboxes at once can be slow to attach a first shell (measured: 100 learners at
      // once on 2 CPUs): one more try before the learner hears "interrupted".
      if (!(err instanceof AppError && err.code === 'SHELL_NOT_READY') || this.gone || !(await this.o.runtime.isRunning(this.id))) throw err;
      return this.openSessionOnce();
    }
  }

  private async openSessionOnce(): Promise<PtySession> {
    const session = await openShell(this.o.runtime, this.id, this.o.shell);
    this.current = session;
    return session;
  }
}

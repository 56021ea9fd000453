import { randomBytes } from 'node:crypto';
import { AppError } from '../../errors';
import type { ForegroundProbe } from './foreground-probe';
import type { Pty } from './pty';
import { MarkerScanner, SHELL_INIT, runLine, type Marker } from './shell-protocol';
import { createTerminalScreen, type TerminalScreen } from './terminal-screen';
import { recordOutput } from './command-output';
import { stopCommand } from './command-stop';
import { systemClock, type Clock } from '../../kit';
import { IdleDrain } from './idle-drain';
import { buildSessionResult, type Active, type SessionCommandOptions, type SessionResult } from './session-result';

export type { SessionCommandOptions, SessionResult } from './session-result';

export interface PtySessionOptions {
  pty: Pty;
  cols?: number;
  rows?: number;
  scrollback?: number;
  /** No output for this long while a command runs: check whether it is waiting for input. */
  quietMs?: number;
  /** Output beyond cap x floodFactor stops the command instead of running to the timeout. */
  floodFactor?: number;
  outputIntervalMs?: number;
  readyTimeoutMs?: number;
  /** Output read per second (and dropped) while no command runs; the terminal is paused past it. */
  idleBytesPerSecond?: number;
  /** Time for the idle drain (tests inject a virtual one). */
  clock?: Clock;
  /** Out-of-band look at the shell's foreground (a separate exec in the container). */
  probe(shellPid: number): Promise<ForegroundProbe>;
  killProcessGroup(pgid: number): Promise<void>;
  /** Kills what the shell's session still runs (all groups but the shell's; the shell too with includeShell), from outside the shell. */
  reapSession?(shellPid: number, includeShell: boolean): Promise<void>;
}

type Phase = 'starting' | 'idle' | 'running' | 'dead';

/** One persistent bash in the sandbox behind a pty; runs one command at a time and renders its output. */
export class PtySession {
  private phase: Phase = 'starting';
  private readonly screen: TerminalScreen;
  private readonly scanner = new MarkerScanner();
  private readonly pty: Pty;
  private readonly o: Required<Omit<PtySessionOptions, 'pty' | 'probe' | 'killProcessGroup' | 'reapSession' | 'idleBytesPerSecond' | 'clock'>>;
  private active?: Active;
  private shellPid = 0;
  private idleWaiters: Array<() => void> = [];
  private readyResolve?: () => void;
  private exitListeners: Array<(exitCode: number) => void> = [];
  private exitCode?: number;
  private readonly drain: IdleDrain;

  constructor(private readonly opts: PtySessionOptions) {
    this.pty = opts.pty;
    this.o = {
      cols: opts.cols ?? 120,
      rows: opts.rows ?? 40,
      scrollback: opts.scrollback ?? 10000,
      quietMs: opts.quietMs ?? 1500,
      floodFactor: opts.floodFactor ?? 8,
      outputIntervalMs: opts.outputIntervalMs ?? 1000,
      readyTimeoutMs: opts.readyTimeoutMs ?? 10000,
    };
    this.drain = new IdleDrain({
      budgetBytes: opts.idleBytesPerSecond ?? 8192,
      windowMs: 1000,
      clock: opts.clock ?? systemClock,
      pause: () => this.pty.pause?.(),
      resume: () => this.pty.resume?.(),
    });
    this.screen = createTerminalScreen({ cols: this.o.cols, rows: this.o.rows, scrollback: this.o.scrollback });
    this.screen.onReply((data) => {
      if (this.active) this.pty.write(data);
    });
    this.pty.onData((chunk) => this.onData(chunk));
    this.pty.exit.then(({ exitCode }) => this.onExit(exitCode)).catch(ignore);
  }

  get alive(): boolean {
    return this.phase !== 'dead';
  }

  /** The shell's pid in the sandbox (0 until it started). */
  get shellProcessId(): number {
    return this.shellPid;
  }

  get busy(): boolean {
    return this.active !== undefined;
  }

  get isWaitingForInput(): boolean {
    return this.active?.waiting === true;
  }

  onShellExit(listener: (exitCode: number) => void): void {
    if (this.exitCode !== undefined) listener(this.exitCode);
    else this.exitListeners.push(listener);
  }

  /** Sends the shell set-up and waits for its first marker. */
  async start(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        this.readyResolve = resolve;
        timer = setTimeout(() => reject(new AppError('SHELL_NOT_READY', 'The sandbox shell did not start in time')), this.o.readyTimeoutMs);
        this.onShellExit((code) => reject(new AppError('SHELL_NOT_READY', `The sandbox shell exited while starting (code ${code})`)));
        this.pty.write(SHELL_INIT);
      });
    } catch (err) {
      this.close();
      throw err;
    } finally {
      clearTimeout(timer);
      this.readyResolve = undefined;
    }
  }

  /** Resolves when no command is attached (finished, interrupted or timed out). */
  whenIdle(): Promise<void> {
    if (!this.active) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  run(command: string, opts: SessionCommandOptions): Promise<SessionResult> {
    if (this.phase === 'dead') return Promise.reject(new AppError('SHELL_GONE', 'The sandbox shell has exited'));
    if (this.active || this.phase !== 'idle') return Promise.reject(new AppError('SHELL_BUSY', 'A command is already running in this shell'));
    // 128 random bits per command: a marker the learner cannot guess (shell-protocol.ts keeps it out of reach).
    const nonce = randomBytes(16).toString('hex');
    const a: Active = {
      nonce,
      startedAt: Date.now(),
      opts,
      totalBytes: 0,
      tail: [],
      tailBytes: 0,
      timedOut: false,
      interrupted: false,
      flooded: false,
      waiting: false,
      stopping: false,
      notices: [],
      probing: false,
      finished: false,
    };
    this.active = a;
    this.phase = 'running';
    this.drain.stop();
    this.screen.clear();
    const result = this.attach(a);
    this.pty.write(runLine(nonce, command));
    return result;
  }

  /** Types text into the running command; resolves like run() at its next completion, quiet period or timeout. */
  sendInput(text: string): Promise<SessionResult> {
    const a = this.active;
    if (!a) return Promise.reject(new AppError('NOTHING_RUNNING', 'No command is waiting for input'));
    const result = this.attach(a);
    this.pty.write(text);
    return result;
  }

  /** Ctrl-C to the foreground; resolves with the command's final result. */
  interrupt(): Promise<SessionResult> {
    const a = this.active;
    if (!a) return Promise.reject(new AppError('NOTHING_RUNNING', 'No command is running'));
    a.interrupted = true;
    const result = this.attach(a);
    this.stop(a).catch(ignore);
    return result;
  }

  /** Bytes the terminal sent while no command ran (read at a bounded rate and dropped). */
  get droppedIdleBytes(): number {
    return this.drain.dropped;
  }

  close(): void {
    this.drain.stop();
    this.pty.terminate();
  }

  private attach(a: Active): Promise<SessionResult> {
    const previous = a.pending;
    a.waiting = false;
    const p = new Promise<SessionResult>((resolve) => {
      a.pending = (r) => {
        previous?.(r);
        resolve(r);
      };
    });
    // The timeout counts from the latest interaction, so an interactive program ends if abandoned.
    clearTimeout(a.timeoutTimer);
    a.timeoutTimer = setTimeout(() => {
      a.timedOut = true;
      this.stop(a).catch(ignore);
    }, a.opts.timeoutMs);
    this.armQuiet(a);
    if (a.opts.onOutput && !a.outputTimer) {
      a.outputTimer = setInterval(() => {
        if (a.totalBytes > a.opts.outputCapBytes) return;
        const text = this.screen.text();
        if (text !== a.lastSent) {
          a.lastSent = text;
          try {
            a.opts.onOutput?.(text);
          } catch {
            // a listener's failure must not break the command
          }
        }
      }, this.o.outputIntervalMs);
    }
    return p;
  }

  private armQuiet(a: Active): void {
    clearTimeout(a.quietTimer);
    if (a.waiting || a.stopping || a.finished || !a.pending) return;
    a.quietTimer = setTimeout(() => this.checkWaiting(a).catch(ignore), this.o.quietMs);
  }

  private async checkWaiting(a: Active): Promise<void> {
    if (this.active !== a || a.stopping || a.probing || !a.pending) return;
    a.probing = true;
    let probe: ForegroundProbe = { waitingForInput: false };
    try {
      probe = await this.opts.probe(this.shellPid);
    } catch {
      // the probe can fail when the pids limit is exhausted: treat as busy
    } finally {
      a.probing = false;
    }
    if (this.active !== a || a.stopping || a.finished || !a.pending) return;
    if (!probe.waitingForInput) {
      this.armQuiet(a);
      return;
    }
    a.waiting = true;
    await this.screen.write('');
    if (a.finished) return;
    const pending = a.pending;
    a.pending = undefined;
    clearTimeout(a.quietTimer);
    pending?.(await buildSessionResult(a, this.screen, this.o, null, true));
  }

  /** Ctrl-C, then kill the foreground process group, then give up on the shell (command-stop.ts). */
  private stop(a: Active): Promise<void> {
    return stopCommand(a, {
      write: (data) => this.pty.write(data),
      terminate: () => this.pty.terminate(),
      shellPid: () => this.shellPid,
      probe: (pid) => this.opts.probe(pid),
      killProcessGroup: (pgid) => this.opts.killProcessGroup(pgid),
      reapSession: this.opts.reapSession && ((pid, includeShell) => this.opts.reapSession!(pid, includeShell)),
      done: () => this.active !== a || a.finished,
    });
  }

  private onData(chunk: string): void {
    // Between commands nobody reads the terminal: drop what arrives, at a bounded rate (idle-drain.ts).
    if (this.phase === 'idle' && !this.active) {
      this.drain.take(Buffer.byteLength(chunk));
      return;
    }
    this.scanner.push(
      chunk,
      (text) => this.onText(text),
      (m) => this.onMarker(m),
    );
  }

  private onText(text: string): void {
    const a = this.active;
    // Between commands (and during set-up) output belongs to nobody; so does what was left in the terminal from
    // then when a command is typed, up to the shell's "about to run" marker (the shell itself prints nothing there).
    if (!a || a.finished || !a.started) return;
    const { render, stop } = recordOutput(a, text, this.o.floodFactor);
    if (render) this.screen.write(text).catch(ignore);
    if (stop) this.stop(a).catch(ignore);
    if (!a.waiting) this.armQuiet(a);
  }

  private onMarker(m: Marker): void {
    if (this.phase === 'starting' && m.nonce === 'init') {
      this.shellPid = m.shellPid;
      this.phase = 'idle';
      this.readyResolve?.();
      return;
    }
    const a = this.active;
    if (m.started) {
      if (a && !a.finished) a.started = true;
      return;
    }
    if (!a || m.nonce !== a.nonce) return;
    this.shellPid = m.shellPid || this.shellPid;
    a.marker = m;
    this.finish(a, a.timedOut || a.interrupted ? null : m.exitCode).catch(ignore);
  }

  private onExit(exitCode: number): void {
    this.phase = 'dead';
    this.exitCode = exitCode;
    const a = this.active;
    if (a) this.finish(a, null, { exitCode }).catch(ignore);
    for (const l of this.exitListeners.splice(0)) l(exitCode);
  }

  private async finish(a: Active, exitCode: number | null, shellExited?: { exitCode: number }): Promise<void> {
    if (this.active !== a || a.finished) return;
    a.finished = true;
    clearTimeout(a.quietTimer);
    clearTimeout(a.timeoutTimer);
    clearInterval(a.outputTimer);
    await this.screen.write('');
    const result = await buildSessionResult(a, this.screen, this.o, exitCode, false);
    this.active = undefined;
    if (this.phase !== 'dead') this.phase = 'idle';
    if (shellExited) {
      result.shellExited = shellExited;
      // The shell died before running it (between commands): the manager may run it again in a new shell.
      if (!a.started) result.neverStarted = true;
      // `exit 3` ends the shell normally: report its code like any command.
      if (!a.timedOut && !a.interrupted && !a.flooded) result.exitCode = shellExited.exitCode;
    }
    const pending = a.pending;
    a.pending = undefined;
    pending?.(result);
    for (const w of this.idleWaiters.splice(0)) w();
  }
}

/** Background steps report through the command's result; a failure in one must not become an unhandled rejection. */
const ignore = (): void => undefined;

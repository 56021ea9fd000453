import type { WebSocket } from 'ws';
import { systemClock, type Clock } from '../kit';
import type { Logger } from '../logger';
import { CommandEndScanner } from './command-end-scanner';
import { CommandGate } from './command-gate';
import type { PlaygroundLearner } from './learner-tokens';

/** The pseudo-terminal of a shell in the learner's sandbox, as the hub uses it. */
export interface TerminalPty {
  onData(listener: (data: string) => void): void;
  write(data: string): void;
  resize(cols: number, rows: number): void;
  exit: Promise<unknown>;
  terminate(): void;
  pause?(): void;
  resume?(): void;
}

export interface TerminalOpener {
  open(who: PlaygroundLearner, size: { cols: number; rows: number }): Promise<TerminalPty>;
  /** The sandbox counts as used (the idle reaper spares it while someone types). */
  touch(who: PlaygroundLearner): Promise<void>;
}

export interface TerminalHubOptions {
  opener: TerminalOpener;
  /** The shell's command-end cue (stripped from the stream). */
  mark: string;
  /** A command ended in the learner's terminal (called at most once per checkGapMs, the last one never lost). */
  onCommandEnd(who: PlaygroundLearner): void;
  /** Counts a line entered in the terminal against the learner's command budget (chat's): undefined lets it through, a text refuses it. */
  admitCommand?(who: PlaygroundLearner): string | undefined;
  log: Logger;
  clock?: Clock;
  /** How long a shell outlives its page (a network blip, a reload): the next connection reattaches to it. */
  keepMs?: number;
  /** Output sent per second; beyond it the terminal is paused until the next second (a flood cannot swamp the bot). */
  bytesPerSecond?: number;
  /** Output kept for a reattaching page. */
  replayBytes?: number;
  checkGapMs?: number;
}

const MAX_INPUT = 64 * 1024;
const TOUCH_EVERY_MS = 30_000;
const WATCH_NO_TERMINAL = "\x1b[33m[read-only: the learner has no terminal open; what they type shows here once they open one]\x1b[0m\r\n";
export const CLOSE = { replaced: 4001, shellEnded: 4002, failed: 4003 } as const;

interface Terminal {
  who: PlaygroundLearner;
  pty: TerminalPty;
  socket?: WebSocket;
  replay: string;
  scanner: CommandEndScanner;
  keepTimer?: unknown;
  windowStart: number;
  windowBytes: number;
  paused: boolean;
  lastTouch: number;
  checkAt: number;
  checkTimer?: unknown;
  gate?: CommandGate;
}

const keyOf = (w: PlaygroundLearner) => `${w.teamId}:${w.userId}`;

/**
 * One interactive terminal per learner, attached to at most one page at a time. A page that goes away leaves the
 * shell running keepMs for the next page (a reconnect replays recent output); a second page takes the terminal
 * over. Output is rate-limited like the chat shell's idle output: the pty is paused past the budget.
 */
export class TerminalHub {
  private readonly terminals = new Map<string, Terminal>();
  private readonly opening = new Map<string, Promise<Terminal>>();
  /** Admins watching a learner's terminal (read-only), by learner: kept across the learner's reconnects and new shells. */
  private readonly watchers = new Map<string, Set<WebSocket>>();
  private readonly clock: Clock;
  private readonly o: Required<Pick<TerminalHubOptions, 'keepMs' | 'bytesPerSecond' | 'replayBytes' | 'checkGapMs'>>;
  private closed = false;

  constructor(private readonly opts: TerminalHubOptions) {
    this.clock = opts.clock ?? systemClock;
    this.o = { keepMs: opts.keepMs ?? 60_000, bytesPerSecond: opts.bytesPerSecond ?? 256 * 1024, replayBytes: opts.replayBytes ?? 64 * 1024, checkGapMs: opts.checkGapMs ?? 1500 };
  }

  /** Attaches a page's socket to the learner's terminal, opening one (and the sandbox) if needed. */
  async attach(who: PlaygroundLearner, socket: WebSocket, size: { cols: number; rows: number }): Promise<void> {
    const key = keyOf(who);
    // typed while the sandbox starts: kept (up to a bound) and written once the shell is there
    const early: string[] = [];
    const attached: { to?: Terminal } = {};
    socket.on('message', (raw, isBinary) => {
      const text = isBinary ? '' : raw.toString();
      if (attached.to) this.onMessage(attached.to, socket, text);
      else if (early.length < 64) early.push(text);
    });
    let t = this.terminals.get(key);
    const reattached = !!t;
    if (!t) {
      let opening = this.opening.get(key);
      if (!opening) {
        opening = this.open(who, size).finally(() => this.opening.delete(key));
        this.opening.set(key, opening);
      }
      t = await opening;
    }
    if (socket.readyState !== socket.OPEN) return this.detached(t, socket);
    if (t.socket && t.socket !== socket) t.socket.close(CLOSE.replaced, 'opened in another page');
    t.socket = socket;
    this.clock.clearTimeout(t.keepTimer);
    t.keepTimer = undefined;
    this.sendJson(t, { t: 'ready', reattached }, false);
    if (reattached && t.replay) this.sendJson(t, { t: 'o', d: t.replay }, false);
    t.pty.resize(size.cols, size.rows);
    attached.to = t;
    for (const text of early.splice(0)) this.onMessage(t, socket, text);
    socket.on('close', () => this.detached(t, socket));
  }

  /**
   * An admin watching the learner's terminal: they get its output (recent output first) and the step
   * changes; nothing they send is read, so no key, paste or resize of theirs ever reaches the shell.
   */
  watch(who: PlaygroundLearner, socket: WebSocket): void {
    const key = keyOf(who);
    const set = this.watchers.get(key) ?? new Set<WebSocket>();
    this.watchers.set(key, set);
    set.add(socket);
    socket.on('close', () => {
      set.delete(socket);
      if (set.size === 0 && this.watchers.get(key) === set) this.watchers.delete(key);
    });
    const send = (m: object) => socket.send(JSON.stringify(m));
    send({ t: 'ready', reattached: true, readOnly: true });
    const t = this.terminals.get(key);
    if (t?.replay) send({ t: 'o', d: t.replay });
    else if (!t) send({ t: 'o', d: WATCH_NO_TERMINAL });
  }

  /** Something for the learner's page (their step changed). */
  notify(who: PlaygroundLearner, message: object): void {
    const t = this.terminals.get(keyOf(who));
    if (t) this.sendJson(t, message);
  }

  get size(): number {
    return this.terminals.size;
  }

  /** Ends every terminal (the bot stops); the sandboxes stay. */
  close(): void {
    this.closed = true;
    for (const t of [...this.terminals.values()]) this.end(t, 'the bot is stopping');
  }

  private async open(who: PlaygroundLearner, size: { cols: number; rows: number }): Promise<Terminal> {
    const pty = await this.opts.opener.open(who, size);
    const now = this.clock.now();
    const t: Terminal = { who, pty, replay: '', scanner: new CommandEndScanner(this.opts.mark), windowStart: now, windowBytes: 0, paused: false, lastTouch: now, checkAt: -Infinity };
    const admit = this.opts.admitCommand;
    if (admit) t.gate = new CommandGate(() => admit(who));
    if (this.closed) {
      pty.terminate();
      throw new Error('the playground is stopping');
    }
    this.terminals.set(keyOf(who), t);
    pty.onData((d) => this.onOutput(t, d));
    pty.exit.then(() => this.end(t, 'shell ended')).catch(() => undefined);
    return t;
  }

  private onOutput(t: Terminal, chunk: string): void {
    const { text, ends } = t.scanner.push(chunk);
    if (ends) this.commandEnded(t);
    if (!text) return;
    t.gate?.output(text);
    t.replay = (t.replay + text).slice(-this.o.replayBytes);
    this.sendJson(t, { t: 'o', d: text });
    const now = this.clock.now();
    if (now - t.windowStart >= 1000) {
      t.windowStart = now;
      t.windowBytes = 0;
    }
    t.windowBytes += Buffer.byteLength(text);
    if (t.windowBytes > this.o.bytesPerSecond && !t.paused && t.pty.pause) {
      t.paused = true;
      t.pty.pause();
      this.clock.setTimeout(() => {
        t.paused = false;
        t.windowStart = this.clock.now();
        t.windowBytes = 0;
        t.pty.resume?.();
      }, Math.max(1, 1000 - (now - t.windowStart)));
    }
  }

  /** At most one check per gap; a command ending during the gap gets one when it is over. */
  private commandEnded(t: Terminal): void {
    if (t.checkTimer !== undefined) return;
    const wait = Math.max(0, t.checkAt + this.o.checkGapMs - this.clock.now());
    const fire = () => {
      t.checkTimer = undefined;
      t.checkAt = this.clock.now();
      this.opts.onCommandEnd(t.who);
    };
    if (wait === 0) fire();
    else t.checkTimer = this.clock.setTimeout(fire, wait);
  }

  private onMessage(t: Terminal, socket: WebSocket, raw: string): void {
    if (t.socket !== socket || raw.length > MAX_INPUT * 2) return;
    let m: { t?: unknown; d?: unknown; cols?: unknown; rows?: unknown };
    try {
      m = JSON.parse(raw) as typeof m;
    } catch {
      return;
    }
    if (m.t === 'i' && typeof m.d === 'string' && m.d.length <= MAX_INPUT) {
      const { write, notice } = t.gate ? t.gate.input(m.d) : { write: m.d };
      if (write) t.pty.write(write);
      // on a line of its own, in the terminal's yellow; the refused line stays in the shell for a later Enter
      if (notice) this.sendJson(t, { t: 'o', d: `\r\n\x1b[33m${notice}\x1b[0m\r\n` });
      const now = this.clock.now();
      if (now - t.lastTouch >= TOUCH_EVERY_MS) {
        t.lastTouch = now;
        this.opts.opener.touch(t.who).catch((err: unknown) => this.opts.log.debug({ err }, 'marking the sandbox used failed'));
      }
    } else if (m.t === 'r' && isDim(m.cols, 500) && isDim(m.rows, 200)) {
      t.pty.resize(m.cols, m.rows);
    }
  }

  private detached(t: Terminal, socket: WebSocket): void {
    if (t.socket !== socket && t.socket !== undefined) return;
    t.socket = undefined;
    if (this.terminals.get(keyOf(t.who)) !== t) return;
    this.clock.clearTimeout(t.keepTimer);
    t.keepTimer = this.clock.setTimeout(() => this.end(t, 'no page for a while'), this.o.keepMs);
  }

  private end(t: Terminal, why: string): void {
    if (this.terminals.get(keyOf(t.who)) === t) this.terminals.delete(keyOf(t.who));
    this.clock.clearTimeout(t.keepTimer);
    this.clock.clearTimeout(t.checkTimer);
    t.pty.terminate();
    this.toWatchers(t, { t: 'o', d: `\r\n\x1b[33m[the learner's terminal closed: ${why}]\x1b[0m\r\n` });
    if (t.socket) {
      this.sendJson(t, { t: 'exit', why }, false);
      t.socket.close(CLOSE.shellEnded, why.slice(0, 100));
      t.socket = undefined;
    }
  }

  /** To the learner's page and, unless `watched` is false, to the admins watching it. */
  private sendJson(t: Terminal, message: object, watched = true): void {
    if (t.socket?.readyState === t.socket?.OPEN) t.socket?.send(JSON.stringify(message));
    if (watched) this.toWatchers(t, message);
  }

  private toWatchers(t: Terminal, message: object): void {
    const set = this.watchers.get(keyOf(t.who));
    if (!set) return;
    const text = JSON.stringify(message);
    for (const ws of set) if (ws.readyState === ws.OPEN) ws.send(text);
  }
}

const isDim = (v: unknown, max: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= max;

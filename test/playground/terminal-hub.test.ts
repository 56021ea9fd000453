import { EventEmitter } from 'node:events';
import type { WebSocket } from 'ws';
import type { Clock } from '../../src/kit';
import { CLOSE, TerminalHub, type TerminalPty } from '../../src/playground/terminal-hub';

const MARK = '\x1b]6973;end\x07';
const who = { teamId: 'T0TEAM', userId: 'U0ONE' };
const noLog = { debug: () => undefined, warn: () => undefined, info: () => undefined } as never;

class FakeClock implements Clock {
  t = 0;
  timers: { at: number; fn: () => void; id: number }[] = [];
  private next = 1;
  now = () => this.t;
  setTimeout = (fn: () => void, ms: number) => {
    const id = this.next++;
    this.timers.push({ at: this.t + ms, fn, id });
    return id;
  };
  clearTimeout = (id: unknown) => {
    this.timers = this.timers.filter((x) => x.id !== id);
  };
  advance(ms: number): void {
    this.t += ms;
    for (const due of this.timers.filter((x) => x.at <= this.t)) {
      this.timers = this.timers.filter((x) => x !== due);
      due.fn();
    }
  }
}

class FakePty implements TerminalPty {
  written: string[] = [];
  paused = false;
  terminated = false;
  private listener?: (d: string) => void;
  private done!: () => void;
  exit = new Promise<void>((r) => (this.done = r));
  onData(l: (d: string) => void) {
    this.listener = l;
  }
  emit(d: string) {
    this.listener?.(d);
  }
  write(d: string) {
    this.written.push(d);
  }
  resize() {}
  terminate() {
    this.terminated = true;
    this.done();
  }
  pause() {
    this.paused = true;
  }
  resume() {
    this.paused = false;
  }
}

class FakeSocket extends EventEmitter {
  readonly OPEN = 1;
  readyState = 1;
  sent: { t: string; d?: string; reattached?: boolean }[] = [];
  closedWith?: number;
  send(s: string) {
    this.sent.push(JSON.parse(s) as { t: string });
  }
  close(code: number) {
    this.closedWith = code;
    this.readyState = 3;
    this.emit('close');
  }
  output() {
    return this.sent.filter((m) => m.t === 'o').map((m) => m.d).join('');
  }
}

function hub(opts: { bytesPerSecond?: number } = {}) {
  const clock = new FakeClock();
  const ptys: FakePty[] = [];
  const checks: string[] = [];
  const h = new TerminalHub({
    opener: { open: async () => (ptys.push(new FakePty()), ptys.at(-1)!), touch: async () => undefined },
    mark: MARK,
    onCommandEnd: (w) => checks.push(w.userId),
    log: noLog,
    clock,
    keepMs: 60_000,
    bytesPerSecond: opts.bytesPerSecond,
  });
  const attach = async () => {
    const s = new FakeSocket();
    await h.attach(who, s as unknown as WebSocket, { cols: 80, rows: 24 });
    return s;
  };
  return { h, clock, ptys, checks, attach };
}

describe('the terminal hub', () => {
  it('input typed before the shell is there reaches it; output reaches the page without the cue', async () => {
    const { ptys, attach, checks } = hub();
    const s = await attach();
    s.emit('message', Buffer.from(JSON.stringify({ t: 'i', d: 'ls\r' })), false);
    expect(ptys[0]!.written).toEqual(['ls\r']);
    ptys[0]!.emit(`file\r\n${MARK}$ `);
    expect(s.output()).toBe('file\r\n$ ');
    expect(checks).toEqual(['U0ONE']);
    // junk and oversize messages are ignored
    s.emit('message', Buffer.from('not json'), false);
    s.emit('message', Buffer.from(JSON.stringify({ t: 'r', cols: 100000, rows: 1 })), false);
    expect(ptys[0]!.written).toEqual(['ls\r']);
  });

  it('checks at most once per gap, and the last command end is never lost', async () => {
    const { ptys, attach, checks, clock } = hub();
    await attach();
    ptys[0]!.emit(MARK);
    ptys[0]!.emit(MARK);
    ptys[0]!.emit(MARK);
    expect(checks).toHaveLength(1);
    clock.advance(1500);
    expect(checks).toHaveLength(2);
  });

  it('a page that goes away leaves the shell for the next one (with recent output); after keepMs it ends', async () => {
    const { ptys, attach, clock } = hub();
    const first = await attach();
    ptys[0]!.emit('hello\r\n');
    first.close(1006);
    clock.advance(59_000);
    const second = await attach();
    expect(ptys).toHaveLength(1);
    expect(second.sent[0]).toEqual({ t: 'ready', reattached: true });
    expect(second.output()).toBe('hello\r\n');
    // a third page takes it over
    const third = await attach();
    expect(second.closedWith).toBe(CLOSE.replaced);
    third.close(1006);
    clock.advance(60_000);
    expect(ptys[0]!.terminated).toBe(true);
    await attach();
    expect(ptys).toHaveLength(2);
  });

  it('a flood pauses the shell for the rest of the second', async () => {
    const { ptys, attach, clock } = hub({ bytesPerSecond: 1000 });
    await attach();
    ptys[0]!.emit('x'.repeat(600));
    expect(ptys[0]!.paused).toBe(false);
    ptys[0]!.emit('x'.repeat(600));
    expect(ptys[0]!.paused).toBe(true);
    clock.advance(1000);
    expect(ptys[0]!.paused).toBe(false);
  });

  it('a shell that ends (a sandbox reset) tells the page, which opens a new one', async () => {
    const { ptys, attach } = hub();
    const s = await attach();
    ptys[0]!.terminate();
    await new Promise((r) => setImmediate(r));
    expect(s.sent.at(-1)).toEqual({ t: 'exit', why: 'shell ended' });
    expect(s.closedWith).toBe(CLOSE.shellEnded);
    await attach();
    expect(ptys).toHaveLength(2);
  });
});

describe('the terminal hub and the command budget', () => {
  it('a refused line never reaches the shell; the terminal shows why on a line of its own', async () => {
    const clock = new FakeClock();
    const pty = new FakePty();
    let left = 1;
    const h = new TerminalHub({ opener: { open: async () => pty, touch: async () => undefined }, mark: MARK, onCommandEnd: () => undefined, log: noLog, clock, admitCommand: () => (left-- > 0 ? undefined : 'Slow down: too many commands.') });
    const s = new FakeSocket();
    await h.attach(who, s as unknown as WebSocket, { cols: 80, rows: 24 });
    const type = (d: string) => s.emit('message', Buffer.from(JSON.stringify({ t: 'i', d })), false);
    type('ls\r');
    type('rm -rf /tmp/x\r');
    expect(pty.written).toEqual(['ls\r', 'rm -rf /tmp/x']);
    expect(s.output()).toBe('\r\n\x1b[33mSlow down: too many commands.\x1b[0m\r\n');
  });
});

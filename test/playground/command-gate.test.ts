import { SlidingWindowLimiter } from '../../src/kit';
import { CommandGate } from '../../src/playground/command-gate';

/** A gate over a real sliding window of 3 commands a minute on a clock the test moves. */
function gate() {
  let now = 0;
  const window = new SlidingWindowLimiter({ limit: 3, windowMs: 60_000, now: () => now });
  const g = new CommandGate(() => (window.take('T:U').allowed ? undefined : 'slow down'));
  return { g, advance: (ms: number) => (now += ms) };
}

describe('CommandGate: lines entered in the terminal count against the command budget', () => {
  it('lets the budget through, then drops the Enter (the line stays typed) until the window frees it', () => {
    const { g, advance } = gate();
    for (const cmd of ['ls\r', 'pwd\r', 'id\r']) expect(g.input(cmd)).toEqual({ write: cmd });
    expect(g.input('docker ps')).toEqual({ write: 'docker ps' });
    expect(g.input('\r')).toEqual({ write: '', notice: 'slow down' });
    // pressing Enter again before the minute is up is refused again; nothing reaches the shell
    advance(59_999);
    expect(g.input('\r')).toEqual({ write: '', notice: 'slow down' });
    advance(1);
    expect(g.input('\r')).toEqual({ write: '\r' });
  });

  it('a bare Enter, or a line cleared with Ctrl-C or Ctrl-U, costs nothing', () => {
    const { g } = gate();
    for (let i = 0; i < 10; i++) expect(g.input('\r')).toEqual({ write: '\r' });
    expect(g.input('rm -rf x\x03\r')).toEqual({ write: 'rm -rf x\x03\r' });
    expect(g.input('oops\x15\r')).toEqual({ write: 'oops\x15\r' });
    for (const cmd of ['a\r', 'b\r', 'c\r']) expect(g.input(cmd).notice).toBeUndefined();
    expect(g.input('d\r').notice).toBe('slow down');
  });

  it('a pasted script counts each line: what passes the budget is written, the rest dropped', () => {
    const { g } = gate();
    expect(g.input('one\rtwo\r\rthree\rfour\rfive\r')).toEqual({ write: 'one\rtwo\r\rthree\rfour', notice: 'slow down' });
    // recalling a line from history (an arrow key) and entering it is a command too
    expect(g.input('\x1b[A\r').notice).toBe('slow down');
  });

  it('lines inside a full-screen program (an editor) are text, not commands; after it, lines count again', () => {
    const { g } = gate();
    g.output('\x1b[?1049h\x1b[22;0;0t');
    for (let i = 0; i < 20; i++) expect(g.input(`line ${i}\r`)).toEqual({ write: `line ${i}\r` });
    g.output('\x1b[?1049l');
    for (const cmd of ['a\r', 'b\r', 'c\r']) expect(g.input(cmd).notice).toBeUndefined();
    expect(g.input('d\r').notice).toBe('slow down');
  });
});

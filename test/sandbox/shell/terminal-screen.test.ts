import { createTerminalScreen } from '../../../src/sandbox/shell/terminal-screen';

describe('terminal screen', () => {
  it('collapses carriage-return progress to the final line and drops colours', async () => {
    const s = createTerminalScreen({ cols: 80, rows: 10, scrollback: 100 });
    await s.write('Pulling 10%\rPulling 50%\rPulling 100%\r\n\x1b[32mdone\x1b[0m\r\n');
    expect(s.text()).toBe('Pulling 100%\ndone');
    s.dispose();
  });

  it('joins soft-wrapped lines back into one', async () => {
    const s = createTerminalScreen({ cols: 10, rows: 5, scrollback: 100 });
    await s.write('abcdefghijklmnopqrstuvwxyz\r\n');
    expect(s.text()).toBe('abcdefghijklmnopqrstuvwxyz');
    s.dispose();
  });

  it('answers a cursor position query so programs that ask do not hang', async () => {
    const s = createTerminalScreen({ cols: 80, rows: 10, scrollback: 100 });
    const replies: string[] = [];
    s.onReply((d) => replies.push(d));
    await s.write('ab\x1b[6n');
    expect(replies.join('')).toBe('\x1b[1;3R');
    s.dispose();
  });

  it('reports overflow once lines scroll out of the scrollback', async () => {
    const s = createTerminalScreen({ cols: 20, rows: 5, scrollback: 10 });
    await s.write(Array.from({ length: 30 }, (_, i) => `line ${i}`).join('\r\n'));
    expect(s.overflowed()).toBe(true);
    expect(s.text().split('\n').pop()).toBe('line 29');
    s.dispose();
  });
});

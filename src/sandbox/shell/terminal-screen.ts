import { Terminal } from '@xterm/headless';

/** A headless terminal emulator: feed it bytes, read back what a person would see as plain text. */
export interface TerminalScreen {
  write(data: string): Promise<void>;
  /** Screen plus scrollback of the active buffer, wrapped lines joined, trailing blanks trimmed. */
  text(): string;
  /** True when lines scrolled out of the scrollback (the text is only the tail). */
  overflowed(): boolean;
  /** Replies the emulator sends back (answers to ESC[6n and friends): wire them to the pty. */
  onReply(listener: (data: string) => void): void;
  clear(): void;
  dispose(): void;
}

export function createTerminalScreen(opts: { cols: number; rows: number; scrollback: number }): TerminalScreen {
  const term = new Terminal({ cols: opts.cols, rows: opts.rows, scrollback: opts.scrollback, allowProposedApi: true, logLevel: 'off' });
  return {
    write: (data) => new Promise((resolve) => term.write(data, resolve)),
    text: () => {
      const buf = term.buffer.active;
      const lines: string[] = [];
      for (let i = 0; i < buf.length; i++) {
        const line = buf.getLine(i);
        if (!line) continue;
        const s = line.translateToString(true);
        if (line.isWrapped && lines.length > 0) lines[lines.length - 1] += s;
        else lines.push(s);
      }
      while (lines.length > 0 && lines[lines.length - 1]!.trim() === '') lines.pop();
      return lines.map((l) => l.replace(/\s+$/, '')).join('\n');
    },
    overflowed: () => term.buffer.normal.baseY >= opts.scrollback,
    onReply: (listener) => {
      term.onData(listener);
    },
    clear: () => term.reset(),
    dispose: () => term.dispose(),
  };
}

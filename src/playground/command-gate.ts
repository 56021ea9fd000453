/** The learner's command budget, shared with chat: undefined lets the command through, a text refuses it. */
export type AdmitCommand = () => string | undefined;

// a full-screen program (vim, nano, top, less) switches to the alternate screen and back
// eslint-disable-next-line no-control-regex -- the escape sequence is what is matched
const ALT_SCREEN = /\x1b\[\?(?:1049|1047|47)([hl])/g;

/**
 * Counts the lines a learner enters in the terminal against the same per-minute command budget as chat
 * commands, so typing in the browser is no way around chat's limit. A line counts when Enter ends something
 * typed (a command at the prompt, a command typed ahead, input to a waiting program: chat counts those too);
 * a bare Enter does not, nor do lines inside a full-screen program (an editor's Enter is a new line of text,
 * not a command). Over the budget, the Enter and whatever followed it in the same chunk are dropped, so the
 * line stays in the shell's editor for when the budget allows it again.
 */
export class CommandGate {
  private typed = false;
  private fullScreen = false;

  constructor(private readonly admit: AdmitCommand) {}

  /** The terminal's output, watched for full-screen programs starting and ending. */
  output(text: string): void {
    let last: string | undefined;
    for (const m of text.matchAll(ALT_SCREEN)) last = m[1];
    if (last === undefined) return;
    this.fullScreen = last === 'h';
    this.typed = false;
  }

  /** What of the learner's input reaches the shell, and the notice to show when a line was refused. */
  input(data: string): { write: string; notice?: string } {
    if (this.fullScreen) return { write: data };
    for (let i = 0; i < data.length; i++) {
      const c = data[i]!;
      if (c === '\x03' || c === '\x15') this.typed = false; // Ctrl-C, Ctrl-U: the line is gone
      else if (c !== '\r' && c !== '\n') this.typed = true;
      else if (this.typed) {
        const refused = this.admit();
        if (refused !== undefined) return { write: data.slice(0, i), notice: refused };
        this.typed = false;
      }
    }
    return { write: data };
  }
}

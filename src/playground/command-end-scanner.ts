/**
 * Finds the shell's command-end cue in a terminal stream that arrives in arbitrary chunks, removes it, and
 * counts it. A cue split across chunks is held back until the next chunk decides.
 */
export class CommandEndScanner {
  private held = '';

  constructor(private readonly mark: string) {}

  /** The chunk without cues (and without a possible cue's start kept for the next chunk), and how many cues ended. */
  push(chunk: string): { text: string; ends: number } {
    let s = this.held + chunk;
    this.held = '';
    let ends = 0;
    for (let i = s.indexOf(this.mark); i >= 0; i = s.indexOf(this.mark, i)) {
      s = s.slice(0, i) + s.slice(i + this.mark.length);
      ends++;
    }
    // a tail that could be the start of a cue waits for the next chunk
    for (let n = Math.min(this.mark.length - 1, s.length); n > 0; n--) {
      if (this.mark.startsWith(s.slice(s.length - n))) {
        this.held = s.slice(s.length - n);
        s = s.slice(0, s.length - n);
        break;
      }
    }
    return { text: s, ends };
  }
}

/**
 * How we talk to the learner's bash without garbling what they see: bash runs without readline,
 * echo off while idle; each command is typed as one line `__dh_run NONCE 'escaped bytes'` (never echoed,
 * no raw control bytes, no canonical-mode line limit), and PROMPT_COMMAND prints an OSC marker
 * ESC ] 7770 ; nonce ; exit ; killed ; bashpid BEL that we strip from the byte stream.
 */
export const MARKER_START = '\x1b]7770;';
export const MARKER_END = '\x07';

// Every helper uses builtins only, so the shell still answers when a fork bomb has used up the pids limit.
const INIT_LINES = [
  "stty -echo -icanon 2>/dev/null; PS1=''; PS2=''; unset HISTFILE PROMPT_COMMAND; __dh_nonce=init; __dh_last=0; __dh_killed=0",
  '__dh_rc(){ return $1; }',
  // Runaway processes (fork bombs) are killed only when the container is near its pids limit.
  '__dh_guard(){ local a=(/proc/[0-9]*) p s me=$$ pass n f; ((${#a[@]}*2 < ${DOCKHAND_PIDS_LIMIT:-1024})) && return 0; for pass in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16; do n=0; for p in /proc/[0-9]*; do p=${p#/proc/}; [[ $p == "$me" ]] && continue; read -r s 2>/dev/null < /proc/$p/stat || continue; s=${s##*) }; f=($s); [[ ${f[3]} == "$me" ]] || continue; kill -9 "$p" 2>/dev/null && ((n++)); done; ((__dh_killed+=n)); ((n==0)) && break; done; return 0; }',
  '__dh_run(){ __dh_nonce=$1; __dh_killed=0; printf -v __dh_cmd \'%b\' "$2"; __dh_guard; stty echo icanon 2>/dev/null; __dh_rc "$__dh_last"; eval "$__dh_cmd"; }',
  // Input left unread when a command ends (late keystrokes, terminal replies) must not become the next command.
  "__dh_done(){ local rc=$? __dh_junk; __dh_last=$rc; stty -echo -icanon 2>/dev/null; while read -t 0; do read -r -s -n 4096 -t 0.01 __dh_junk || break; done; __dh_guard; printf '\\033]7770;%s;%s;%s;%s\\007' \"$__dh_nonce\" \"$rc\" \"$__dh_killed\" \"$$\"; }",
  'PROMPT_COMMAND=__dh_done',
];

export const SHELL_INIT = INIT_LINES.join('\n') + '\n';

/** Bytes become printf %b escapes: printable ASCII stays readable, everything else is \xHH; NUL cannot live in a bash string. */
export function encodeCommand(command: string): string {
  const bytes = Buffer.from(command, 'utf8');
  let out = '';
  for (const b of bytes) {
    if (b === 0) continue;
    if (b >= 0x20 && b <= 0x7e && b !== 0x5c && b !== 0x27) out += String.fromCharCode(b);
    else out += '\\x' + b.toString(16).padStart(2, '0');
  }
  return out;
}

export function runLine(nonce: string, command: string): string {
  return `__dh_run ${nonce} '${encodeCommand(command)}'\n`;
}

export interface Marker {
  nonce: string;
  exitCode: number;
  killed: number;
  shellPid: number;
}

export function parseMarker(body: string): Marker | undefined {
  const [nonce, rc, killed, pid] = body.split(';');
  if (!nonce || rc === undefined || !/^\d+$/.test(rc)) return undefined;
  return { nonce, exitCode: Number(rc), killed: Number(killed) || 0, shellPid: Number(pid) || 0 };
}

/** Splits a byte stream into plain text and markers, holding back a marker cut across chunks. */
export class MarkerScanner {
  private carry = '';

  push(chunk: string, onText: (text: string) => void, onMarker: (m: Marker) => void): void {
    let buf = this.carry + chunk;
    this.carry = '';
    for (;;) {
      const start = buf.indexOf(MARKER_START);
      if (start === -1) {
        const keep = partialPrefixLength(buf);
        if (buf.length - keep > 0) onText(buf.slice(0, buf.length - keep));
        this.carry = buf.slice(buf.length - keep);
        return;
      }
      const end = buf.indexOf(MARKER_END, start + MARKER_START.length);
      if (end === -1) {
        // A real marker is short; a long unterminated one is just learner output.
        if (buf.length - start > 256) {
          onText(buf.slice(0, start + 1));
          buf = buf.slice(start + 1);
          continue;
        }
        if (start > 0) onText(buf.slice(0, start));
        this.carry = buf.slice(start);
        return;
      }
      if (start > 0) onText(buf.slice(0, start));
      const marker = parseMarker(buf.slice(start + MARKER_START.length, end));
      if (marker) onMarker(marker);
      buf = buf.slice(end + 1);
    }
  }
}

function partialPrefixLength(buf: string): number {
  const max = Math.min(MARKER_START.length - 1, buf.length);
  for (let n = max; n > 0; n--) if (MARKER_START.startsWith(buf.slice(buf.length - n))) return n;
  return 0;
}

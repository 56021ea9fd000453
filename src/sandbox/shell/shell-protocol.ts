/**
 * How we talk to the learner's bash without garbling what they see: bash runs without readline,
 * echo off while idle; each command is typed as one line `__dh_run NONCE 'escaped bytes'` (never echoed,
 * no raw control bytes, no canonical-mode line limit), and PROMPT_COMMAND prints an OSC marker
 * ESC ] 7770 ; nonce ; exit ; killed ; bashpid ; reaped ; pidsHit ; oomKills ; escaped BEL that we strip from the byte stream.
 * The nonce is random per command and out of the command's reach while it runs (held on a file descriptor
 * that is closed for the command, `$1` cleared; read back by PROMPT_COMMAND): printing a marker cannot end
 * a command early or fake its exit status (a root learner digging through /proc/$$/fd is out of scope).
 *
 * Process hygiene: bash runs with job control, so every command (and every background job) gets a process
 * group of its own inside the shell's session. When a command ends (normally, by Ctrl-C or after the timeout
 * killed its foreground group), `__dh_reap` kills every process left in the session, group by group (a group
 * kill is atomic, so a fork bomb cannot outrun it). Decision: background jobs (`cmd &`, `nohup`) do NOT outlive
 * the command that started them; long-running things belong in containers (`docker run -d`), which live in
 * the nested engine, not in this session. Before and after each command the shell reads its cgroup's event
 * counters (`pids.events` max, `memory.oom_control`/`memory.events` oom_kill) so a command that hit the
 * process limit or lost a process to the OOM killer is reported as such.
 */
export const MARKER_START = '\x1b]7770;';
export const MARKER_END = '\x07';

// Every helper uses builtins only, so the shell still answers when a fork bomb has used up the pids limit.
const INIT_LINES = [
  "stty -echo -icanon 2>/dev/null; PS1=''; PS2=''; unset HISTFILE PROMPT_COMMAND; __dh_nonce=init; __dh_last=0; __dh_killed=0; __dh_reaped=0; __dh_pmax=0; __dh_ooms=0; set -m",
  '__dh_rc(){ return $1; }',
  // Sums key `$2` over event files; builtins only (no fork) so it works at the pids limit.
  '__dh_sum(){ local __v=$1 __k=$2 __n=0 __f __a __b; shift 2; for __f in "$@"; do while read -r __a __b; do [[ $__a == "$__k" ]] && ((__n+=__b)); done 2>/dev/null < "$__f"; done; printf -v "$__v" \'%s\' "$__n"; }',
  // The shell's own cgroup file for a controller, found by stripping leading path parts (a delegated tree is bound
  // on /sys/fs/cgroup, so /dockhand-x/<id> appears as /<id>), plus the delegated top's when it was stripped.
  '__dh_cgfiles(){ local __ctl=$1 __file=$2 __h __c __p __base __s; __dh_found=(); while IFS=: read -r __h __c __p; do if [[ -z $__ctl ]]; then [[ $__h == 0 ]] || continue; __base=/sys/fs/cgroup; else [[ ,$__c, == *,$__ctl,* ]] || continue; __base=/sys/fs/cgroup/$__ctl; fi; __s=$__p; while [[ -n $__s && $__s != / ]]; do if [[ -e $__base$__s/$__file ]]; then __dh_found+=("$__base$__s/$__file"); [[ $__s != "$__p" && -e $__base/$__file ]] && __dh_found+=("$__base/$__file"); break; fi; [[ $__s == /*/* ]] && __s=/${__s#/*/} || __s=; done; [[ -z $__s || $__s == / ]] && [[ $__p == / || -z $__p ]] && [[ -e $__base/$__file ]] && __dh_found+=("$__base/$__file"); break; done < /proc/self/cgroup; }',
  // The learner's shell moves into a sub-cgroup `dockhand-shell` of its sandbox's (writable: delegated under userns,
  // the host tree under test-host-cgroup) with a little less than the sandbox's pids and memory, so a fork bomb or a
  // memory hog hits its own limit while the nested engine and our one-shot execs keep room to work.
  '__dh_confine(){ [[ -n ${DOCKHAND_PIDS_LIMIT:-} ]] || return 0; local c p d v2= r; [[ -e /sys/fs/cgroup/cgroup.controllers ]] && v2=1; for c in pids memory; do p=; if [[ -n $v2 ]]; then p=/sys/fs/cgroup; echo "+$c" > $p/cgroup.subtree_control 2>/dev/null; else __dh_cgfiles $c cgroup.procs; for d in "${__dh_found[@]}"; do d=${d%/cgroup.procs}; [[ -w $d ]] && { p=$d; break; }; done; fi; [[ -n $p ]] || continue; d=$p/dockhand-shell; [[ -d $d ]] || mkdir $d 2>/dev/null || continue; if [[ $c == pids ]]; then r=$((DOCKHAND_PIDS_LIMIT/3)); ((r>128)) && r=128; echo $((DOCKHAND_PIDS_LIMIT-r)) > $d/pids.max 2>/dev/null; elif [[ -n ${DOCKHAND_MEMORY_MB:-} ]]; then r=$((DOCKHAND_MEMORY_MB/4)); ((r>128)) && r=128; r=$(((DOCKHAND_MEMORY_MB-r)*1048576)); if [[ -n $v2 ]]; then echo $r > $d/memory.max 2>/dev/null; echo 0 > $d/memory.swap.max 2>/dev/null; else echo $r > $d/memory.limit_in_bytes 2>/dev/null; [[ -e $d/memory.memsw.limit_in_bytes ]] && echo $r > $d/memory.memsw.limit_in_bytes 2>/dev/null; fi; fi; echo $$ > $d/cgroup.procs 2>/dev/null && [[ $c == pids ]] && __dh_procs=$d/cgroup.procs; done; return 0; }',
  '__dh_confine',
  '__dh_cgfiles pids pids.events; ((${#__dh_found[@]})) || __dh_cgfiles "" pids.events; __dh_pev=("${__dh_found[@]}"); __dh_cgfiles memory memory.oom_control; ((${#__dh_found[@]})) || __dh_cgfiles "" memory.events; __dh_oev=("${__dh_found[@]}")',
  '__dh_count(){ __dh_sum __dh_pmax max "${__dh_pev[@]}"; __dh_sum __dh_ooms oom_kill "${__dh_oev[@]}"; }',
  // Kills every process left in this shell's session (all but the shell), a whole process group at a time.
  '__dh_reap(){ local p s f pg n=0 pass k; for pass in 1 2 3 4 5 6 7 8 9 10 11 12; do k=0; for p in /proc/[0-9]*; do p=${p#/proc/}; [[ $p == "$$" ]] && continue; read -r s 2>/dev/null < /proc/$p/stat || continue; s=${s##*) }; f=($s); [[ ${f[3]} == "$$" && ${f[0]} != Z ]] || continue; pg=${f[2]}; if [[ $pg != "$$" ]]; then kill -9 -- -$pg 2>/dev/null; else kill -9 $p 2>/dev/null; fi; ((k++)); done; ((n+=k)); ((k==0)) && break; done; __dh_reaped=$n; }',
  // Processes still in the shell's own cgroup after the reap (they left its session: setsid, daemons). Only a hint
  // (the learner can change it): the bot's sweep runs after every command anyway, at once when this is not 0.
  '__dh_left(){ local p; __dh_esc=0; [[ -n ${__dh_procs:-} ]] || return 0; while read -r p; do [[ $p == "$$" ]] || ((__dh_esc++)); done 2>/dev/null < "$__dh_procs"; return 0; }',
  // Runaway processes (fork bombs) are killed only when the container is near its pids limit.
  '__dh_guard(){ local a=(/proc/[0-9]*) p s me=$$ pass n f; ((${#a[@]}*2 < ${DOCKHAND_PIDS_LIMIT:-1024})) && return 0; for pass in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16; do n=0; for p in /proc/[0-9]*; do p=${p#/proc/}; [[ $p == "$me" ]] && continue; read -r s 2>/dev/null < /proc/$p/stat || continue; s=${s##*) }; f=($s); [[ ${f[3]} == "$me" ]] || continue; kill -9 "$p" 2>/dev/null && ((n++)); done; ((__dh_killed+=n)); ((n==0)) && break; done; return 0; }',
  '__dh_run(){ exec {__dh_nfd}<<<"$1"; __dh_nonce=; __dh_killed=0; printf -v __dh_cmd \'%b\' "$2"; set --; __dh_guard; __dh_count; __dh_p0=$__dh_pmax; __dh_o0=$__dh_ooms; stty echo icanon 2>/dev/null; printf \'\\033]7770;started\\007\'; __dh_rc "$__dh_last"; eval "$__dh_cmd" {__dh_nfd}<&-; }',
  // Input left unread when a command ends (late keystrokes, terminal replies) must not become the next command.
  "__dh_done(){ local rc=$? __dh_junk; __dh_last=$rc; __dh_guard; disown -a 2>/dev/null; __dh_reap; __dh_left; stty -echo -icanon 2>/dev/null; while read -t 0; do read -r -s -n 4096 -t 0.01 __dh_junk || break; done; __dh_count; [[ -n ${__dh_nfd:-} ]] && { read -r -u \"$__dh_nfd\" __dh_nonce; exec {__dh_nfd}<&-; unset __dh_nfd; }; printf '\\033]7770;%s;%s;%s;%s;%s;%s;%s;%s\\007' \"$__dh_nonce\" \"$rc\" \"$__dh_killed\" \"$$\" \"$__dh_reaped\" \"$((__dh_pmax-${__dh_p0:-$__dh_pmax}))\" \"$((__dh_ooms-${__dh_o0:-$__dh_ooms}))\" \"${__dh_esc:-0}\"; __dh_nonce=; }",
  'PROMPT_COMMAND=__dh_done',
];

export const SHELL_INIT = INIT_LINES.join('\n') + '\n';

/**
 * Run beside the shell (a one-shot exec, outside the shell's capped cgroup): kills every process of the shell's
 * session but the shell, a process group at a time (atomic, so a fork bomb cannot outrun it); the shell too with
 * `includeShell`. Used when a command does not stop after Ctrl-C, and before a stuck shell is replaced.
 */
export function reapSessionScript(shellPid: number, includeShell: boolean): string {
  const s = Math.floor(shellPid);
  return `S=${s}; for pass in 1 2 3 4 5 6 7 8 9 10 11 12; do n=0; for d in /proc/[0-9]*; do p=\${d#/proc/}; read -r st 2>/dev/null < $d/stat || continue; st=\${st##*) }; f=($st); [ "\${f[3]}" = "$S" ] || continue; [ "\${f[0]}" = Z ] && continue; if [ "$p" = "$S" ]; then ${includeShell ? 'kill -9 "$p" 2>/dev/null; n=$((n+1));' : ''} continue; fi; if [ "\${f[2]}" != "$S" ]; then kill -9 -- "-\${f[2]}" 2>/dev/null; else kill -9 "$p" 2>/dev/null; fi; n=$((n+1)); done; [ $n = 0 ] && break; done; exit 0`;
}

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
  /** Runaway processes killed by the guard at the pids limit. */
  killed: number;
  shellPid: number;
  /** Processes the command left behind (background jobs), killed when it ended. */
  reaped?: number;
  /** Times a fork failed at the cgroup's pids limit during the command. */
  pidsHit?: number;
  /** Processes the kernel's OOM killer ended during the command. */
  oomKills?: number;
  /** Processes left in the shell's cgroup after the reap (escaped its session): a hint to sweep at once. */
  escaped?: number;
  /** Not a completion: the command is about to run (so a shell that dies before this never ran it). */
  started?: true;
}

/** The body of the marker `__dh_run` prints just before the command runs (not secret: it only says "it began"). */
export const STARTED_BODY = 'started';

export function parseMarker(body: string): Marker | undefined {
  if (body === STARTED_BODY) return { nonce: '', exitCode: 0, killed: 0, shellPid: 0, started: true };
  const [nonce, rc, killed, pid, reaped, pidsHit, oomKills, escaped] = body.split(';');
  if (!nonce || rc === undefined || !/^\d+$/.test(rc)) return undefined;
  const m: Marker = { nonce, exitCode: Number(rc), killed: Number(killed) || 0, shellPid: Number(pid) || 0 };
  if (reaped !== undefined) {
    m.reaped = Math.max(0, Number(reaped) || 0);
    m.pidsHit = Math.max(0, Number(pidsHit) || 0);
    m.oomKills = Math.max(0, Number(oomKills) || 0);
    if (escaped !== undefined) m.escaped = Math.max(0, Number(escaped) || 0);
  }
  return m;
}

/** A real marker's body: the nonce (hex, `init` or `started`) and decimal counters, `;`-separated, well under this. */
const MARKER_BODY_MAX = 160;
const BODY_CHAR = /[0-9A-Za-z;-]/;

/**
 * Splits a byte stream into plain text and markers, holding back a marker cut across chunks. A marker start whose
 * body holds anything a real body cannot (ESC, a newline, another marker start) or grows past MARKER_BODY_MAX is
 * the learner's output, not a marker: scanning resumes right after its ESC, so a stray or unterminated start
 * never swallows the real end marker that follows it, in the same chunk or a later one.
 */
export class MarkerScanner {
  private carry = '';

  push(chunk: string, onText: (text: string) => void, onMarker: (m: Marker) => void): void {
    let buf = this.carry + chunk;
    this.carry = '';
    let from = 0;
    for (;;) {
      const start = buf.indexOf(MARKER_START, from);
      if (start === -1) {
        const keep = partialPrefixLength(buf);
        if (buf.length - keep > 0) onText(buf.slice(0, buf.length - keep));
        this.carry = buf.slice(buf.length - keep);
        return;
      }
      const bodyAt = start + MARKER_START.length;
      let i = bodyAt;
      while (i < buf.length && i - bodyAt <= MARKER_BODY_MAX && BODY_CHAR.test(buf[i]!)) i++;
      if (i - bodyAt > MARKER_BODY_MAX || (i < buf.length && buf[i] !== MARKER_END)) {
        // Not a marker: it stays text, and the search goes on past its ESC (it may hide the real one).
        from = start + 1;
        continue;
      }
      if (i === buf.length) {
        // Cut across chunks: keep it (and only it) for the next one.
        if (start > 0) onText(buf.slice(0, start));
        this.carry = buf.slice(start);
        return;
      }
      if (start > 0) onText(buf.slice(0, start));
      const marker = parseMarker(buf.slice(bodyAt, i));
      if (marker) onMarker(marker);
      buf = buf.slice(i + 1);
      from = 0;
    }
  }
}

function partialPrefixLength(buf: string): number {
  const max = Math.min(MARKER_START.length - 1, buf.length);
  for (let n = max; n > 0; n--) if (MARKER_START.startsWith(buf.slice(buf.length - n))) return n;
  return 0;
}

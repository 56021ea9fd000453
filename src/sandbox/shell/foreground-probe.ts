import type { ScriptResult } from '../types';

export interface ForegroundProbe {
  /** Something in the shell's foreground is blocked reading the terminal. */
  waitingForInput: boolean;
  /** Foreground process group when it is not the shell's own. */
  foregroundPgid?: number;
}

/**
 * Bash run beside the learner's shell: prints `T <tpgid> <shell pgid>` for the shell's terminal, then one
 * `P pid|wchan|cmdline|read target` line per process of the foreground group. Builtins and /proc only where
 * possible, so it still answers when the pids limit is nearly used up.
 */
export function probeScript(shellPid: number): string {
  return `B=${shellPid}; read -r s < /proc/$B/stat || exit 3; s=\${s##*) }; f=($s); tp=\${f[5]}; pg=\${f[2]}; echo "T $tp $pg"
for d in /proc/[0-9]*; do read -r s 2>/dev/null < $d/stat || continue; s=\${s##*) }; f=($s); [ "\${f[2]}" = "$tp" ] || continue
w=$(cat $d/wchan 2>/dev/null); c=$(tr '\\0' ' ' < $d/cmdline 2>/dev/null); t=; read -r sc a1 _ 2>/dev/null < $d/syscall
if [ "$sc" = 0 ] || [ "$sc" = 63 ]; then t=$(readlink $d/fd/$((a1)) 2>/dev/null); fi
echo "P \${d#/proc/}|$w|$c|$t"; done`;
}

/** Reads probeScript's output: is something in the foreground blocked reading the terminal? */
export function parseProbe(output: string): ForegroundProbe {
  const lines = output.split('\n');
  const t = lines.find((l) => l.startsWith('T '))?.split(' ');
  if (!t) return { waitingForInput: false };
  const tpgid = Number(t[1]);
  const shellPgid = Number(t[2]);
  let waiting = false;
  for (const l of lines.filter((x) => x.startsWith('P '))) {
    const [, wchan = '', cmd = '', readTarget = ''] = l.slice(2).split('|');
    // Blocked in read() on a terminal (wait_woken alone also means a socket connect, so the fd decides).
    if (/n_tty_read/.test(wchan) || /^\/dev\/(pts\/|tty|console)/.test(readTarget)) waiting = true;
    // The docker CLI with -i waits on epoll for stdin: `docker run -it`, `docker exec -it`, `docker attach`.
    if (/^docker\s/.test(cmd) && /\s(-[a-zA-Z]*i[a-zA-Z]*|--interactive|attach)(\s|$)/.test(cmd) && /ep_poll|epoll|futex/.test(wchan)) waiting = true;
  }
  return { waitingForInput: waiting, foregroundPgid: tpgid > 0 && tpgid !== shellPgid ? tpgid : undefined };
}

/** One probe through `exec` (a one-shot script in the sandbox, not the learner's pty). */
export async function probeForeground(
  exec: (script: string, opts: { timeoutMs: number; outputCapBytes: number }) => Promise<ScriptResult>,
  shellPid: number,
): Promise<ForegroundProbe> {
  const r = await exec(probeScript(shellPid), { timeoutMs: 3000, outputCapBytes: 64 * 1024 });
  return parseProbe(r.output);
}

/**
 * After each command: ends every process in the sandbox that neither Docker runs nor the bot started. Run as a
 * one-shot exec (so it enters the sandbox from outside, never through the learner's shell, which the learner
 * can redefine). What survives, by lineage the learner cannot forge from inside:
 *  - pid 1 (tini) and the entrypoint's session (session 1: the entrypoint and dockerd, which it starts);
 *  - the engine's own sessions (containerd's, which its shims keep when they re-parent to pid 1) and every
 *    descendant of those: the shims and the nested containers' processes (`docker run -d` keeps running);
 *  - processes entered from outside the sandbox (parent pid 0 in its pid namespace: the learner's shell, the
 *    bot's probes and this sweep) and their descendants, except the learner's shell's: a command's leftovers.
 * A process gets into session 1 or the engine's only by being forked there, and a parent pid of 0 only from
 * outside the namespace, so `setsid`, `nohup`, double forks and renamed binaries all end here. Builtins and
 * /proc only, one process at a time (a process group may mix survivors), a few passes (at least two, so a process
 * whose parent exited mid-scan is judged again) for what forks meanwhile.
 * Prints `swept N`, N counting each process once: on a busy host a killed process can still be listed (not yet
 * a zombie) in the next pass and is killed again.
 */
export function sweepScript(shellPid: number): string {
  const s = Math.floor(shellPid) || -1;
  return `S=${s}; me=$$; declare -A ended=()
for pass in 1 2 3 4 5 6 7 8; do
  declare -A par=() sid=(); k=0
  for d in /proc/[0-9]*; do p=\${d#/proc/}; read -r st 2>/dev/null < $d/stat || continue; st=\${st##*) }; f=($st); [ "\${f[0]}" = Z ] && continue; par[$p]=\${f[1]}; sid[$p]=\${f[3]}; done
  declare -A eng=([1]=1)
  for p in "\${!par[@]}"; do [ "$p" = 1 ] && continue; [ "\${sid[$p]}" = 1 ] && eng[$p]=1; done
  for p in "\${!par[@]}"; do a=$p; top=; hops=0; while [ -n "\${par[$a]:-}" ] && [ "\${par[$a]}" != 0 ] && [ "\${par[$a]}" != 1 ] && [ $hops -lt 4096 ]; do a=\${par[$a]}; hops=$((hops+1)); done; [ "\${par[$a]:-}" = 1 ] && [ -n "\${eng[$a]:-}" ] && eng[s\${sid[$p]}]=1; done
  for p in "\${!par[@]}"; do
    [ "$p" = 1 ] || [ "$p" = "$me" ] || [ "$p" = "$S" ] && continue
    a=$p; hops=0; keep=
    while [ $hops -lt 4096 ]; do
      q=\${par[$a]:-}
      if [ -z "$q" ]; then keep=1; break; fi
      if [ "$q" = 0 ]; then [ "$a" != "$S" ] && keep=1; break; fi
      if [ "$q" = 1 ]; then [ "\${sid[$a]}" = 1 ] || [ -n "\${eng[s\${sid[$a]}]:-}" ] && keep=1; break; fi
      a=$q; hops=$((hops+1))
    done
    [ -n "$keep" ] && continue
    kill -9 "$p" 2>/dev/null && k=$((k+1)) && ended[$p]=1
  done
  [ $k = 0 ] && [ $pass -gt 1 ] && break
done
echo "swept \${#ended[@]}"`;
}

/** The count sweepScript printed (0 when it did not run to the end). */
export function parseSweep(output: string): number {
  const m = /swept (\d+)/.exec(output);
  return m ? Number(m[1]) : 0;
}

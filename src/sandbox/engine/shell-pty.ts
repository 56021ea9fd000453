import { dockerCliArgs, dockerCliEnv, type DockerTlsOptions } from './docker-client';
import { spawnPty, type Pty } from '../shell/pty';

export interface ShellPtyTarget {
  /** `docker` CLI used for the pty; default `docker` on PATH. */
  dockerCli?: string;
  dockerHost?: string;
  dockerTls?: DockerTlsOptions;
  /** The CLI child's environment (PATH, HOME...); defaults to this process's. */
  cliEnv?: Record<string, string | undefined>;
  pidsLimit: number;
  memoryMb: number;
}

/**
 * The learner's shell may be opened while the sandbox is still starting (its nested dockerd booting), so the shell
 * waits for the entrypoint's first step, the learner's folders (DOCKHAND_DISK_BINDS) bound onto their disk, before
 * it settles in /root: a shell whose working directory was taken before the bind would write beside the disk.
 * Builtins only (/proc/self/mountinfo), 10 s at most; an engine already up passes at once.
 */
export function waitForBinds(home: string, then: string): string {
  return `w=0; while :; do m=$(</proc/self/mountinfo); ok=1; for p in \${DOCKHAND_DISK_BINDS:-}; do [[ $m == *" $p "* ]] || ok=; done; { [ -n "$ok" ] || [ $w -ge 200 ]; } && break; sleep 0.05; w=$((w+1)); done; cd ${home} 2>/dev/null; ${then}`;
}

/** `docker exec -it ... bash` behind node-pty; bash without readline so the shell protocol owns the line. */
export function openShellPty(t: ShellPtyTarget, id: string, opts: { cols: number; rows: number }): Pty {
  const target = { host: t.dockerHost, tls: t.dockerTls };
  // Inheriting PATH and HOME (the CLI's config) is intended; the engine is chosen by flags only.
  const env = dockerCliEnv(t.cliEnv ?? process.env, target);
  return spawnPty(
    t.dockerCli ?? 'docker',
    [...dockerCliArgs(target), 'exec', '-it', '-e', 'TERM=xterm', '-e', `DOCKHAND_PIDS_LIMIT=${t.pidsLimit}`, '-e', `DOCKHAND_MEMORY_MB=${t.memoryMb}`, '-w', '/root', id, 'bash', '-c', waitForBinds('/root', 'exec bash --noprofile --norc --noediting')],
    { cols: opts.cols, rows: opts.rows, env },
  );
}

import type { DockerEndpoint } from '../../config';
import { dockerCliArgs, dockerCliEnv } from '../engine/docker-client';
import { spawnPty, type Pty } from './pty';

/**
 * What the terminal shell prints after each command (an OSC sequence terminals ignore): the caller's cue that a
 * command ended. The learner can print it too; it only ever triggers a check, which runs with trusted tools.
 */
export const COMMAND_END_MARK = '\x1b]6973;dockhand-command-end\x07';

// The learner's own interactive bash (readline, history, completion), their .bashrc, then the cue and a `vim` that
// the slim image only has as `vi`. Given as an init file through process substitution: nothing is written in the sandbox.
const TERMINAL_RC = [
  '[ -f /root/.bashrc ] && . /root/.bashrc',
  "PS1='\\w\\$ '",
  'command -v vim >/dev/null || alias vim=vi',
  "PROMPT_COMMAND='printf \"\\033]6973;dockhand-command-end\\007\"'",
  'unset DOCKHAND_TERMINAL_RC',
].join('\n');

/**
 * A second, interactive shell in a sandbox with its own tty (`docker exec -it`, like the chat shell but with
 * readline on and nothing of the chat's marker protocol): full-screen programs, Ctrl-C, resize work as in any
 * terminal. The sandbox's cgroup limits hold for it as for everything else in the sandbox.
 */
export function openTerminalShell(endpoint: DockerEndpoint, containerId: string, size: { cols: number; rows: number }, limits: { pidsLimit: number; memoryMb: number }): Pty {
  const target = { host: endpoint.host, tls: endpoint.tls };
  const env = dockerCliEnv(process.env, target);
  return spawnPty(
    'docker',
    [
      ...dockerCliArgs(target),
      'exec',
      '-it',
      '-e',
      'TERM=xterm-256color',
      '-e',
      `DOCKHAND_PIDS_LIMIT=${limits.pidsLimit}`,
      '-e',
      `DOCKHAND_MEMORY_MB=${limits.memoryMb}`,
      '-e',
      `DOCKHAND_TERMINAL_RC=${TERMINAL_RC}`,
      '-w',
      '/root',
      containerId,
      'bash',
      '-c',
      'exec bash --init-file <(printf "%s\\n" "$DOCKHAND_TERMINAL_RC") -i',
    ],
    { cols: size.cols, rows: size.rows, env },
  );
}

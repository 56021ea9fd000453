import type Docker from 'dockerode';
import { AppError } from '../../errors';
import type { Logger } from '../../logger';
import { runOnEngineHost } from '../engine/host-exec';
import type { EngineHostShell } from '../engine/engine-host';
import { shellQuote } from '../shell/shell-quote';
import { hostConfigOf, type SandboxPolicy } from '../isolation/sandbox-policy';

/**
 * The check inspector's way to the learner's nested engine: a unix socket the learner can neither redirect nor
 * replace. A TCP listener on the sandbox's loopback was theirs to redirect (`iptables -t nat ... REDIRECT` to a
 * fake Docker API); iptables has no hold on a unix socket.
 *
 * - The sandbox gets its own anonymous volume at ENGINE_SOCKET_DIR; the nested dockerd (images/sandbox/entrypoint.sh)
 *   listens on ENGINE_SOCKET there too.
 * - Once the sandbox is ready, and before the learner can type anything, a helper on the engine host (host user
 *   namespace) makes the volume's folder owned by the host's real root, mode 755. The sandbox's root is a remapped
 *   uid with no power over an inode whose owner is not mapped into its namespace: it cannot unlink, rename or
 *   replace the socket (bind() needs the path free), chmod or chown the folder. What the learner does to their own
 *   mount namespace (umount, a mount on top) does not reach the volume's folder on the host.
 * - The inspector mounts the same volume read-only: connect() on a socket needs no write access to the mount.
 * - The inspector checks at creation that the folder is not owned by its own root (lockedOwnerScript), so a
 *   sandbox whose lock did not happen is never trusted.
 */
export const ENGINE_SOCKET_DIR = '/dockhand-engine';
export const ENGINE_SOCKET = `${ENGINE_SOCKET_DIR}/docker.sock`;

/** Adds the socket folder (an anonymous volume: removed with the sandbox) to a sandbox's create spec. */
export function engineSocketPolicy(): SandboxPolicy {
  return {
    name: 'engine-socket',
    apply(spec) {
      const hc = hostConfigOf(spec);
      hc.Mounts = [...(hc.Mounts ?? []), { Type: 'volume', Target: ENGINE_SOCKET_DIR } as Docker.MountSettings];
    },
  };
}

/** The name of the volume holding a sandbox's engine socket, from the engine's own record of the sandbox. */
export function engineSocketVolume(info: Pick<Docker.ContainerInspectInfo, 'Mounts'>): string | undefined {
  const m = (info.Mounts ?? []).find((x) => x.Destination === ENGINE_SOCKET_DIR && x.Type === 'volume');
  return m?.Name || undefined;
}

/** Waits (up to 10 s) for dockerd's socket in `dir`, then gives the folder to the host's root. Paths absolute where the image is ours. */
export function lockScript(dir: string, tools = '/usr/bin/'): string {
  return [
    'i=0',
    `while [ ! -S ${dir}/docker.sock ]; do i=$((i+1)); [ "$i" -gt 100 ] && { echo "no engine socket"; exit 3; }; ${tools}sleep 0.1; done`,
    // the volume's own folder, made by the engine, never a link the learner planted (they see only its content)
    `[ -d ${dir} ] && [ ! -L ${dir} ] && ${tools}chown 0:0 ${dir} && ${tools}chmod 0755 ${dir}`,
  ].join('\n');
}
export const LOCK_SCRIPT = lockScript('/lock');

/**
 * Locks the engine socket folder of a ready sandbox (see above). With the engine on this machine and this process
 * root (`host.local`), straight on the volume's folder (a few ms); else in one short helper container (~0.4 s and
 * a container's start and removal on the engine: measured, a third of what a sandbox start cost the engine host).
 * `image`: one with /bin/sh and coreutils (the sandbox image).
 */
export async function lockEngineSocket(docker: Docker, sandboxId: string, o: { image: string; logger: Logger; host?: EngineHostShell }): Promise<void> {
  const volume = engineSocketVolume(await docker.getContainer(sandboxId).inspect());
  if (!volume) throw new AppError('SANDBOX_NOT_READY', 'the sandbox has no engine socket folder');
  const r = o.host?.local ? await lockLocally(docker, volume, o.host) : await runOnEngineHost(docker, { image: o.image, script: LOCK_SCRIPT, binds: [`${volume}:/lock:rw`], timeoutMs: 30_000, logger: o.logger });
  if (r.exitCode !== 0) throw new AppError('SANDBOX_NOT_READY', `could not lock the sandbox's engine socket (exit ${r.exitCode}): ${r.output.trim().slice(-200)}`);
}

async function lockLocally(docker: Docker, volume: string, host: EngineHostShell): Promise<{ exitCode: number; output: string }> {
  const { Mountpoint } = (await docker.getVolume(volume).inspect()) as { Mountpoint?: string };
  if (!Mountpoint || !Mountpoint.startsWith('/')) return { exitCode: 2, output: `the engine gave no folder for volume ${volume}` };
  return host.run(lockScript(shellQuote(Mountpoint), ''), { binds: [], timeoutMs: 30_000 });
}

/**
 * Run in the inspector: prints `locked` when the socket folder's owner is not the inspector's (remapped) root,
 * i.e. the host's root, shown as the overflow uid; `host-root` without a user namespace; anything else means the
 * lock never happened.
 */
export const LOCKED_OWNER_SCRIPT = [
  // no user namespace (the privileged and test-host-cgroup profiles): the learner is the host's root, nothing to lock
  "/usr/bin/grep -Eq '^[[:space:]]*0[[:space:]]+0[[:space:]]+4294967295' /proc/self/uid_map && { echo host-root; exit 0; }",
  `o=$(/usr/bin/stat -c %u ${ENGINE_SOCKET_DIR}) && [ "$o" != 0 ] && [ -S ${ENGINE_SOCKET} ] && echo locked`,
].join('\n');

import type Docker from 'dockerode';
import { AppError } from '../../errors';
import type { Logger } from '../../logger';
import { runOnEngineHost } from '../engine/host-exec';
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

/** Waits (up to 10 s) for dockerd's socket, then gives the folder to the host's root. Paths absolute: the image is ours. */
export const LOCK_SCRIPT = [
  'i=0',
  'while [ ! -S /lock/docker.sock ]; do i=$((i+1)); [ "$i" -gt 100 ] && { echo "no engine socket"; exit 3; }; /usr/bin/sleep 0.1; done',
  '/usr/bin/chown 0:0 /lock && /usr/bin/chmod 0755 /lock',
].join('\n');

/**
 * Locks the engine socket folder of a ready sandbox (see above). `image`: one with /bin/sh and coreutils (the
 * sandbox image). Costs one short helper container (~0.4 s here), once per sandbox.
 */
export async function lockEngineSocket(docker: Docker, sandboxId: string, o: { image: string; logger: Logger }): Promise<void> {
  const volume = engineSocketVolume(await docker.getContainer(sandboxId).inspect());
  if (!volume) throw new AppError('SANDBOX_NOT_READY', 'the sandbox has no engine socket folder');
  const r = await runOnEngineHost(docker, { image: o.image, script: LOCK_SCRIPT, binds: [`${volume}:/lock:rw`], timeoutMs: 30_000, logger: o.logger });
  if (r.exitCode !== 0) throw new AppError('SANDBOX_NOT_READY', `could not lock the sandbox's engine socket (exit ${r.exitCode}): ${r.output.trim().slice(-200)}`);
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

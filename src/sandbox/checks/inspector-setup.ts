import type Docker from 'dockerode';
import { AppError } from '../../errors';
import { netSetupScript, type SandboxFacts } from './inspector-spec';
import { LOCKED_OWNER_SCRIPT } from './engine-socket';
import { execInContainer } from './script-exec';

export const INSPECTOR_SETUP_ROLE = 'inspector-setup';
const SETUP_TIMEOUT_MS = 30_000;

/**
 * Sends the new inspector's loopback TCP on to its sandbox (netSetupScript), from a short-lived helper in the
 * inspector's network namespace with NET_ADMIN only, in the same user remapping: the inspector itself never holds
 * a capability. Labelled like the inspector (role `inspector-setup`) and always removed.
 */
export async function setUpInspectorNetwork(docker: Docker, inspectorId: string, s: SandboxFacts, o: { image: string; labels: Record<string, string> }): Promise<void> {
  if (!s.network) return;
  const hc: Docker.HostConfig & { Runtime?: string } = {
    NetworkMode: `container:${inspectorId}`,
    CapDrop: ['ALL'],
    CapAdd: ['NET_ADMIN'],
    SecurityOpt: ['no-new-privileges'],
    ReadonlyRootfs: true,
    AutoRemove: false,
    ...(s.usernsMode ? { UsernsMode: s.usernsMode } : {}),
    ...(s.runtime ? { Runtime: s.runtime } : {}),
  };
  const c = await docker.createContainer({
    Image: o.image,
    Entrypoint: ['/bin/sh', '-c', netSetupScript(s.network.ip)],
    Cmd: [],
    Labels: o.labels,
    HostConfig: hc,
  });
  try {
    await c.start();
    const timer = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('inspector network set-up timed out')), SETUP_TIMEOUT_MS).unref());
    const r = (await Promise.race([c.wait(), timer])) as { StatusCode?: number };
    if (r.StatusCode !== 0) {
      const logs = String(await c.logs({ stdout: true, stderr: true }).catch(() => '')).slice(-300);
      throw new AppError('CHECK_RUNNER_FAILED', `could not set up the check inspector's network (exit ${r.StatusCode}): ${logs}`);
    }
  } finally {
    await c.remove({ force: true, v: true }).catch(() => undefined);
  }
}

/** Refuses an inspector whose engine socket folder is still the learner's to change (engine-socket.ts). */
export async function assertEngineSocketLocked(docker: Docker, inspectorId: string): Promise<void> {
  const r = await execInContainer(docker, inspectorId, ['/bin/sh', '-c', LOCKED_OWNER_SCRIPT], { timeoutMs: 10_000, outputCapBytes: 1024 });
  if (!/^(locked|host-root)$/m.test(r.output)) {
    throw new AppError('CHECK_RUNNER_FAILED', `the sandbox's engine socket is not locked, so a check could not trust it (${r.output.trim().slice(-200) || `exit ${r.exitCode}`})`);
  }
}

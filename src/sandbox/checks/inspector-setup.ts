import type Docker from 'dockerode';
import { AppError } from '../../errors';
import type { Logger } from '../../logger';
import { runOnEngineHost } from '../engine/host-exec';
import type { EngineHostShell } from '../engine/engine-host';
import { linkScript } from './inspector-spec';
import { LOCKED_OWNER_SCRIPT } from './engine-socket';
import { execInContainer } from './script-exec';

/**
 * Links a new inspector's network namespace to its sandbox's (linkScript), as root on the engine host when it is
 * this machine, else from a short-lived helper there: the pids the engine reports are pids of the engine host's
 * namespace, right there and nowhere else.
 * The inspector itself never holds a capability.
 */
export async function linkInspectorToSandbox(docker: Docker, sandboxId: string, inspectorId: string, o: { image: string; logger: Logger; host?: EngineHostShell }): Promise<void> {
  const [s, i] = await Promise.all([docker.getContainer(sandboxId).inspect(), docker.getContainer(inspectorId).inspect()]);
  if (!s.State.Running || !i.State.Running) throw new AppError('CHECK_RUNNER_FAILED', 'the sandbox or its check inspector stopped while being linked');
  // as root on the engine host itself when it is this machine: a helper container's start and removal cost the
  // engine about as much as the inspector's own
  const local = o.host?.local === true;
  const script = linkScript({ pid: s.State.Pid, id: s.Id }, { pid: i.State.Pid, id: i.Id }, local ? 'local' : 'helper');
  const r = local ? await o.host!.run(script, { binds: [], timeoutMs: 30_000 }) : await runOnEngineHost(docker, { image: o.image, script, pidHost: true, capAdd: ['NET_ADMIN', 'SYS_ADMIN', 'SYS_PTRACE'], timeoutMs: 30_000, logger: o.logger });
  if (r.exitCode !== 0 || !r.output.includes('linked')) {
    throw new AppError('CHECK_RUNNER_FAILED', `could not link the check inspector to its sandbox (exit ${r.exitCode}): ${r.output.trim().slice(-300)}`);
  }
}

/** Refuses an inspector whose engine socket folder is still the learner's to change (engine-socket.ts). */
export async function assertEngineSocketLocked(docker: Docker, inspectorId: string): Promise<void> {
  const r = await execInContainer(docker, inspectorId, ['/bin/sh', '-c', LOCKED_OWNER_SCRIPT], { timeoutMs: 10_000, outputCapBytes: 1024 });
  if (!/^(locked|host-root)$/m.test(r.output)) {
    throw new AppError('CHECK_RUNNER_FAILED', `the sandbox's engine socket is not locked, so a check could not trust it (${r.output.trim().slice(-200) || `exit ${r.exitCode}`})`);
  }
}

import type { Logger } from '../../logger';
import type { SandboxRuntime } from '../engine/sandbox-runtime';

/**
 * What a start does after adoption: release what a crash or a removal behind the bot's back left (volumes,
 * spare networks, inspectors of sandboxes no longer running, host cgroups and disks). Each sweep is best
 * effort: a failure is logged and never stops the start, since learners can be served without it.
 */
export async function sweepAtStart(runtime: SandboxRuntime, logger: Logger): Promise<void> {
  await runtime.sweepOrphanVolumes().catch((err) => logger.warn({ err }, 'orphan volume sweep failed'));
  await runtime.networks?.start().catch((err) => logger.warn({ err }, 'adopting spare sandbox networks failed'));
  await sweepInspectors(runtime).catch((err) => logger.warn({ err }, 'check inspector sweep failed'));
  runtime.inspectors.warmImage().catch((err: unknown) => logger.warn({ err }, 'check inspector image build failed'));
  await runtime.sweepHostLeftovers({ checkDisk: true }).catch((err) => logger.warn({ err }, 'host cgroup/disk sweep failed'));
}

/** Inspectors whose sandbox is no longer running (left by a crash, or by a sandbox removed while we were down). */
async function sweepInspectors(runtime: SandboxRuntime): Promise<void> {
  const live = new Set((await runtime.list()).filter((c) => c.running).map((c) => c.id));
  await runtime.inspectors.sweep(live);
}

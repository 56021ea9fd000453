import type { SandboxConfig } from '../../config';
import { AppError } from '../../errors';
import type { Logger } from '../../logger';
import { profileRefusal, workingProfileAdvice } from '../isolation/host-policies';
import type { SandboxRuntime } from './sandbox-runtime';

/** The learner key of the start-up probe's sandbox (removed at once; a leftover is swept like any unknown one). */
export const PROBE_LEARNER = 'dockhand-probe';

/** The innermost cause's first line: what the engine actually said. */
export function rootReason(err: unknown): string {
  let e: unknown = err;
  let msg = '';
  for (let i = 0; i < 6 && e; i++) {
    if (e instanceof Error && e.message) msg = e.message;
    e = (e as { cause?: unknown }).cause;
  }
  return (msg.split('\n').find((l) => l.trim()) ?? 'unknown error').replace(/\s+/g, ' ').trim().slice(0, 300);
}

/** A sandbox started and answered in readyMs, or the reason none was tried (the profile is then unproven). */
export type ProbeResult = { readyMs: number } | { notProbed: string };

/** The start-up line: claims the profile works only when a probe sandbox did. */
export function logProbe(log: Logger, profile: SandboxConfig['profile'], r: ProbeResult): void {
  if ('notProbed' in r) log.warn({ profile }, `sandbox profile not probed: ${r.notProbed}; the first learner's sandbox will tell`);
  else log.info({ profile, readyMs: r.readyMs }, 'sandbox profile works on this engine');
}

/**
 * Start-up probe of the configured profile: what `docker info` rules out, then one tiny sandbox created, waited
 * for (its nested engine answers) and removed. Failing here gives the operator ONE line naming the reason and the
 * profile that works on this engine, instead of every learner command answering "interrupted" later.
 */
export async function probeSandboxProfile(runtime: SandboxRuntime, config: Pick<SandboxConfig, 'profile'>): Promise<ProbeResult> {
  const profile = config.profile;
  let host;
  try {
    host = await runtime.host();
  } catch (err) {
    if (err instanceof AppError && err.code === 'SANDBOX_PROFILE_UNSUPPORTED') throw err;
    throw new AppError('SANDBOX_PROFILE_UNSUPPORTED', `SANDBOX_PROFILE=${profile}: the engine host could not be prepared: ${rootReason(err)}`, { cause: err });
  }
  const refusal = profileRefusal(profile, host.facts);
  if (refusal) throw new AppError('SANDBOX_PROFILE_UNSUPPORTED', refusal);
  const started = Date.now();
  let id: string | undefined;
  try {
    id = (await runtime.create(PROBE_LEARNER, 'warm')).id;
  } catch (err) {
    // No room for one more disk says nothing about the profile, and must not stop a restart while learners'
    // sandboxes hold the disk: the reservation has logged it, and learners are told to try again later.
    if (err instanceof AppError && err.code === 'SANDBOX_HOST_DISK_FULL') return { notProbed: 'no disk room for a probe sandbox right now' };
    const disk = /disk set-up|mkfs|losetup|mount/.test(rootReason(err)) ? ' (or turn the disk cap off with SANDBOX_DISK_MB=0)' : '';
    throw new AppError('SANDBOX_PROFILE_UNSUPPORTED', `SANDBOX_PROFILE=${profile} does not work on this engine (${rootReason(err)}): ${workingProfileAdvice(host.facts)}${disk}`, { cause: err });
  } finally {
    if (id) await runtime.remove(id);
  }
  return { readyMs: Date.now() - started };
}

import type Docker from 'dockerode';
import { COURSE_DISK_FLOOR_MB, type SandboxConfig } from '../../config';
import { AppError } from '../../errors';
import type { Logger } from '../../logger';
import { cgroupDelegationPolicy, discoverCgroupLayout } from './cgroup-delegation';
import { DEFAULT_DISK_DIR, loopDiskPolicy } from './docker-disk-policy';
import { DiskReservation, parseDiskUsage, usageScript } from './disk-reservation';
import { chooseEngineHostShell, engineFacts, runHostScript, type EngineFacts, type EngineHostShell } from '../engine/engine-host';
import { shellQuote } from '../shell/shell-quote';
import type { SandboxPolicy } from './sandbox-policy';
import { engineCapabilityPolicy } from './sandbox-profile';
import { raiseKernelLimits } from './kernel-limits';
import { ensureKeyQuotaWatch } from './key-quota-watch';

export interface HostPolicies {
  facts: EngineFacts;
  host: EngineHostShell;
  /** Policies needing work on the engine host: the delegated cgroup (userns) and the capped disk (SANDBOX_DISK_MB). */
  policies: SandboxPolicy[];
  /** The capped disk replaces the plain engine volume. */
  diskCapped: boolean;
  /** With the capped disk: the reservation of each new disk against the host's free space. */
  disk?: DiskReservation;
}

/**
 * Why a profile cannot work on this engine, judged from `docker info` alone (undefined: nothing known against
 * it; the start-up probe then tries a real sandbox). One line, naming the profile that does work here.
 */
export function profileRefusal(profile: SandboxConfig['profile'], facts: Pick<EngineFacts, 'userns' | 'remap' | 'runtimes'>): string | undefined {
  const works = workingProfileAdvice(facts);
  switch (profile) {
    case 'userns':
      if (!facts.userns) return `SANDBOX_PROFILE=userns needs an engine started with --userns-remap=default; this engine runs without it: ${works}`;
      if (!facts.remap) return 'SANDBOX_PROFILE=userns: the engine remaps users but its remap uid was not found (no <root>/<uid>.<gid> data root, no dockremap line in /etc/subuid)';
      return undefined;
    case 'sysbox':
      return facts.runtimes.includes('sysbox-runc') ? undefined : `SANDBOX_PROFILE=sysbox needs the sysbox-runc runtime, which this engine does not have: ${works}`;
    default:
      return undefined;
  }
}

/**
 * What to tell an operator whose profile cannot run: the user-namespaced profile, never the test-machine one
 * (`test-host-cgroup` makes learners root on the host; a test machine opts into it knowingly, see config).
 */
export function workingProfileAdvice(facts: Pick<EngineFacts, 'userns'>): string {
  return facts.userns ? 'use SANDBOX_PROFILE=userns' : 'restart dockerd with --userns-remap=default (README, Operators) and use SANDBOX_PROFILE=userns';
}

/** Sanitised like the runtime's names; used as the prefix the sweeps look for. */
function short(instance: string): string {
  return instance.replace(/[^a-zA-Z0-9_.-]+/g, '-').slice(0, 40) || 'x';
}

/** Reads the engine once and builds the host-side policies for the configured profile and disk cap. */
export async function prepareHostPolicies(o: { docker: Docker; config: SandboxConfig; logger: Logger; image: string; instance: string; dockerHost?: string }): Promise<HostPolicies> {
  const host = chooseEngineHostShell(o.docker, { dockerHost: o.dockerHost, image: o.image, logger: o.logger });
  const facts = await engineFacts(o.docker, host);
  await prepareKernel(host, facts, o.config.profile, o.logger);
  const policies: SandboxPolicy[] = [];
  const fitCaps = engineCapabilityPolicy(facts.serverVersion);
  if (fitCaps && (o.config.profile === 'userns' || o.config.profile === 'test-host-cgroup')) policies.push(fitCaps);
  const userns = o.config.profile === 'userns';
  if (userns) {
    const refusal = profileRefusal('userns', facts);
    if (refusal) throw new AppError('SANDBOX_PROFILE_UNSUPPORTED', refusal);
    const layout = await discoverCgroupLayout(host);
    policies.push(
      cgroupDelegationPolicy({
        host,
        layout,
        owner: facts.remap!,
        instance: short(o.instance),
        limits: { memoryMb: o.config.memoryMb, cpus: o.config.cpus, pidsLimit: o.config.pidsLimit },
      }),
    );
  }
  const diskMb = o.config.diskMb ?? 0;
  let disk: DiskReservation | undefined;
  if (diskMb > 0) {
    // Profiles other than userns keep host ids (UsernsMode host), so their root owns the disk as uid 0.
    const owner = userns && facts.remap ? facts.remap : { uid: 0, gid: 0 };
    const dir = o.config.diskDir ?? DEFAULT_DISK_DIR;
    disk = new DiskReservation({
      dir,
      // auto: the floor until start sizes it (checkCapacity), so the start-up probe's disk is the likeliest to fit.
      capBytes: (o.config.diskAuto ? COURSE_DISK_FLOOR_MB : diskMb) * 1024 * 1024,
      logger: o.logger,
      measure: async () => {
        const u = parseDiskUsage(await runHostScript(host, 'disk usage', usageScript(shellQuote(dir)), [], true));
        if (!u) throw new AppError('SANDBOX_HOST_SETUP_FAILED', `could not read the free space of ${dir} on the engine host`);
        return u;
      },
    });
    policies.push(loopDiskPolicy({ host, dir, sizeMb: diskMb, owner, instance: short(o.instance), reservation: disk }));
  }
  return { facts, host, policies, diskCapped: diskMb > 0, disk };
}

let kernelPrepared: Promise<unknown> | undefined;

/**
 * Once per process: the shared per-uid kernel limits raised (kernel-limits.ts) and the key quota of the uid the
 * sandboxes run as watched (sysbox maps each sandbox to its own uid range, so there is no one uid to watch).
 */
function prepareKernel(host: EngineHostShell, facts: EngineFacts, profile: SandboxConfig['profile'], logger: Logger): Promise<unknown> {
  kernelPrepared ??= raiseKernelLimits(host, logger);
  const uid = profile === 'userns' ? facts.remap?.uid : profile === 'sysbox' ? undefined : 0;
  if (uid !== undefined) ensureKeyQuotaWatch({ host, uid, logger });
  return kernelPrepared;
}

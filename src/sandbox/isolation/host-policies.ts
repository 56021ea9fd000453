import type Docker from 'dockerode';
import type { SandboxConfig } from '../../config';
import { AppError } from '../../errors';
import type { Logger } from '../../logger';
import { cgroupDelegationPolicy, discoverCgroupLayout } from './cgroup-delegation';
import { DEFAULT_DISK_DIR, loopDiskPolicy } from './docker-disk-policy';
import { DiskReservation, parseDiskUsage, usageScript } from './disk-reservation';
import { chooseEngineHostShell, engineFacts, runHostScript, type EngineFacts, type EngineHostShell } from '../engine/engine-host';
import { shellQuote } from '../shell/shell-quote';
import type { SandboxPolicy } from './sandbox-policy';

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
  const works = facts.userns ? 'SANDBOX_PROFILE=userns' : 'SANDBOX_PROFILE=test-host-cgroup on test machines, or restart dockerd with --userns-remap=default';
  switch (profile) {
    case 'userns':
      if (!facts.userns) return `SANDBOX_PROFILE=userns needs an engine started with --userns-remap=default; this engine runs without it: use ${works}`;
      if (!facts.remap) return 'SANDBOX_PROFILE=userns: the engine remaps users but its remap uid was not found (no <root>/<uid>.<gid> data root, no dockremap line in /etc/subuid)';
      return undefined;
    case 'sysbox':
      return facts.runtimes.includes('sysbox-runc') ? undefined : `SANDBOX_PROFILE=sysbox needs the sysbox-runc runtime, which this engine does not have: use ${works}`;
    default:
      return undefined;
  }
}

/** Sanitised like the runtime's names; used as the prefix the sweeps look for. */
function short(instance: string): string {
  return instance.replace(/[^a-zA-Z0-9_.-]+/g, '-').slice(0, 40) || 'x';
}

/** Reads the engine once and builds the host-side policies for the configured profile and disk cap. */
export async function prepareHostPolicies(o: { docker: Docker; config: SandboxConfig; logger: Logger; image: string; instance: string; dockerHost?: string }): Promise<HostPolicies> {
  const host = chooseEngineHostShell(o.docker, { dockerHost: o.dockerHost, image: o.image, logger: o.logger });
  const facts = await engineFacts(o.docker, host);
  const policies: SandboxPolicy[] = [];
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
      capBytes: diskMb * 1024 * 1024,
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

import type Docker from 'dockerode';
import type { SandboxConfig } from '../../config';
import { hostConfigOf, type SandboxPolicy } from './sandbox-policy';
import { seccompSecurityOpt } from './seccomp-profile';

/**
 * Host settings per security profile (docs/platform-facts.md):
 * - `userns`: the default. Needs an engine with --userns-remap; root in the sandbox is an unprivileged host uid,
 *   capabilities are namespaced, and the cgroup tree inside is only the sandbox's own delegated subtree (added by
 *   cgroup-delegation.ts, since it needs host-side set-up). Nested `--privileged` does not work under it.
 * - `sysbox`: the sysbox-runc runtime, where installed.
 * - `privileged`: every learner is root on the host; refused unless SANDBOX_ALLOW_PRIVILEGED=true.
 * - `test-host-cgroup`: the test-machine concession (host cgroup tree bound read-write); `UsernsMode: host` so it
 *   keeps host ids on a remapping engine. Every learner is root on the host: refused unless
 *   SANDBOX_ALLOW_TEST_HOST_CGROUP=true, never suggested as a fix.
 * `userns` and `test-host-cgroup` run under the seccomp profile of seccomp-profile.ts.
 */
/** What a nested dockerd needs without --privileged; `userns` and `test-host-cgroup` differ only in what they add. */
const NESTED_ENGINE: Docker.HostConfig = {
  CapAdd: ['ALL'],
  // Engines before 23 expand ALL to every capability the kernel knows, and a host whose bounding set lacks
  // CAP_SYS_RESOURCE (this one) then fails with "unable to apply caps"; namespaced it adds little. Newer engines
  // expand ALL to what they hold and refuse to drop one they lack: engineCapabilityPolicy takes the drop off there.
  CapDrop: ['SYS_RESOURCE'],
  // Docker's default seccomp profile denies what a nested engine needs; ours denies only the unneeded surface
  SecurityOpt: [seccompSecurityOpt(), 'apparmor=unconfined'],
  // Docker's other masks stay off (the API form of systempaths=unconfined: the nested engine needs /proc/sys and
  // friends). The key files are masked: nested procfs mounts still work (the mask is not locked), but so does
  // root's `umount` of it, so this only hides the shared key quota from casual eyes; seccomp is the defence.
  MaskedPaths: ['/proc/keys', '/proc/key-users'],
  ReadonlyPaths: [],
  Tmpfs: { '/run': '', '/var/run': '' },
};

export function profileHostConfig(profile: SandboxConfig['profile']): Docker.HostConfig {
  switch (profile) {
    case 'userns':
      return structuredClone(NESTED_ENGINE);
    case 'privileged':
      return <Docker.HostConfig>{ Privileged: true, UsernsMode: 'host' };
    case 'sysbox':
      return { Runtime: 'sysbox-runc' };
    case 'test-host-cgroup':
      return <Docker.HostConfig>{
        ...structuredClone(NESTED_ENGINE),
        Binds: ['/sys/fs/cgroup:/sys/fs/cgroup:rw'],
        DeviceCgroupRules: ['a *:* rwm'],
        UsernsMode: 'host',
      };
  }
}

/** The engine's major version from its ServerVersion (`20.10.24+dfsg1`, `26.1.5`); 0 when unreadable. */
export function engineMajor(serverVersion: string | undefined): number {
  const m = /^(\d+)\./.exec(serverVersion ?? '');
  return m ? Number(m[1]) : 0;
}

/**
 * The nested-engine profiles' CapDrop fitted to the engine: from Docker 23 on, `CapAdd: ALL` already leaves out
 * what the engine lacks and dropping such a capability is a 400 ("capability not supported by your kernel"), which
 * is what a Docker 26 engine in a container without CAP_SYS_RESOURCE (compose.yaml's engine service) answers.
 */
export function engineCapabilityPolicy(serverVersion: string | undefined): SandboxPolicy | undefined {
  if (engineMajor(serverVersion) < 23) return undefined;
  return {
    name: 'engine-capabilities',
    apply(spec) {
      const hc = hostConfigOf(spec);
      if (!hc.CapDrop) return;
      hc.CapDrop = hc.CapDrop.filter((c: string) => c !== 'SYS_RESOURCE');
      if (hc.CapDrop.length === 0) delete hc.CapDrop;
    },
  };
}

/** The configured profile plus memory (no extra swap), CPU and process limits. */
export function profilePolicy(cfg: Pick<SandboxConfig, 'profile' | 'memoryMb' | 'cpus' | 'pidsLimit'>): SandboxPolicy {
  return {
    name: 'profile',
    apply(spec) {
      Object.assign(hostConfigOf(spec), profileHostConfig(cfg.profile), {
        Memory: cfg.memoryMb * 1024 * 1024,
        MemorySwap: cfg.memoryMb * 1024 * 1024,
        NanoCpus: Math.round(cfg.cpus * 1e9),
        PidsLimit: cfg.pidsLimit,
      });
    },
  };
}

import type Docker from 'dockerode';
import type { SandboxConfig } from '../config';
import { hostConfigOf, type SandboxPolicy } from './sandbox-policy';

/** Host settings per security profile; `test-host-cgroup` is the test-machine concession from docs/platform-facts.md. */
export function profileHostConfig(profile: SandboxConfig['profile']): Docker.HostConfig {
  switch (profile) {
    case 'privileged':
      return { Privileged: true };
    case 'sysbox':
      return { Runtime: 'sysbox-runc' };
    case 'test-host-cgroup':
      return <Docker.HostConfig>{
        CapAdd: ['ALL'],
        CapDrop: ['SYS_RESOURCE'],
        SecurityOpt: ['seccomp=unconfined', 'apparmor=unconfined'],
        // the API form of --security-opt systempaths=unconfined
        MaskedPaths: [],
        ReadonlyPaths: [],
        Binds: ['/sys/fs/cgroup:/sys/fs/cgroup:rw'],
        DeviceCgroupRules: ['a *:* rwm'],
        Tmpfs: { '/run': '', '/var/run': '' },
      };
  }
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

/** What every sandbox is given: the profile, the limits and the pools (read from the SANDBOX_* variables). */
export type SandboxProfile = 'userns' | 'privileged' | 'sysbox' | 'test-host-cgroup';

export interface SandboxConfig {
  /** How the DinD container gets its powers; `userns` by default, `test-host-cgroup` is the test-machine concession. */
  profile: SandboxProfile;
  /** Cap on everything a learner can write (loop-mounted disk image), MiB; 0 turns the cap off. */
  diskMb?: number;
  /** `SANDBOX_DISK_MB=auto`: at start, diskMb (and maxSandboxes if even the floor does not fit) are set from the host's free space. */
  diskAuto?: boolean;
  /** Folder on the engine host for the sandboxes' disk images. */
  diskDir?: string;
  memoryMb: number;
  cpus: number;
  pidsLimit: number;
  idleMinutes: number;
  maxLifetimeMinutes: number;
  maxSandboxes: number;
  /** The most sandboxes one workspace's learners hold at once (its learners wait in line beyond it); unset: no quota. */
  maxPerWorkspace?: number;
  /** Ready sandboxes kept waiting; with warmPoolAuto, the most the automatic sizing may keep. */
  warmPool: number;
  /** `SANDBOX_WARM_POOL=auto`: the pool follows recent demand (new learners per minute), up to warmPool. */
  warmPoolAuto?: boolean;
  /** Sandbox starts allowed at once (a nested dockerd start is CPU-heavy); default from the host's CPUs. */
  parallelStarts?: number;
  commandTimeoutSeconds: number;
  commandMaxTimeoutSeconds: number;
  outputCapBytes: number;
  commandsPerMinute: number;
  /** Fresh sandboxes (`reset`, a challenge's Accept) a learner may ask for in any ten minutes. */
  newPerLearnerPerTenMinutes?: number;
  /** Registry mirror for the nested engines; unset means the built-in offline mirror. */
  registryMirror?: string;
  /** The built-in mirror as a pull-through cache: MIRROR_UPSTREAM (`auto`, `off` or a URL) and its credentials. */
  mirrorUpstream?: { setting: string; username?: string; password?: string };
  blockEgress: boolean;
  /** Label value separating the sandboxes of bots that share one Docker engine (e.g. staging and production). */
  instance?: string;
}

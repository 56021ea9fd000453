/** Facts about the machine the sandboxes run on; main passes the real ones (os.cpus, os.totalmem). */
export interface HostFacts {
  cpus: number;
  memoryMb: number;
}

/** Used when the caller gives no host facts (tests): a small 2-core, 8 GiB machine. */
export const FALLBACK_HOST: HostFacts = { cpus: 2, memoryMb: 8192 };

/**
 * Defaults that depend on the host. Most sandboxes sit idle while their learner reads (about 63 MiB
 * each, docs/platform-facts.md) but lessons run nginx, builds and Python: 384 MiB per sandbox on
 * average, with a quarter of the memory left for the engine and the bot; and at most 25 learners per
 * core. Parallel starts: 16 per core. A sandbox start mostly waits (the nested dockerd's start-up, the engine's
 * network and mount work), so on 2 cores 30 at once finished in 18-36 s where 4 at a time took 38-60 s
 * (bench/RESULTS.md, class start); the bound keeps a burst of 100 from starting all at once.
 */
export function sandboxLimitsFor(host: HostFacts): { maxSandboxes: number; parallelStarts: number } {
  const cpus = Math.max(1, Math.floor(host.cpus));
  const byMemory = Math.floor((host.memoryMb * 0.75) / 384);
  return { maxSandboxes: Math.max(2, Math.min(byMemory, cpus * 25)), parallelStarts: cpus * 16 };
}

/** `SANDBOX_DISK_MB=auto`: the most one sandbox's disk is given (the fixed default before auto sizing). */
export const AUTO_DISK_CEILING_MB = 8192;

/**
 * `SANDBOX_DISK_MB=auto`: the least one sandbox's disk is given, what the whole course needs in one sandbox.
 * Measured (docs/operating.md, "Disk"): the course as CI runs it in one sandbox peaked at 636 MiB; every lesson
 * image pulled into one sandbox plus a 50 MB build, at 754 MiB. 1 GiB holds that worst case with about a quarter
 * to spare (ext4's own tables take ~2% of it); below it a learner following the course could hit "disk is full".
 */
export const COURSE_DISK_FLOOR_MB = 1024;

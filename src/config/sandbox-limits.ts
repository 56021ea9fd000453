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

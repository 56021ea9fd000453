/**
 * Network spares (class start): N sandboxes created at once through SandboxRuntime (the raw path, no
 * start slots), each until its nested engine answers, with their networks made on the spot (baseline) and taken
 * from a pool filled beforehand, alternating, in the same run. The machine's load average is noted per round.
 */
import { loadavg } from 'node:os';
import type { BenchContext, BenchRow, BenchSection } from './bench-types';
import { MIRROR_CONTAINER } from '../src/images';
import { MIRROR_ENV, NetworkPool, SandboxRuntime, sandboxNetworkPolicy } from '../src/sandbox';

const N = Number(process.env.BENCH_SPARES_N ?? 10);
const ROUNDS = Number(process.env.BENCH_SPARES_ROUNDS ?? 2);

const median = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length ? (s[Math.floor((s.length - 1) / 2)]! + s[Math.ceil((s.length - 1) / 2)]!) / 2 : NaN;
};
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const load = () => loadavg()[0]!.toFixed(1);

/** All N at once; returns the time until the last one is ready and each one's time to ready. Every sandbox made is removed. */
async function createAll(runtime: SandboxRuntime, tag: string): Promise<{ all: number; each: number[] }> {
  const t0 = performance.now();
  const made = await Promise.allSettled(
    Array.from({ length: N }, async (_, i) => {
      const info = await runtime.create(`bench:${tag}${i}`, 'learner');
      return { info, at: performance.now() - t0 };
    }),
  );
  const all = performance.now() - t0;
  const ok = made.flatMap((m) => (m.status === 'fulfilled' ? [m.value] : []));
  await Promise.all(ok.map(({ info }) => runtime.remove(info.id).catch(() => undefined)));
  const failed = made.find((m): m is PromiseRejectedResult => m.status === 'rejected');
  if (failed) throw failed.reason;
  return { all, each: ok.map((m) => m.at) };
}

/**
 * Only the network step of N sandboxes at once (the network policy: network, mirror joined, or a claim), without
 * the containers: what the pool takes off the start, less exposed to CPU load than whole sandboxes.
 */
async function networkStep(ctx: BenchContext, spares: NetworkPool | undefined, tag: string): Promise<number> {
  const policy = sandboxNetworkPolicy({ docker: ctx.docker, logger: ctx.logger, blockEgress: true, mirrorContainer: MIRROR_CONTAINER, mirrorUrl: ctx.mirrorUrl, mirrorEnv: MIRROR_ENV, ensureFirewall: async () => undefined, spares });
  const labels = { 'dockhand.app': 'dockhand', 'dockhand.instance': ctx.instance(`netstep-${tag}`) };
  const t0 = performance.now();
  const undos = await Promise.allSettled(Array.from({ length: N }, (_, i) => policy.apply({ name: `dockhand-bench-netstep-${tag}-${i}-${Date.now().toString(36)}` }, { instance: labels['dockhand.instance'], learnerKey: `bench:${i}`, role: 'learner', createdAt: Date.now(), labels })));
  const took = performance.now() - t0;
  for (const u of undos) if (u.status === 'fulfilled' && u.value) await u.value();
  const failed = undos.find((u): u is PromiseRejectedResult => u.status === 'rejected');
  if (failed) throw failed.reason;
  return took;
}

export const networkSpares: BenchSection = {
  title: 'Network spares',
  async run(ctx: BenchContext): Promise<BenchRow[]> {
    const config = ctx.config({ blockEgress: true, maxSandboxes: N + 5 });
    // a loaded 2-core machine can take over 30 s for 10 nested engines at once: the wait is not what is measured
    const base = { docker: ctx.docker, config, logger: ctx.logger, image: ctx.sandboxImage, mirrorUrl: ctx.mirrorUrl, readyTimeoutMs: 180_000 };
    const plain = new SandboxRuntime({ ...base, instance: ctx.instance('nospares'), networkSpares: false });
    const pooled = new SandboxRuntime({ ...base, instance: ctx.instance('spares'), networkSpares: { floor: N } });
    const without: { all: number; each: number[]; load: string }[] = [];
    const withPool: { all: number; each: number[]; load: string }[] = [];
    let fill = NaN;
    const stepWithout: number[] = [];
    const stepWith: number[] = [];
    try {
      // one sandbox each first: images, host policies and the firewall are ready before anything is timed
      await plain.remove((await plain.create('bench:prime', 'learner')).id);
      await pooled.remove((await pooled.create('bench:prime', 'learner')).id);
      // the network step alone, same run: on the spot, then from a full pool
      const stepPool = new NetworkPool({ docker: ctx.docker, logger: ctx.logger, instance: ctx.instance('netstep-pool'), namePrefix: `dockhand-${ctx.instance('netstep-pool')}`, blockEgress: true, mirrorContainer: MIRROR_CONTAINER, ensureFirewall: async () => undefined, max: N, floor: N });
      try {
        for (let r = 0; r < ROUNDS; r++) {
          stepWithout.push(await networkStep(ctx, undefined, `plain${r}`));
          if (r === 0) await stepPool.start();
          await stepPool.settled();
          stepWith.push(await networkStep(ctx, stepPool, `pooled${r}`));
        }
      } finally {
        await stepPool.close();
      }
      const t = performance.now();
      await pooled.networks!.start();
      for (let r = 0; r < ROUNDS; r++) {
        // the pool is full before the class arrives (a floor, a pre-warm, the warm pool's demand); the baseline
        // runs while nothing refills; the pooled round refills behind its claims, as in production
        await pooled.networks!.settled();
        if (r === 0) fill = performance.now() - t;
        if (pooled.networks!.stats().ready < N) throw new Error(`bench: only ${pooled.networks!.stats().ready} spares ready`);
        without.push({ ...(await createAll(plain, `plain${r}-`)), load: load() });
        withPool.push({ ...(await createAll(pooled, `pooled${r}-`)), load: load() });
      }
    } finally {
      await pooled.networks?.close();
      await plain.removeNetwork().catch(() => undefined);
      await pooled.removeNetwork().catch(() => undefined);
    }
    const a = median(without.map((x) => x.all));
    const b = median(withPool.map((x) => x.all));
    const rounds = (xs: { all: number; load: string }[]) => xs.map((x) => `${s(x.all)} (load ${x.load})`).join(', ');
    const sa = median(stepWithout);
    const sb = median(stepWith);
    return [
      { metric: `network step of ${N} sandboxes at once (create + join the mirror), median of ${ROUNDS}`, value: s(sa), note: `rounds: ${stepWithout.map(s).join(', ')}` },
      { metric: `network step of ${N} sandboxes at once from a full pool (claim), median of ${ROUNDS}`, value: s(sb), note: `rounds: ${stepWith.map(s).join(', ')}; ratio ${(sb / sa).toFixed(3)}` },
      { metric: `${N} sandboxes created at once, networks made on the spot (baseline): all ready, median of ${ROUNDS}`, value: s(a), note: `rounds: ${rounds(without)}; each ready p50 ${s(median(without.flatMap((x) => x.each)))}` },
      { metric: `${N} sandboxes created at once, networks from ${N} spares made beforehand: all ready, median of ${ROUNDS}`, value: s(b), note: `rounds: ${rounds(withPool)}; each ready p50 ${s(median(withPool.flatMap((x) => x.each)))}` },
      { metric: 'ratio with spares / baseline (all ready)', value: (b / a).toFixed(2), target: '< 1' },
      { metric: `making ${N} spares from none (parallel 2, nothing else running)`, value: s(fill), note: 'engine time moved ahead of the sandbox starts' },
    ];
  },
};

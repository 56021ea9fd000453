/**
 * Images at local speed, every acceptance measurement in one run:
 * - pulls: the same image pulled in a fresh sandbox and on the host from the mirror, same run (pull-ratio.ts);
 * - the course's first step, `docker run hello-world` in a fresh sandbox (bench/first-step.ts);
 * - a failed pull (`docker pull nosuchimage`): how soon the learner gets their line;
 * - challenge accept-to-ready, one learner at a time and BENCH_IMAGES_RACE_CROWD at once (challenge-ready.ts);
 * - class start on a loaded machine: BENCH_IMAGES_CLASS_N learners open lesson 1, read, type, with a CPU load the
 *   bench runs beside them (cpu-load.ts); then BENCH_IMAGES_WORKSHOP_N after `/tutor class prepare N`, same load.
 * Every bot this section starts is stopped (its sandboxes removed) in a finally, and on SIGINT/SIGTERM too.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { BenchContext, BenchRow, BenchSection } from './bench-types';
import { acceptHarnessEnv, measureAcceptToReady } from './challenge-ready';
import { ADMIN as CLASS_ADMIN, firstCommands, prepareClass, resetAll } from './class-start';
import { withCpuLoad } from './cpu-load';
import { profileClass } from './images-class-profile';
import { pullFailureRow, pullRatioRows } from './pull-ratio';
import { startHarness, type Harness } from './slack-e2e';
import { ms, percentile } from './stats';

const RACE_N = Number(process.env.BENCH_IMAGES_RACE_N ?? 5);
const RACE_CROWD = Number(process.env.BENCH_IMAGES_RACE_CROWD ?? 5);
const CLASS_N = Number(process.env.BENCH_IMAGES_CLASS_N ?? 30);
const WORKSHOP_N = Number(process.env.BENCH_IMAGES_WORKSHOP_N ?? 100);
const READ_MS = Number(process.env.BENCH_CLASS_READ_MS ?? 15_000);
/** How long a learner waits for lesson 1's card before the bench counts it missing (and they type anyway). */
const CARD_TIMEOUT_MS = 120_000;
/** Which parts to run (comma-separated: pull, first, fail, race, class, workshop); all by default. */
const PARTS = new Set((process.env.BENCH_IMAGES_PARTS ?? 'pull,first,fail,race,class,workshop').split(',').map((p) => p.trim()));
/** The longest a CPU load may run (its workers end on their own after this, whatever happens to the bench). */
const LOAD_MAX_MS = 20 * 60_000;
/**
 * SANDBOX_DISK_MB for the workshop's bot: no disk cap by default, since a host sized for a class of 30 may not hold
 * 100 sandbox disks (this one held 49 of 1 GiB); the pool is ready before the timed part, so the cap's cost of a
 * start does not enter the measurement. Set it to measure with the cap.
 */
const WORKSHOP_DISK_MB = process.env.BENCH_IMAGES_WORKSHOP_DISK_MB ?? '0';
/**
 * SANDBOX_DISK_MB for the loaded class's bot: the course's smallest disk, since `auto` sizes the disks (2.8 GiB here)
 * from the free space at the bot's start, and on a host shared with other work that space was gone by the time
 * the class opened (the bot refused sandboxes as "out of disk space"). `auto` to measure with the product default.
 */
const CLASS_DISK_MB = process.env.BENCH_IMAGES_CLASS_DISK_MB ?? '1024';

const met = (ok: boolean) => (ok ? 'met' : 'NOT met');
const learners = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `U${prefix}${randomBytes(3).toString('hex').toUpperCase()}${i}`);

/** Bots started by this section, stopped on an interrupt too (each holds sandboxes). */
const live = new Set<Harness>();
async function harness(env: Record<string, string>): Promise<Harness> {
  // DATABASE_POOL_SIZE reaches the section's bots, to measure the pool's size against the product default
  const h = await startHarness({ ...(process.env.DATABASE_POOL_SIZE ? { DATABASE_POOL_SIZE: process.env.DATABASE_POOL_SIZE } : {}), ...env });
  live.add(h);
  return h;
}
async function stop(h: Harness): Promise<void> {
  live.delete(h);
  await h.stop();
}
const onSignal = (signal: NodeJS.Signals) => {
  process.stderr.write(`bench: ${signal}: stopping ${live.size} bot(s) and their sandboxes\n`);
  Promise.allSettled([...live].map((h) => h.stop())).finally(() => process.exit(130)).catch(() => undefined);
};

type FirstStep = { firstHelloWorld(ctx: BenchContext): Promise<BenchRow[]> };

/** The first hello-world rows from bench/first-step.ts, written separately; a row saying so while it is absent. */
async function firstStepRows(ctx: BenchContext): Promise<BenchRow[]> {
  const file = join(__dirname, 'first-step.ts');
  if (!existsSync(file)) return [{ metric: 'first `docker run hello-world` in a fresh sandbox', value: 'not measured: bench/first-step.ts missing', target: 'p50 <= 1500 ms' }];
  const mod = (await import(file)) as FirstStep;
  return mod.firstHelloWorld(ctx);
}

async function raceRows(ctx: BenchContext): Promise<BenchRow[]> {
  const h = await harness({ ...acceptHarnessEnv(RACE_N, RACE_CROWD), SANDBOX_PROFILE: ctx.config().profile });
  try {
    // each round accepts once the challenge's warm sandboxes are ready (people read the card first)
    const { one, atOnce: crowd, warmReady } = await measureAcceptToReady(h, RACE_N, RACE_CROWD);
    const p50One = percentile(one.filter(Number.isFinite), 50);
    const p50Crowd = percentile(crowd.filter(Number.isFinite), 50);
    const missing = (v: number[]) => v.filter((x) => !Number.isFinite(x)).length;
    return [
      { metric: `challenge accept-to-ready, one learner at a time, p50 (n=${RACE_N})`, value: ms(p50One), target: '<= 3000 ms', note: `${met(p50One <= 3000)}; p95 ${ms(percentile(one, 95))}; no task: ${missing(one)}; ${warmReady.one} warm sandboxes ready before the first accept` },
      { metric: `challenge accept-to-ready, ${RACE_CROWD} learners at once, p50`, value: ms(p50Crowd), target: '<= 10000 ms', note: `${met(p50Crowd <= 10000)}; max ${ms(Math.max(...crowd))}; no task: ${missing(crowd)}; ${warmReady.atOnce} warm sandboxes ready before the accepts` },
    ];
  } finally {
    await stop(h);
  }
}

/**
 * class-start.ts's realistic flow (open lesson 1 within a second, read, type), except that a card late beyond
 * CARD_TIMEOUT_MS is counted, not fatal: on a loaded machine the row should say how late, not vanish.
 */
async function openReadType(h: Harness, klass: string[], tag: string) {
  const prof = profileClass(h, klass);
  const t0 = performance.now();
  prof.begin();
  let noCard = 0;
  await Promise.all(
    klass.map(async (u) => {
      const card = h.watcher.nextPost(h.standIn.dmChannelFor(u), CARD_TIMEOUT_MS);
      await h.standIn.sendDirectMessage(u, 'start 1');
      await card.then(() => prof.card(u), () => void noCard++);
    }),
  );
  const opened = performance.now() - t0;
  await new Promise((r) => setTimeout(r, READ_MS));
  prof.typing();
  const typed = await firstCommands(h, klass, tag, 120_000, (u, sentAt, final) => prof.output(u, sentAt, final.at, final.postedAt));
  const profile = prof.stop();
  process.stderr.write(`bench: ${tag}: ${profile}\n`);
  return { opened, noCard, profile, ...typed };
}

const classNote = (r: Awaited<ReturnType<typeof openReadType>>, p95: number) =>
  `${met(p95 <= 3000 && r.failed + r.wrong + r.noCard === 0)}; p50 ${ms(percentile(r.lat, 50))}; ${r.failed} not delivered, ${r.wrong} wrong; step cards shown after ${ms(r.opened)}${r.noCard ? ` (${r.noCard} not within ${CARD_TIMEOUT_MS / 1000} s)` : ''}; ${r.profile}`;

async function pullFailureRows(ctx: BenchContext): Promise<BenchRow[]> {
  const h = await harness({ SANDBOX_MAX_COUNT: '5', SANDBOX_PROFILE: ctx.config().profile });
  try {
    return [await pullFailureRow(h)];
  } finally {
    await stop(h);
  }
}

/** CLASS_N learners open lesson 1, read, type, with the CPU load beside them. */
async function loadedClassRows(ctx: BenchContext): Promise<BenchRow[]> {
  const h = await harness({ SANDBOX_MAX_COUNT: String(CLASS_N + 5), SANDBOX_DISK_MB: CLASS_DISK_MB, SANDBOX_PROFILE: ctx.config().profile });
  try {
    const klass = learners('ILOAD', CLASS_N);
    const { result: r, load } = await withCpuLoad(LOAD_MAX_MS, () => openReadType(h, klass, 'loaded'));
    const p95 = percentile(r.lat, 95);
    await resetAll(h, klass);
    return [
      {
        metric: `${CLASS_N} learners open lesson 1 at once, read ${READ_MS / 1000} s, type, under CPU load: first output p95`,
        value: ms(p95),
        target: '<= 3000 ms',
        note: `${classNote(r, p95)}; SANDBOX_DISK_MB=${CLASS_DISK_MB}; ${load}`,
      },
    ];
  } finally {
    await stop(h);
  }
}

/** `/tutor class prepare N` (no bench load while the pool fills), then N learners open, read, type under the load. */
async function workshopRows(ctx: BenchContext): Promise<BenchRow[]> {
  const h = await harness({ SANDBOX_MAX_COUNT: String(WORKSHOP_N + 10), SANDBOX_DISK_MB: WORKSHOP_DISK_MB, SANDBOX_PROFILE: ctx.config().profile, ADMIN_USER_IDS: CLASS_ADMIN });
  h.standIn.setMaxListeners(WORKSHOP_N + 10);
  try {
    // the bot lowers its cap at start when the host's disk cannot hold them all: fail now, not after the prepare's timeout
    const lowered = h.warnings().map((w) => /at most (\d+) sandboxes run at once/.exec(w)).find((m) => m && Number(m[1]) < WORKSHOP_N);
    if (lowered) throw new Error(`the bot can run only ${lowered[1]} sandboxes on this host's disk (SANDBOX_DISK_MB=${WORKSHOP_DISK_MB}); set BENCH_IMAGES_WORKSHOP_DISK_MB=0`);
    const preparedIn = await prepareClass(h, WORKSHOP_N);
    const klass = learners('IWORK', WORKSHOP_N);
    const { result: r, load } = await withCpuLoad(LOAD_MAX_MS, () => openReadType(h, klass, 'workshop'));
    const p95 = percentile(r.lat, 95);
    await resetAll(h, klass);
    return [
      {
        metric: `workshop: ${WORKSHOP_N} learners after \`/tutor class prepare ${WORKSHOP_N}\`, read ${READ_MS / 1000} s, type, under CPU load: first output p95`,
        value: ms(p95),
        target: '<= 3000 ms',
        note: `${classNote(r, p95)}; pool of ${WORKSHOP_N} ready ${ms(preparedIn)} after the command; SANDBOX_DISK_MB=${WORKSHOP_DISK_MB}; ${load}`,
      },
    ];
  } finally {
    await stop(h);
  }
}

export const images: BenchSection = {
  title: 'Images',
  async run(ctx) {
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    // a rejection nobody handled (seen once in the workshop on a loaded host, reason undefined) is logged, not fatal:
    // a crash here left 220 containers of the section behind
    const onRejection = (reason: unknown) => process.stderr.write(`bench: images: unhandled rejection: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}\n`);
    process.on('unhandledRejection', onRejection);
    try {
      const rows: BenchRow[] = [];
      // one part failing (e.g. a timeout) is a row saying so, and the other parts still run
      const part = async (name: string, on: boolean, fn: () => Promise<BenchRow[]>) => {
        if (!on) return;
        try {
          rows.push(...(await fn()));
        } catch (err) {
          process.stderr.write(`bench: images ${name}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
          rows.push({ metric: `${name}: failed`, value: 'n/a', note: String(err instanceof Error ? err.message : err).replace(/[|\n]/g, ' ').slice(0, 300) });
        }
      };
      await part('pulls', PARTS.has('pull'), () => pullRatioRows(ctx));
      await part('first hello-world', PARTS.has('first'), () => firstStepRows(ctx));
      await part('accept-to-ready', PARTS.has('race'), () => raceRows(ctx));
      await part('pull failure', PARTS.has('fail'), () => pullFailureRows(ctx));
      await part('loaded class', PARTS.has('class'), () => loadedClassRows(ctx));
      await part('workshop', PARTS.has('workshop'), () => workshopRows(ctx));
      return rows;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      process.off('unhandledRejection', onRejection);
    }
  },
};

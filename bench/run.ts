/**
 * `npm run bench`: measures the sandbox layer against the real engine and writes bench/RESULTS.md.
 * Each section is a function returning table rows, so more sections (e.g. Slack end to end) can be added
 * to SECTIONS without touching the rest.
 */
import { execFile, execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import pino from 'pino';
import type { SandboxConfig } from '../src/config';
import { ensureImages } from '../src/images';
import { createSandboxService, SandboxRuntime, testMachineProfile } from '../src/sandbox';
import type { BenchContext, BenchRow, BenchSection } from './bench-types';
import { challengeReady } from './challenge-ready';
import { checkRunner } from './check-runner';
import { classStart } from './class-start';
import { images } from './images';
import { isolation } from './isolation';
import { networkSpares } from './network-spares';
import { playgroundTerminal } from './playground-terminal';
import { playgroundPreview } from './playground-preview';
import { slackEndToEnd } from './slack-e2e';
import { ms, percentile } from './stats';

const run = promisify(execFile);

const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;

const coldStart: BenchSection = {
  title: 'Cold start',
  async run(ctx) {
    const runtime = new SandboxRuntime({ docker: ctx.docker, config: ctx.config(), logger: ctx.logger, image: ctx.sandboxImage, instance: ctx.instance('cold'), mirrorUrl: ctx.mirrorUrl });
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      const info = await runtime.create(`bench:cold${i}`, 'learner');
      times.push(performance.now() - t);
      await runtime.remove(info.id);
    }
    return [{ metric: 'cold start to ready, p50 (n=5)', value: ms(percentile(times, 50)), target: '<= 2000 ms', note: `create + start + nested dockerd answering; max ${ms(Math.max(...times))}` }];
  },
};

const warmPool: BenchSection = {
  title: 'Warm pool',
  async run(ctx) {
    const m = ctx.manager('warm', { warmPool: 1 });
    await m.start();
    const times: number[] = [];
    try {
      for (let i = 0; i < 5; i++) {
        await waitFor(() => m.stats().warm === 1, 60000);
        const t = performance.now();
        await m.run(`bench:warm${i}`, 'true');
        times.push(performance.now() - t);
        await m.reset(`bench:warm${i}`);
      }
    } finally {
      await m.destroyAll();
    }
    return [{ metric: 'warm-pool assignment to first result, p50 (n=5)', value: ms(percentile(times, 50)), target: '<= 300 ms', note: 'claim + attach the pty shell + run `true`' }];
  },
};

const roundTrip: BenchSection = {
  title: 'Round trip',
  async run(ctx) {
    const m = ctx.manager('rtt', { commandsPerMinute: 600 });
    await m.start();
    try {
      await m.run('bench:rtt', 'true');
      const id = m.containerIdOf('bench:rtt')!;
      const ours: number[] = [];
      const raw: number[] = [];
      for (let i = 0; i < 40; i++) {
        let t = performance.now();
        const r = await m.run('bench:rtt', 'echo hi');
        ours.push(performance.now() - t);
        if (r.output !== 'hi') throw new Error(`unexpected output ${r.output}`);
        t = performance.now();
        await run('docker', ['exec', id, 'echo', 'hi']);
        raw.push(performance.now() - t);
      }
      const a = percentile(ours, 50);
      const b = percentile(raw, 50);
      return [
        { metric: '`echo hi` through the attached pty, p50 (n=40)', value: ms(a), note: `p95 ${ms(percentile(ours, 95))}` },
        { metric: 'raw `docker exec <c> echo hi` (CLI), p50 (n=40)', value: ms(b), note: `p95 ${ms(percentile(raw, 95))}` },
        { metric: 'ratio ours / raw', value: (a / b).toFixed(3), target: '< 1' },
      ];
    } finally {
      await m.destroyAll();
    }
  },
};

const concurrency: BenchSection = {
  title: 'Concurrency and memory',
  async run(ctx) {
    const learners = Number(process.env.BENCH_LEARNERS ?? 20);
    const perLearner = 20;
    const m = ctx.manager('load', { maxSandboxes: learners, commandsPerMinute: 600 });
    await m.start();
    const lat: number[] = [];
    let errors = 0;
    const commands = ['echo hi', 'ls /usr/bin | wc -l', 'docker ps -q | wc -l', 'cat /etc/os-release | head -1', 'echo $((RANDOM % 10))'];
    try {
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: learners }, (_, i) => m.run(`bench:load${i}`, 'true').catch(() => void errors++)),
      );
      const startAll = performance.now() - t0;
      const heapBefore = process.memoryUsage();
      await Promise.all(
        Array.from({ length: learners }, async (_, i) => {
          for (let j = 0; j < perLearner; j++) {
            const t = performance.now();
            try {
              const r = await m.run(`bench:load${i}`, commands[j % commands.length]!);
              if (r.exitCode !== 0) errors++;
            } catch {
              errors++;
            }
            lat.push(performance.now() - t);
          }
        }),
      );
      // idle memory: let the engines settle, then one docker stats sample per sandbox
      await new Promise((r) => setTimeout(r, 3000));
      const ids = Array.from({ length: learners }, (_, i) => m.containerIdOf(`bench:load${i}`)).filter((x): x is string => !!x);
      const mem: number[] = [];
      for (const id of ids) {
        const s = (await ctx.docker.getContainer(id).stats({ stream: false })) as { memory_stats: { usage?: number; stats?: { cache?: number; total_inactive_file?: number } } };
        const usage = s.memory_stats.usage ?? 0;
        mem.push(usage - (s.memory_stats.stats?.total_inactive_file ?? s.memory_stats.stats?.cache ?? 0));
      }
      const rss = ptyClientRss(ids);
      const nodeMem = process.memoryUsage();
      return [
        { metric: `${learners} sandboxes started at once (all ready)`, value: ms(startAll), note: 'shared by 2 cores' },
        { metric: `${learners} learners x ${perLearner} commands: latency p50`, value: ms(percentile(lat, 50)) },
        { metric: `${learners} learners x ${perLearner} commands: latency p95`, value: ms(percentile(lat, 95)) },
        { metric: `${learners} learners x ${perLearner} commands: errors`, value: String(errors), target: '0' },
        { metric: 'memory per idle sandbox (docker stats, minus page cache), mean', value: mib(mean(mem)), note: `max ${mib(Math.max(...mem))}` },
        { metric: 'memory per attached pty client (`docker exec -it` RSS), mean', value: mib(mean(rss)), note: `n=${rss.length}` },
        { metric: 'sandbox + pty client together', value: mib(mean(mem) + mean(rss)), target: '<= 100 MiB' },
        { metric: 'bot process RSS with all sessions attached', value: mib(nodeMem.rss), note: `${learners} xterm-headless screens + node-pty; heap ${mib(heapBefore.heapUsed)} before load` },
      ];
    } finally {
      await m.destroyAll();
    }
  },
};

/** Add sections here; each runs on its own, in this order. */
export const SECTIONS: BenchSection[] = [coldStart, warmPool, roundTrip, concurrency, slackEndToEnd, classStart, networkSpares, isolation, challengeReady, checkRunner, images, playgroundTerminal, playgroundPreview];

function mean(v: number[]): number {
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : NaN;
}

function ptyClientRss(ids: string[]): number[] {
  const out: number[] = [];
  const ps = execFileSync('ps', ['-eo', 'rss=,args=']).toString().split('\n');
  for (const line of ps) {
    const m = /^\s*(\d+)\s+docker exec -it .* ([0-9a-f]{64}) bash/.exec(line);
    if (m && ids.includes(m[2]!)) out.push(Number(m[1]) * 1024);
  }
  return out;
}

async function waitFor(cond: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('bench: timed out waiting');
    await new Promise((r) => setTimeout(r, 100));
  }
}

function machineFacts(): string[] {
  const sh = (cmd: string, args: string[]) => {
    try {
      return execFileSync(cmd, args).toString().trim();
    } catch {
      return 'unknown';
    }
  };
  const mem = sh('free', ['-m']).split('\n').find((l) => l.startsWith('Mem:'))?.split(/\s+/)[1];
  return [
    `- Date: ${new Date().toISOString()}`,
    `- CPUs (nproc): ${sh('nproc', [])}`,
    `- Memory (free -m): ${mem ?? 'unknown'} MiB total`,
    `- Docker: server ${sh('docker', ['version', '--format', '{{.Server.Version}}'])} (API ${sh('docker', ['version', '--format', '{{.Server.APIVersion}}'])}), client ${sh('docker', ['version', '--format', '{{.Client.Version}}'])}`,
    `- Node: ${process.version}; kernel ${sh('uname', ['-r'])}`,
  ];
}

async function main(): Promise<void> {
  const docker = new Docker();
  const logger = pino({ level: process.env.LOG_LEVEL ?? 'warn' });
  const { sandboxImage, mirrorUrl } = await ensureImages({ docker, log: logger });
  // `userns` wherever the engine remaps users, else the test-machine profile
  const profile = await testMachineProfile(docker);
  const stamp = Date.now().toString(36);
  const ctx: BenchContext = {
    docker,
    logger,
    sandboxImage,
    mirrorUrl,
    config: (over = {}) => ({
      profile: (process.env.SANDBOX_PROFILE as SandboxConfig['profile']) || profile,
      memoryMb: 1024,
      cpus: 1,
      pidsLimit: 1024,
      idleMinutes: 20,
      maxLifetimeMinutes: 240,
      maxSandboxes: 20,
      warmPool: 0,
      commandTimeoutSeconds: 60,
      commandMaxTimeoutSeconds: 600,
      outputCapBytes: 1024 * 1024,
      commandsPerMinute: 600,
      blockEgress: false,
      ...over,
    }),
    instance: (name) => `bench-${name}-${stamp}`,
    manager: (name, over) => createSandboxService({ sandbox: ctx.config(over) }, { sandboxImage, mirrorUrl }, { docker, logger, instance: ctx.instance(name) }),
  };
  const only = process.argv.slice(2);
  const rowsBySection: Array<[string, BenchRow[]]> = [];
  for (const section of SECTIONS) {
    if (only.length && !only.some((o) => section.title.toLowerCase().includes(o.toLowerCase()))) continue;
    process.stderr.write(`bench: ${section.title}...\n`);
    const rows = await section.run(ctx);
    for (const r of rows) process.stderr.write(`  ${r.metric}: ${r.value}\n`);
    rowsBySection.push([section.title, rows]);
  }
  const file = join(__dirname, 'RESULTS.md');
  let old = '';
  try {
    old = readFileSync(file, 'utf8');
  } catch {
    // first run
  }
  // A partial run (`npm run bench -- slack`) keeps the rows of the sections it did not run.
  const ran = new Set(rowsBySection.map(([t]) => t));
  const kept = SECTIONS.filter((s) => !ran.has(s.title)).flatMap((s) => old.split('\n').filter((l) => l.startsWith(`| ${s.title} |`)));
  const previousDate = /^- Date: (.*)$/m.exec(old)?.[1];
  const lines = [
    '# Benchmark results',
    '',
    'Written by `npm run bench` (bench/run.ts). Sandbox profile: `' + ctx.config().profile + '`; sandboxes 1 GiB / 1 CPU / 1024 pids.',
    '',
    ...machineFacts(),
    ...(kept.length ? [`- Rows of sections not run this time are kept from the previous run (${previousDate ?? 'date unknown'}).`] : []),
    '',
    '| Section | Metric | Value | Target | Note |',
    '| --- | --- | --- | --- | --- |',
    ...SECTIONS.flatMap((s) => {
      const rows = rowsBySection.find(([t]) => t === s.title)?.[1];
      return rows ? rows.map((r) => `| ${s.title} | ${r.metric} | ${r.value} | ${r.target ?? ''} | ${r.note ?? ''} |`) : kept.filter((l) => l.startsWith(`| ${s.title} |`));
    }),
    '',
  ];
  const i = old.indexOf('\n## Notes');
  const extra = i >= 0 ? old.slice(i) : '';
  writeFileSync(file, lines.join('\n') + extra);
  process.stderr.write(`bench: wrote ${file}\n`);
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}

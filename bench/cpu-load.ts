/**
 * A CPU load the bench runs beside a measurement ("other work on the machine"): busy-loop node processes, one
 * per CPU by default (BENCH_IMAGES_LOAD_WORKERS), at normal priority. Each worker ends on its own when its time
 * is up or when the bench process is gone (its parent changes), so a bench killed mid-run leaves no load behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpus, setPriority } from 'node:os';
import { readFileSync } from 'node:fs';

export interface CpuLoad {
  workers: number;
  /** What the load was, for a row's note (workers, and the 1-minute load average when it stopped). */
  describe(): string;
  stop(): Promise<void>;
}

export const LOAD_WORKERS = Number(process.env.BENCH_IMAGES_LOAD_WORKERS ?? cpus().length);

// Checks the clock and the parent every million iterations (a few ms), so it stops promptly.
const WORKER = `const p = process.ppid; const end = Date.now() + Number(process.argv[1]);
for (;;) { let x = 0; for (let i = 0; i < 1e6; i++) x += i; if (Date.now() > end || process.ppid !== p) process.exit(0); }`;

const loadAverage = (): string => {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ')[0]!;
  } catch {
    return 'unknown';
  }
};

/** Starts `workers` busy loops for at most `maxMs`; stop() ends them (by their pids) and waits for them to exit. */
export function startCpuLoad(maxMs: number, workers = LOAD_WORKERS): CpuLoad {
  const children: ChildProcess[] = Array.from({ length: workers }, () => {
    const child = spawn(process.execPath, ['-e', WORKER, String(maxMs)], { stdio: 'ignore' });
    // other work runs at normal priority: a worker would otherwise take the bench's (the bot's BOT_NICE, in-process)
    if (child.pid !== undefined) setPriority(child.pid, 0);
    return child;
  });
  const startedAt = performance.now();
  let stoppedAt: number | undefined;
  let loadAtStop = 'unknown';
  const killAll = () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  };
  process.once('exit', killAll);
  return {
    workers,
    describe: () =>
      `load: ${workers} busy-loop node process${workers === 1 ? '' : 'es'} (one per CPU, nice 0; the bot at BOT_NICE ${process.env.BOT_NICE ?? '-10'}) for the whole flow (${(((stoppedAt ?? performance.now()) - startedAt) / 1000).toFixed(0)} s); 1-min load average at the end ${loadAtStop}`,
    async stop() {
      if (stoppedAt !== undefined) return;
      loadAtStop = loadAverage();
      stoppedAt = performance.now();
      const exited = children.map((c) => (c.exitCode !== null || c.signalCode !== null ? Promise.resolve() : new Promise<void>((r) => c.once('exit', () => r()))));
      killAll();
      await Promise.all(exited);
      process.off('exit', killAll);
    },
  };
}

/** Runs `fn` with a CPU load beside it (stopped even when `fn` throws); returns fn's result and the load's description. */
export async function withCpuLoad<T>(maxMs: number, fn: () => Promise<T>): Promise<{ result: T; load: string }> {
  const load = startCpuLoad(maxMs);
  try {
    const result = await fn();
    await load.stop();
    return { result, load: load.describe() };
  } finally {
    await load.stop();
  }
}

/**
 * Check runner: what running checks in the trusted inspector costs. One warm sandbox (its shell, its
 * nested engine and its inspector already started); a check's round trip through SandboxManager.checkScript,
 * compared in the same run with a raw `docker exec <sandbox> true` through the CLI and with the old way (a script
 * through the engine API inside the sandbox, execScript). Also the one-off cost of the first check of a fresh
 * sandbox, which starts its inspector.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { BenchContext, BenchRow, BenchSection } from './bench-types';
import { ms } from './stats';

const run = promisify(execFile);
const N = 30;
const KEY = 'bench:checks';
/** Shaped like a lesson check: asks the nested engine, reads a learner file, fetches a published port. */
const TYPICAL = 'docker ps -q >/dev/null && test -f ~/.bashrc && curl -s --max-time 2 -o /dev/null localhost:8080; exit 0';

const p = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((q / 100) * xs.length) - 1)] ?? NaN;

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

export const checkRunner: BenchSection = {
  title: 'Check runner',
  async run(ctx: BenchContext): Promise<BenchRow[]> {
    const m = ctx.manager('checks', { commandsPerMinute: 600 });
    await m.start();
    try {
      // first checks of fresh sandboxes: the inspector starts (its image already built by start())
      const first: number[] = [];
      for (let i = 0; i < 3; i++) {
        const key = `bench:first${i}`;
        await m.run(key, 'true');
        first.push(await timed(() => m.checkScript(key, 'true')));
        await m.reset(key);
      }
      await m.run(KEY, 'true');
      await m.checkScript(KEY, 'true');
      const id = m.containerIdOf(KEY)!;
      const check: number[] = [];
      const typical: number[] = [];
      const old: number[] = [];
      const raw: number[] = [];
      for (let i = 0; i < N; i++) {
        check.push(
          await timed(async () => {
            const r = await m.checkScript(KEY, 'true');
            if (r.exitCode !== 0) throw new Error(`check failed: ${r.output}`);
          }),
        );
        typical.push(await timed(() => m.checkScript(KEY, TYPICAL)));
        old.push(await timed(() => m.execScript(KEY, 'true')));
        raw.push(await timed(() => run('docker', ['exec', id, 'true'])));
      }
      const c = p(check, 50);
      const r = p(raw, 50);
      return [
        { metric: `check \`true\` through checkScript on a warm sandbox, p50 (n=${N})`, value: ms(c), target: '< 300 ms', note: `p95 ${ms(p(check, 95))}; an exec in the inspector via the engine API` },
        { metric: `typical check (docker ps + a file + curl a port), p50 (n=${N})`, value: ms(p(typical, 50)), target: '< 300 ms', note: `p95 ${ms(p(typical, 95))}` },
        { metric: `raw \`docker exec <sandbox> true\` (CLI), p50 (n=${N})`, value: ms(r), note: `p95 ${ms(p(raw, 95))}` },
        { metric: 'ratio check / raw docker exec', value: (c / r).toFixed(3), target: '<= 1' },
        { metric: `old way: \`true\` inside the sandbox (execScript), p50 (n=${N})`, value: ms(p(old, 50)), note: `extra cost of the trusted runner: ${ms(c - p(old, 50))} per check` },
        { metric: 'first check of a fresh sandbox (starts its inspector), p50 (n=3)', value: ms(p(first, 50)), note: `max ${ms(Math.max(...first))}; once per sandbox, or ahead of time by prepare()` },
      ];
    } finally {
      await m.destroyAll();
    }
  },
};

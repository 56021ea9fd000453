/**
 * Isolation: a bystander's command latency while another learner attacks their own sandbox.
 * One SandboxManager, two learners, the configured profile (userns here), the disk cap on. For each attack the
 * bystander runs `true` back to back through its attached pty; the median during the attack is compared with
 * the bystander's idle median measured in the same run just before it (target: within 2x of idle).
 */
import type { BenchContext, BenchRow, BenchSection } from './bench-types';
import type { SandboxManager } from '../src/sandbox';
import { ms } from './stats';
import { ATTACKS } from './attacks';

const ATTACKER = 'bench:attacker';
const BYSTANDER = 'bench:bystander';
const MIN_SAMPLES = 8;
const MAX_SAMPLES = 60;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

async function sample(m: SandboxManager, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const r = await m.run(BYSTANDER, 'true');
    if (r.exitCode !== 0) throw new Error(`bystander command failed: exit ${r.exitCode}`);
    out.push(performance.now() - t);
  }
  return out;
}

export const isolation: BenchSection = {
  title: 'Isolation',
  async run(ctx: BenchContext): Promise<BenchRow[]> {
    const m = ctx.manager('isolation', { diskMb: 300, pidsLimit: 256, memoryMb: 512, maxSandboxes: 3, blockEgress: true, commandTimeoutSeconds: 30, newPerLearnerPerTenMinutes: 6 });
    await m.start();
    const rows: BenchRow[] = [];
    try {
      await m.run(ATTACKER, 'true');
      await m.run(BYSTANDER, 'true');
      const peer = (await m.execScript(BYSTANDER, "hostname -I | awk '{print $1}'", { timeoutMs: 5000 })).output.trim();
      await sample(m, 5); // warm-up
      for (const a of ATTACKS) {
        const idle = median(await sample(m, 15));
        let done = false;
        const attacking = (a.drive ? a.drive(m, ATTACKER) : m.run(ATTACKER, (a.command ?? 'true').replace(/\$PEER/g, peer), { timeoutMs: 30_000 })).finally(() => {
          done = true;
        });
        const during: number[] = [];
        while (during.length < MIN_SAMPLES || (!done && during.length < MAX_SAMPLES)) during.push(...(await sample(m, 1)));
        const r = await attacking;
        const ratio = median(during) / idle;
        rows.push({
          metric: `bystander \`true\` while the other learner runs: ${a.name}, median`,
          value: ms(median(during)),
          target: '<= 2x idle',
          note: `idle ${ms(idle)} just before; ratio ${ratio.toFixed(2)} (${ratio <= 2 ? 'met' : 'NOT met'}); n=${during.length}, max ${ms(Math.max(...during))}${a.expect(r) ? '' : '; the attack did not produce its expected notice'}`,
        });
      }
    } finally {
      await m.destroyAll();
    }
    return rows;
  },
};

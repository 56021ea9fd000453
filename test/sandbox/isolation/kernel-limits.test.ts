import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import type { EngineHostShell } from '../../../src/sandbox/engine/engine-host';
import { KERNEL_MINIMUMS, kernelLimitsScript, kernelLimitsWarning, parseKernelLimits, raiseKernelLimits } from '../../../src/sandbox/isolation/kernel-limits';

const limits = [
  { key: 'kernel.keys.maxkeys', min: 20000 },
  { key: 'kernel.keys.maxbytes', min: 2000000 },
  { key: 'fs.inotify.max_user_instances', min: 8192 },
  { key: 'fs.inotify.max_user_watches', min: 524288 },
];

function fakeProcSys(values: Record<string, string | 'dir'>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sysctl-'));
  for (const [key, v] of Object.entries(values)) {
    const f = path.join(root, ...key.split('.'));
    fs.mkdirSync(path.dirname(f), { recursive: true });
    // a directory stands for a sysctl the host refuses to write (root passes file modes, not EISDIR)
    if (v === 'dir') fs.mkdirSync(f);
    else fs.writeFileSync(f, `${v}\n`);
  }
  return root;
}

describe('kernel limits at start', () => {
  it('the minimums are the key quota and inotify limits the whole class shares', () => {
    expect(KERNEL_MINIMUMS).toEqual(limits);
  });

  it('the script raises what is low, keeps what is high and reports what it cannot write', () => {
    const root = fakeProcSys({ 'kernel.keys.maxkeys': '200', 'kernel.keys.maxbytes': '25000000', 'fs.inotify.max_user_instances': 'dir' });
    const out = execFileSync('sh', ['-c', kernelLimitsScript(limits, root)], { encoding: 'utf8' });
    expect(fs.readFileSync(path.join(root, 'kernel/keys/maxkeys'), 'utf8').trim()).toBe('20000');
    expect(fs.readFileSync(path.join(root, 'kernel/keys/maxbytes'), 'utf8').trim()).toBe('25000000');
    const outcome = parseKernelLimits(out, limits);
    expect(outcome.raised).toEqual([{ key: 'kernel.keys.maxkeys', from: 200, to: 20000 }]);
    expect(outcome.failed.map((f) => f.key)).toEqual(['fs.inotify.max_user_instances', 'fs.inotify.max_user_watches']);
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('warns in ONE line naming the low limits and the exact command, and not at all when all are fine', () => {
    const w = kernelLimitsWarning([{ key: 'kernel.keys.maxkeys', have: 200, min: 20000 }, { key: 'fs.inotify.max_user_instances', have: 128, min: 8192 }])!;
    expect(w.split('\n')).toHaveLength(1);
    expect(w).toContain('kernel.keys.maxkeys 200 < 20000, fs.inotify.max_user_instances 128 < 8192');
    expect(w).toContain('sysctl -w kernel.keys.maxkeys=20000 fs.inotify.max_user_instances=8192');
    expect(kernelLimitsWarning([])).toBeUndefined();
  });

  it('runs on the engine host in its own mount namespace and never throws when the host cannot be reached', async () => {
    const calls: { hostMounts?: boolean }[] = [];
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (l: string) => void lines.push(l) });
    const host: EngineHostShell = {
      local: false,
      run: async (_script, opts) => {
        calls.push(opts);
        throw new Error('helper could not start');
      },
    };
    const outcome = await raiseKernelLimits(host, logger, limits);
    expect(calls[0]!.hostMounts).toBe(true);
    expect(outcome.failed).toHaveLength(4);
    const warnings = lines.map((l) => JSON.parse(l) as { level: number; msg: string }).filter((l) => l.level === 40);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.msg).toContain('could not raise them');
  });
});

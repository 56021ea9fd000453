import fs from 'node:fs';
import { engineFacts, helperEngineHostShell, localEngineHostShell } from '../../../src/sandbox/engine/engine-host';
import { KERNEL_MINIMUMS, raiseKernelLimits } from '../../../src/sandbox/isolation/kernel-limits';
import { watchKeyQuota } from '../../../src/sandbox/isolation/key-quota-watch';
import { IMAGES_TIMEOUT_MS, docker, logger, sandboxImages } from '../sandbox-fixture';

/**
 * The start-up kernel limits and the key-quota reading on this engine host, through both host shells: the local
 * one (bot and engine on one machine, root) and the helper container a remote engine gets. This host's limits
 * are raised to the minimums if lower (that is the behaviour under test); nothing is ever lowered.
 */
const sysctl = (key: string) => Number(fs.readFileSync(`/proc/sys/${key.replace(/\./g, '/')}`, 'utf8'));

let image: string;
beforeAll(async () => {
  image = (await sandboxImages()).sandboxImage;
}, IMAGES_TIMEOUT_MS);

describe('kernel limits on the engine host', () => {
  it('leaves every shared per-uid limit at or above its minimum (local shell)', async () => {
    const outcome = await raiseKernelLimits(localEngineHostShell(), logger);
    expect(outcome.failed).toEqual([]);
    for (const l of KERNEL_MINIMUMS) expect(sysctl(l.key)).toBeGreaterThanOrEqual(l.min);
  }, 60000);

  it('reads and checks them through a helper container in the host mount namespace (remote engines)', async () => {
    const limits = KERNEL_MINIMUMS.map((l) => ({ key: l.key, min: Math.min(l.min, sysctl(l.key)) }));
    const outcome = await raiseKernelLimits(helperEngineHostShell(docker, image, logger), logger, limits);
    expect(outcome).toEqual({ raised: [], failed: [] });
  }, 120000);

  it("reads the remap uid's key quota through the helper, as the gauge exports it", async () => {
    const uid = (await engineFacts(docker)).remap?.uid ?? 0;
    const watch = watchKeyQuota({ host: helperEngineHostShell(docker, image, logger), uid, logger, intervalMs: 3_600_000 });
    try {
      const r = await watch.check();
      expect(r?.keys.max).toBe(sysctl(uid === 0 ? 'kernel.keys.root_maxkeys' : 'kernel.keys.maxkeys'));
      expect(r?.bytes.max).toBe(sysctl(uid === 0 ? 'kernel.keys.root_maxbytes' : 'kernel.keys.maxbytes'));
      expect(r!.keys.used).toBeLessThanOrEqual(r!.keys.max);
    } finally {
      watch.stop();
    }
  }, 120000);
});

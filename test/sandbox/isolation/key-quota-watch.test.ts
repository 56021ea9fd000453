import pino from 'pino';
import { BotMetrics } from '../../../src/ops/metrics';
import type { EngineHostShell } from '../../../src/sandbox/engine/engine-host';
import { latestKeyQuota, parseKeyUsers, watchKeyQuota } from '../../../src/sandbox/isolation/key-quota-watch';

const KEY_USERS = ['    0:    10 9/9 4/1000000 110/25000000', '100000:     2 2/2 2/20000 140/2000000', 'dockhand-keys-max 20000 2000000 1000000 25000000'].join('\n');

describe('key quota watch', () => {
  it('reads the uid line of /proc/key-users, or the sysctl maxima when the uid holds no key', () => {
    expect(parseKeyUsers(KEY_USERS, 100000)).toEqual({ uid: 100000, keys: { used: 2, max: 20000 }, bytes: { used: 140, max: 2000000 } });
    expect(parseKeyUsers(KEY_USERS, 0)).toEqual({ uid: 0, keys: { used: 4, max: 1000000 }, bytes: { used: 110, max: 25000000 } });
    expect(parseKeyUsers('dockhand-keys-max 200 20000 1000000 25000000', 165536)).toEqual({ uid: 165536, keys: { used: 0, max: 200 }, bytes: { used: 0, max: 20000 } });
    expect(parseKeyUsers('dockhand-keys-max 200 20000 1000 250', 0)).toEqual({ uid: 0, keys: { used: 0, max: 1000 }, bytes: { used: 0, max: 250 } });
    expect(parseKeyUsers('', 100000)).toBeUndefined();
  });

  it('exports what is left and warns once when it drops below 20%, again only after it recovered', async () => {
    let used = 100;
    const host: EngineHostShell = { local: true, run: async () => ({ exitCode: 0, output: `100000:  ${used} ${used}/${used} ${used}/1000 ${used * 10}/1000000\n` }) };
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (l: string) => void lines.push(l) });
    const watch = watchKeyQuota({ host, uid: 100000, logger, intervalMs: 3_600_000 });
    try {
      await watch.check();
      expect(latestKeyQuota()).toEqual({ keys: 900, bytes: 999000 });
      used = 850;
      await watch.check();
      await watch.check();
      expect(latestKeyQuota()).toEqual({ keys: 150, bytes: 991500 });
      const metrics = new BotMetrics({ processMetrics: false });
      metrics.bind({ kernelKeys: latestKeyQuota });
      const text = await metrics.text();
      expect(text).toContain('dockhand_kernel_keys_remaining{kind="keys"} 150');
      expect(text).toContain('dockhand_kernel_keys_remaining{kind="bytes"} 991500');
      used = 100;
      await watch.check();
      used = 990;
      await watch.check();
    } finally {
      watch.stop();
    }
    const logged = lines.map((l) => JSON.parse(l) as { level: number; msg: string });
    const warnings = logged.filter((l) => l.level === 40);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]!.msg).toContain('below 20% (150 of 1000 keys');
    expect(logged.filter((l) => l.msg === 'kernel key quota recovered')).toHaveLength(1);
  });
});

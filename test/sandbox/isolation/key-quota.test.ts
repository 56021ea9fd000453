import { firewallScript } from '../../../src/sandbox/isolation/host-firewall';
import { KEY_QUOTA_FIX, KEY_QUOTA_PROBE, keyQuotaWarning } from '../../../src/sandbox/isolation/key-quota';

describe('engine host key quota', () => {
  it("warns, with the fix, at the kernel's default (200 keys per user)", () => {
    const w = keyQuotaWarning('dockhand-firewall: ok (iptables)\ndockhand-keys: 200 20000\n');
    expect(w).toContain('200 kernel keys');
    expect(w).toContain('past roughly 100 containers');
    expect(w).toContain(KEY_QUOTA_FIX);
  });

  it('says nothing when the quota was raised, or when the probe printed nothing readable', () => {
    expect(keyQuotaWarning('dockhand-keys: 20000 2000000')).toBeUndefined();
    expect(keyQuotaWarning('dockhand-keys:  ')).toBeUndefined();
    expect(keyQuotaWarning('')).toBeUndefined();
    // enough keys but too few bytes still warns
    expect(keyQuotaWarning('dockhand-keys: 20000 20000')).toBeDefined();
  });

  it('rides on the one script the bot runs on the engine host at start', () => {
    expect(firewallScript().trim().split('\n').pop()).toBe(KEY_QUOTA_PROBE);
  });
});

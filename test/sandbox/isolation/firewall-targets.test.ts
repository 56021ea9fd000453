import { databaseHost, resolveFirewallTargets } from '../../../src/sandbox/isolation/firewall-targets';

describe('firewall targets from the bot configuration', () => {
  const resolve = (table: Record<string, string[]>) => async (h: string) => {
    if (!(h in table)) throw new Error(`ENOTFOUND ${h}`);
    return table[h]!;
  };

  it("drops the database's and the bot's public addresses; private ones are already covered by a range and add no rule", async () => {
    const t = await resolveFirewallTargets({
      internalHosts: ['db.example.org', 'pg.internal'],
      localAddresses: () => ['198.51.100.4', '172.17.0.1', '10.213.4.1'],
      resolve: resolve({ 'db.example.org': ['203.0.113.10', '203.0.113.11'], 'pg.internal': ['10.1.2.3'] }),
    });
    expect(t.protect).toEqual(['198.51.100.4', '203.0.113.10', '203.0.113.11']);
    expect(t.allow).toEqual([]);
  });

  it('allows an operator mirror on a private address (its port only); a public one needs nothing', async () => {
    const priv = await resolveFirewallTargets({ mirrorUrl: 'http://mirror.lan:5000', localAddresses: () => [], resolve: resolve({ 'mirror.lan': ['192.168.1.20'] }) });
    expect(priv.allow).toEqual([{ address: '192.168.1.20', port: 5000 }]);
    const pub = await resolveFirewallTargets({ mirrorUrl: 'https://mirror.example.org', localAddresses: () => [], resolve: resolve({ 'mirror.example.org': ['203.0.113.50'] }) });
    expect(pub.allow).toEqual([]);
  });

  it('leaves out a host that does not resolve (the ranges still cover private ones) instead of failing', async () => {
    const warn = jest.fn();
    const t = await resolveFirewallTargets({ internalHosts: ['nowhere.invalid'], localAddresses: () => [], resolve: resolve({}), logger: { warn } as never });
    expect(t.protect).toEqual([]);
    expect(warn).toHaveBeenCalledTimes(1);
  });

  it('reads the host of DATABASE_URL', () => {
    expect(databaseHost('postgresql://u:p@db.example.org:5432/dockhand')).toBe('db.example.org');
    expect(databaseHost('postgres://u@[2001:db8::1]/x')).toBe('2001:db8::1');
    expect(databaseHost(undefined)).toBeUndefined();
    expect(databaseHost('not a url')).toBeUndefined();
  });
});

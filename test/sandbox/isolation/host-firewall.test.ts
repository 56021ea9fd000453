import { FORWARD_CHAIN, INPUT_CHAIN, firewallRules, firewallRules6, firewallScript } from '../../../src/sandbox/isolation/host-firewall';

describe('host firewall rules', () => {
  it('drops everything from sandbox bridges to the host except replies, in its own chain', () => {
    const { rules } = firewallRules();
    const input = rules.filter((r) => r.chain === INPUT_CHAIN);
    expect(input.map((r) => r.spec.join(' '))).toEqual(['-m conntrack --ctstate ESTABLISHED,RELATED -j RETURN', '-j DROP']);
    expect(input.map((r) => r.position)).toEqual([1, 2]);
    expect(rules).toContainEqual({ chain: 'INPUT', position: 1, spec: ['-i', 'dh+', '-j', INPUT_CHAIN] });
  });

  it('drops link-local/metadata and, for blocked-egress bridges, anything leaving to a non-sandbox interface', () => {
    const { rules } = firewallRules();
    expect(rules.filter((r) => r.chain === FORWARD_CHAIN).map((r) => r.spec.join(' '))).toEqual(['-d 169.254.0.0/16 -j DROP', '-i dh-b+ ! -o dh+ -j DROP']);
    expect(rules).toContainEqual({ chain: 'DOCKER-USER', position: 1, spec: ['-i', 'dh+', '-j', FORWARD_CHAIN] });
  });

  it('renders an idempotent script: every insert is guarded by iptables -C, every chain creation by a listing', () => {
    const script = firewallScript();
    const lines = script.trim().split('\n');
    const inserts = lines.filter((l) => / -I /.test(l));
    expect(inserts).toHaveLength(firewallRules().rules.length + firewallRules6().rules.length);
    for (const l of inserts) expect(l.trim()).toMatch(/^"\$(IPT|IP6)" -w -C (\S+) (.+) 2>\/dev\/null \|\| "\$\1" -w -I \2 \d+ \3$/);
    expect(lines).toContain(`"$IPT" -w -n -L ${INPUT_CHAIN} >/dev/null 2>&1 || "$IPT" -w -N ${INPUT_CHAIN}`);
    expect(lines).toContain(`"$IPT" -w -n -L ${FORWARD_CHAIN} >/dev/null 2>&1 || "$IPT" -w -N ${FORWARD_CHAIN}`);
    // nothing flushes or deletes: a second run cannot open a gap
    expect(script).not.toMatch(/ -F| -D | -X/);
    expect(lines[0]).toBe('set -e');
    // the last line is the key-quota probe (key-quota.ts); the firewall's own last word comes just before it
    expect(lines[lines.length - 2]).toContain('dockhand-firewall: ok');
    // the chain creations come before the rules that use them
    expect(lines.findIndex((l) => l.includes(`-N ${INPUT_CHAIN}`))).toBeLessThan(lines.findIndex((l) => l.includes(`-I INPUT 1`)));
  });

  it("picks the iptables backend that holds Docker's DOCKER-USER chain, and fails loudly without one", () => {
    const script = firewallScript();
    expect(script).toContain('for c in iptables-nft iptables-legacy iptables; do');
    expect(script).toMatch(/-L DOCKER-USER/);
    expect(script).toMatch(/\|\| \{ echo "dockhand-firewall: no iptables backend[^}]*exit 3; \}/);
  });

  it('closes IPv6 too: from a sandbox bridge only replies reach the host, and nothing is forwarded either way', () => {
    const { rules } = firewallRules6();
    expect(rules.filter((r) => r.chain === INPUT_CHAIN).map((r) => r.spec.join(' '))).toEqual(['-m conntrack --ctstate ESTABLISHED,RELATED -j RETURN', '-j DROP']);
    expect(rules).toContainEqual({ chain: 'INPUT', position: 1, spec: ['-i', 'dh+', '-j', INPUT_CHAIN] });
    expect(rules.filter((r) => r.chain === FORWARD_CHAIN).map((r) => r.spec.join(' '))).toEqual(['-j DROP']);
    expect(rules).toContainEqual({ chain: 'FORWARD', position: 1, spec: ['-i', 'dh+', '-j', FORWARD_CHAIN] });
    expect(rules).toContainEqual({ chain: 'FORWARD', position: 1, spec: ['-o', 'dh+', '-j', FORWARD_CHAIN] });
    const script = firewallScript();
    // same backend as IPv4 (nft or legacy), skipped only where the kernel has no IPv6, loud when ip6tables is missing
    expect(script).toContain('if [ -e /proc/net/if_inet6 ]; then');
    expect(script).toContain('IP6=$(printf %s "$IPT" | sed s/iptables/ip6tables/)');
    expect(script).toMatch(/IPv6 is on but \$IP6 is missing"; exit 4/);
  });
});

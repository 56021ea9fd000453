import { FORWARD_CHAIN, INPUT_CHAIN, INTERNAL_CHAIN, firewallRules, firewallRules6, firewallScript, mangleRules } from '../../../src/sandbox/isolation/host-firewall';
import { ipInCidr } from '../../../src/sandbox/isolation/sandbox-subnets';

describe('host firewall rules', () => {
  it('drops everything from sandbox bridges to the host except replies, in its own chain', () => {
    const { rules } = firewallRules();
    const input = rules.filter((r) => r.chain === INPUT_CHAIN);
    expect(input.map((r) => r.spec.join(' '))).toEqual(['-m conntrack --ctstate ESTABLISHED,RELATED -j RETURN', '-j DROP']);
    expect(input.map((r) => r.position)).toEqual([1, 2]);
    expect(rules).toContainEqual({ chain: 'INPUT', position: 1, spec: ['-i', 'dh+', '-j', INPUT_CHAIN] });
  });

  it('drops link-local/metadata, for blocked-egress bridges anything leaving to a non-sandbox interface, and for open ones anything internal', () => {
    const { rules } = firewallRules();
    expect(rules.filter((r) => r.chain === FORWARD_CHAIN).map((r) => r.spec.join(' '))).toEqual(['-d 169.254.0.0/16 -j DROP', '-i dh-b+ ! -o dh+ -j DROP', `! -o dh+ -j ${INTERNAL_CHAIN}`]);
    expect(rules.filter((r) => r.chain === FORWARD_CHAIN).map((r) => r.position)).toEqual([1, 2, 3]);
    expect(rules).toContainEqual({ chain: 'DOCKER-USER', position: 1, spec: ['-i', 'dh+', '-j', FORWARD_CHAIN] });
  });

  it('renders an idempotent script: every insert is guarded by iptables -C, every chain creation by a listing', () => {
    const script = firewallScript();
    const lines = script.trim().split('\n');
    // the DNS allows are made in a loop over the engine host's nameservers (tested below)
    const inserts = lines.filter((l) => / -I /.test(l) && !l.includes('$ns'));
    expect(inserts).toHaveLength(firewallRules().rules.length + mangleRules().rules.length + firewallRules6().rules.length);
    for (const l of inserts) expect(l.trim()).toMatch(/^"\$(IPT|IP6)"( -t mangle)? -w -C (\S+) (.+) 2>\/dev\/null \|\| "\$\1"\2 -w -I \3 \d+ \4$/);
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

  it('repeats the forward rules in mangle FORWARD, first, where Docker never re-seats a jump (no gap while networks are made)', () => {
    const m = mangleRules({ allow: [{ address: '10.1.2.3', port: 5000 }] });
    expect(m.chains).toEqual([FORWARD_CHAIN, INTERNAL_CHAIN]);
    expect(m.rules).toContainEqual({ chain: 'FORWARD', position: 1, spec: ['-i', 'dh+', '-j', FORWARD_CHAIN] });
    expect(m.rules).toContainEqual({ chain: INTERNAL_CHAIN, position: 3, spec: ['-d', '10.0.0.0/8', '-j', 'DROP'] });
    expect(m.rules.some((r) => r.chain === 'DOCKER-USER' || r.chain === 'INPUT')).toBe(false);
    const script = firewallScript();
    expect(script).toContain(`"$IPT" -t mangle -w -C FORWARD -i dh+ -j ${FORWARD_CHAIN} 2>/dev/null || "$IPT" -t mangle -w -I FORWARD 1 -i dh+ -j ${FORWARD_CHAIN}`);
    expect(script).toContain(`"$IPT" -t mangle -w -C ${FORWARD_CHAIN} ! -o dh+ -d $ns/32 -p udp --dport 53 -j RETURN`);
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

  describe('with egress open: the internal network stays out of reach', () => {
    const internal = (t?: Parameters<typeof firewallRules>[0]) => firewallRules(t).rules.filter((r) => r.chain === INTERNAL_CHAIN);

    it('drops private, carrier-grade NAT, loopback, multicast/reserved ranges and Azure\'s wireserver; replies to connections from outside pass', () => {
      const specs = internal().map((r) => r.spec.join(' '));
      expect(specs[0]).toBe('-m conntrack --ctstate ESTABLISHED,RELATED -j RETURN');
      for (const d of ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '127.0.0.0/8', '0.0.0.0/8', '192.0.0.0/24', '198.18.0.0/15', '224.0.0.0/4', '240.0.0.0/4', '168.63.129.16/32']) {
        expect(specs).toContain(`-d ${d} -j DROP`);
      }
      // every rule but the first is a drop, and the positions follow the list (an install keeps this order)
      expect(specs.slice(1).every((s) => s.endsWith('-j DROP'))).toBe(true);
      expect(internal().map((r) => r.position)).toEqual(specs.map((_, i) => i + 1));
      expect(firewallRules().chains).toContain(INTERNAL_CHAIN);
    });

    it("covers every known cloud metadata address: by a range, the link-local rule, or IPv6's drop-everything", () => {
      const { rules } = firewallRules();
      const v4 = rules.filter((r) => r.chain === INTERNAL_CHAIN || r.chain === FORWARD_CHAIN).map((r) => r.spec);
      const dropped = (ip: string) => v4.some((s) => s.at(-1) === 'DROP' && s[0] === '-d' && ipInCidr(ip, s[1]!));
      // AWS/GCP/Azure/OpenStack/DigitalOcean, Tencent, Alibaba, Azure wireserver, Oracle Cloud Classic
      for (const ip of ['169.254.169.254', '169.254.0.23', '100.100.100.200', '168.63.129.16', '192.0.0.192']) expect(dropped(ip)).toBe(true);
      // fd00:ec2::254 (AWS IPv6), ULA and link-local: nothing is forwarded over IPv6 from or to a sandbox bridge
      expect(firewallRules6().rules.filter((r) => r.chain === FORWARD_CHAIN).map((r) => r.spec.join(' '))).toEqual(['-j DROP']);
    });

    it("adds the bot's and database's public addresses as drops and an operator's mirror as a TCP allow before the internal jump", () => {
      const t = { protect: ['203.0.113.7'], allow: [{ address: '10.9.8.7', port: 5000 }] };
      expect(internal(t).map((r) => r.spec.join(' '))).toContain('-d 203.0.113.7/32 -j DROP');
      const fwd = firewallRules(t).rules.filter((r) => r.chain === FORWARD_CHAIN);
      const allow = fwd.find((r) => r.spec.includes('RETURN'))!;
      expect(allow.spec.join(' ')).toBe('! -o dh+ -d 10.9.8.7/32 -p tcp --dport 5000 -j RETURN');
      // inserted at the jump's position after the jump: it lands before it, whatever an earlier run installed
      expect(allow.position).toBe(3);
      expect(fwd.indexOf(allow)).toBeGreaterThan(fwd.findIndex((r) => r.spec.at(-1) === INTERNAL_CHAIN));
      expect(firewallScript(t)).toContain(`-I ${FORWARD_CHAIN} 3 '!' -o dh+ -d 10.9.8.7/32 -p tcp --dport 5000 -j RETURN`);
    });

    it("lets DNS (port 53, UDP and TCP) reach only the engine host's own nameservers, read on the engine host", () => {
      const script = firewallScript();
      expect(script).toContain(`for ns in $(awk '$1 == "nameserver" { print $2 }' /etc/resolv.conf 2>/dev/null); do`);
      expect(script).toContain('case "$ns" in *:*|127.*|169.254.*) continue ;; esac');
      for (const p of ['udp', 'tcp']) {
        expect(script).toContain(`"$IPT" -w -C ${FORWARD_CHAIN} ! -o dh+ -d $ns/32 -p ${p} --dport 53 -j RETURN 2>/dev/null || "$IPT" -w -I ${FORWARD_CHAIN} 3 ! -o dh+ -d $ns/32 -p ${p} --dport 53 -j RETURN`);
      }
      // after the jump is in place, so the allows land before it
      expect(script.indexOf('for ns in')).toBeGreaterThan(script.indexOf(`-I ${FORWARD_CHAIN} 3 '!' -o dh+ -j ${INTERNAL_CHAIN}`));
    });
  });
});

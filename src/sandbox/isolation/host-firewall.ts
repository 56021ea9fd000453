import type Docker from 'dockerode';
import { AppError } from '../../errors';
import type { Logger } from '../../logger';
import { runOnEngineHost } from '../engine/host-exec';
import { KEY_QUOTA_PROBE, keyQuotaWarning } from './key-quota';

/**
 * Host firewall for sandbox bridges. Every sandbox network's bridge is named with a fixed prefix (see
 * sandbox-network-policy.ts): `dh-b…` when its egress is blocked, `dh-o…` when open, so `dh+` matches every
 * sandbox bridge and `dh-b+` the blocked ones. The rules are static (they never depend on one process's
 * config), live in Dockhand's own chains, and installing them twice changes nothing.
 */
export const SANDBOX_IFACE_WILDCARD = 'dh+';
export const BLOCKED_IFACE_WILDCARD = 'dh-b+';
export const INPUT_CHAIN = 'DOCKHAND-INPUT';
export const FORWARD_CHAIN = 'DOCKHAND-FORWARD';
export const INTERNAL_CHAIN = 'DOCKHAND-INTERNAL';
export const LINK_LOCAL = '169.254.0.0/16';

/**
 * Never reached from a sandbox, egress open or not: private (RFC 1918), carrier-grade NAT (RFC 6598, where
 * Alibaba's metadata 100.100.100.200 lives), "this network", loopback, IETF protocol assignments (Oracle's
 * 192.0.0.192), benchmarking, multicast and reserved space. 169.254.0.0/16 (AWS, GCP, Azure, OpenStack and
 * DigitalOcean metadata at 169.254.169.254, Tencent's 169.254.0.23) has its own rule first in the forward chain.
 */
export const INTERNAL_RANGES = ['0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '172.16.0.0/12', '192.0.0.0/24', '192.168.0.0/16', '198.18.0.0/15', '224.0.0.0/4', '240.0.0.0/4'];
/** Cloud metadata and control addresses outside the ranges above: Azure's wireserver. */
export const METADATA_ADDRESSES = ['168.63.129.16/32'];

/** What the bot adds to the static rules from its own configuration (firewall-targets.ts resolves them). */
export interface FirewallTargets {
  /** IPv4 addresses sandboxes must never reach that no range above covers (the bot's, its database's). */
  protect?: string[];
  /** IPv4 address and TCP port sandboxes still need where the ranges above would drop them (an operator's mirror). */
  allow?: { address: string; port: number }[];
}

export interface ChainRule {
  chain: string;
  /** Rule spec after the chain name, as iptables arguments. */
  spec: string[];
  /** 1-based position to insert at when missing. */
  position: number;
}

/** To the engine host itself (the bridge gateway, any host address): only replies to what the host started. */
const hostInputRules = (): ChainRule[] => [
  { chain: INPUT_CHAIN, position: 1, spec: ['-m', 'conntrack', '--ctstate', 'ESTABLISHED,RELATED', '-j', 'RETURN'] },
  { chain: INPUT_CHAIN, position: 2, spec: ['-j', 'DROP'] },
  { chain: 'INPUT', position: 1, spec: ['-i', SANDBOX_IFACE_WILDCARD, '-j', INPUT_CHAIN] },
];

/**
 * IPv6: sandboxes get none, but a learner (root in the sandbox's network namespace) can turn it on and reach the
 * host's link-local address on its bridge (fe80::…%eth0), so every host port listening on `::` would be open.
 * Docker without --ipv6 makes no DOCKER-USER chain in ip6tables: our chains hang off INPUT and FORWARD directly.
 */
export function firewallRules6(): { chains: string[]; rules: ChainRule[] } {
  return {
    chains: [INPUT_CHAIN, FORWARD_CHAIN],
    rules: [
      ...hostInputRules(),
      // No IPv6 in or out of a sandbox bridge at all: sandboxes are IPv4-only by design.
      { chain: FORWARD_CHAIN, position: 1, spec: ['-j', 'DROP'] },
      { chain: 'FORWARD', position: 1, spec: ['-i', SANDBOX_IFACE_WILDCARD, '-j', FORWARD_CHAIN] },
      { chain: 'FORWARD', position: 1, spec: ['-o', SANDBOX_IFACE_WILDCARD, '-j', FORWARD_CHAIN] },
    ],
  };
}

/** Where the allow rules go: after the two drops, before the jump to the internal drops (position 3, then pushed down). */
export const ALLOW_POSITION = 3;

/** An allow: returns from our chain before the internal drops, so Docker's own rules decide as for any container. */
const allowSpec = (address: string, proto: 'tcp' | 'udp', port: number) => ['!', '-o', SANDBOX_IFACE_WILDCARD, '-d', `${address}/32`, '-p', proto, '--dport', String(port), '-j', 'RETURN'];

/**
 * Our chains, the jumps into them, and their rules, in the order they must end up. Forwarded traffic from a
 * sandbox bridge: never to link-local / cloud metadata; blocked-egress bridges never leave to a non-sandbox
 * interface; open ones leave for the internet only: everything internal (INTERNAL_RANGES, metadata, the bot's and
 * database's addresses) is dropped unless it goes to a sandbox bridge (its own mirror and sandbox; Docker's
 * isolation rules keep sandbox bridges apart) or is a reply to a connection made from outside.
 */
export function firewallRules(t: FirewallTargets = {}): { chains: string[]; rules: ChainRule[] } {
  const drops = [...INTERNAL_RANGES, ...METADATA_ADDRESSES, ...(t.protect ?? []).map((a) => `${a}/32`)];
  return {
    chains: [INPUT_CHAIN, FORWARD_CHAIN, INTERNAL_CHAIN],
    rules: [
      ...hostInputRules(),
      { chain: INTERNAL_CHAIN, position: 1, spec: ['-m', 'conntrack', '--ctstate', 'ESTABLISHED,RELATED', '-j', 'RETURN'] },
      ...drops.map((d, i) => ({ chain: INTERNAL_CHAIN, position: i + 2, spec: ['-d', d, '-j', 'DROP'] })),
      { chain: FORWARD_CHAIN, position: 1, spec: ['-d', LINK_LOCAL, '-j', 'DROP'] },
      { chain: FORWARD_CHAIN, position: 2, spec: ['-i', BLOCKED_IFACE_WILDCARD, '!', '-o', SANDBOX_IFACE_WILDCARD, '-j', 'DROP'] },
      { chain: FORWARD_CHAIN, position: ALLOW_POSITION, spec: ['!', '-o', SANDBOX_IFACE_WILDCARD, '-j', INTERNAL_CHAIN] },
      // inserted at ALLOW_POSITION after the jump exists, so they end up before it whatever was installed earlier
      ...(t.allow ?? []).map((a) => ({ chain: FORWARD_CHAIN, position: ALLOW_POSITION, spec: allowSpec(a.address, 'tcp', a.port) })),
      { chain: 'DOCKER-USER', position: 1, spec: ['-i', SANDBOX_IFACE_WILDCARD, '-j', FORWARD_CHAIN] },
    ],
  };
}

/**
 * The forward rules once more in the mangle table, which Docker never edits. Each network Docker creates puts its
 * bridge's `-i br ! -o br -j ACCEPT` at the top of filter FORWARD and then re-seats the jump to DOCKER-USER by
 * deleting and re-inserting it: in that gap an open-egress sandbox's packets were accepted before reaching our
 * chain and reached a private address. mangle FORWARD comes before filter FORWARD and keeps our jump first.
 */
export function mangleRules(t: FirewallTargets = {}): { chains: string[]; rules: ChainRule[] } {
  const { chains, rules } = firewallRules(t);
  return {
    chains: chains.filter((c) => c !== INPUT_CHAIN),
    rules: [
      ...rules.filter((r) => r.chain === FORWARD_CHAIN || r.chain === INTERNAL_CHAIN),
      { chain: 'FORWARD', position: 1, spec: ['-i', SANDBOX_IFACE_WILDCARD, '-j', FORWARD_CHAIN] },
    ],
  };
}

/**
 * DNS with egress open: Docker's embedded resolver forwards a sandbox's lookups from the sandbox's own network
 * namespace to the engine host's nameservers, often a private address (a VPC resolver). Port 53 to exactly
 * those (read on the engine host, where dockerd reads them) stays open; nothing else on them. Loopback ones are
 * queried from the host's namespace by dockerd and need nothing.
 */
const dnsAllowLines = (cmd: string, table?: 'mangle') => {
  const t = table ? ` -t ${table}` : '';
  // $ns is a dotted quad here (IPv6 and others skipped above): safe unquoted
  const spec = (proto: 'tcp' | 'udp') => allowSpec('$ns', proto, 53).join(' ');
  return [
    `for ns in $(awk '$1 == "nameserver" { print $2 }' /etc/resolv.conf 2>/dev/null); do`,
    '  case "$ns" in *:*|127.*|169.254.*) continue ;; esac',
    ...(['udp', 'tcp'] as const).map((p) => `  "${cmd}"${t} -w -C ${FORWARD_CHAIN} ${spec(p)} 2>/dev/null || "${cmd}"${t} -w -I ${FORWARD_CHAIN} ${ALLOW_POSITION} ${spec(p)}`),
    'done',
  ];
};

const q = (a: string) => (/^[A-Za-z0-9_.,/:+-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);

/**
 * Idempotent shell script: picks the iptables backend that holds Docker's DOCKER-USER chain (nft or legacy,
 * whatever the engine uses), creates missing chains, and inserts each rule only when `iptables -C` does not
 * find it. Prints `dockhand-firewall: ok` at the end; any failure exits non-zero.
 */
export function firewallScript(t: FirewallTargets = {}): string {
  const { chains, rules } = firewallRules(t);
  const v6 = firewallRules6();
  const mangle = mangleRules(t);
  const install = (cmd: string, cs: string[], rs: ChainRule[], table?: 'mangle') => {
    const t = table ? ` -t ${table}` : '';
    return [
      ...cs.map((c) => `"${cmd}"${t} -w -n -L ${c} >/dev/null 2>&1 || "${cmd}"${t} -w -N ${c}`),
      ...rs.map((r) => {
        const spec = r.spec.map(q).join(' ');
        return `"${cmd}"${t} -w -C ${r.chain} ${spec} 2>/dev/null || "${cmd}"${t} -w -I ${r.chain} ${r.position} ${spec}`;
      }),
    ];
  };
  const lines = [
    'set -e',
    'IPT=',
    'IP6=',
    'for c in iptables-nft iptables-legacy iptables; do',
    '  if command -v "$c" >/dev/null 2>&1 && "$c" -w -n -L DOCKER-USER >/dev/null 2>&1; then IPT="$c"; break; fi',
    'done',
    '[ -n "$IPT" ] || { echo "dockhand-firewall: no iptables backend has the DOCKER-USER chain (is this a Docker engine host with iptables enabled?)"; exit 3; }',
    ...install('$IPT', chains, rules),
    ...dnsAllowLines('$IPT'),
    ...install('$IPT', mangle.chains, mangle.rules, 'mangle'),
    ...dnsAllowLines('$IPT', 'mangle'),
    // The same backend for IPv6 (iptables-nft -> ip6tables-nft); a kernel without IPv6 needs no rules.
    'if [ -e /proc/net/if_inet6 ]; then',
    '  IP6=$(printf %s "$IPT" | sed s/iptables/ip6tables/)',
    '  command -v "$IP6" >/dev/null 2>&1 || { echo "dockhand-firewall: IPv6 is on but $IP6 is missing"; exit 4; }',
    ...install('$IP6', v6.chains, v6.rules).map((l) => `  ${l}`),
    'fi',
    'echo "dockhand-firewall: ok ($IPT${IP6:+, $IP6})"',
    // not the firewall, but this is the one script the bot runs on the engine host at start (key-quota.ts)
    KEY_QUOTA_PROBE,
  ];
  return lines.join('\n') + '\n';
}

/** Installs the rules on the engine host (through a helper container: the engine may be remote). */
export async function installHostFirewall(docker: Docker, o: { image: string; logger: Logger; timeoutMs?: number; targets?: FirewallTargets }): Promise<void> {
  const r = await runOnEngineHost(docker, { image: o.image, script: firewallScript(o.targets), capAdd: ['NET_ADMIN', 'NET_RAW'], timeoutMs: o.timeoutMs ?? 30_000, logger: o.logger });
  if (r.exitCode !== 0 || !/dockhand-firewall: ok/.test(r.output)) {
    throw new AppError('HOST_FIREWALL_FAILED', `could not install the sandbox firewall on the engine host (exit ${r.exitCode}): ${r.output.trim().slice(-500)}`);
  }
  o.logger.info({ output: r.output.trim() }, 'sandbox host firewall in place');
  const keys = keyQuotaWarning(r.output);
  if (keys) o.logger.warn(keys);
}

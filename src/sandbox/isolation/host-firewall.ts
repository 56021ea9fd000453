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
export const LINK_LOCAL = '169.254.0.0/16';

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

/** Our chains, the jumps into them, and their rules, in the order they must end up. */
export function firewallRules(): { chains: string[]; rules: ChainRule[] } {
  return {
    chains: [INPUT_CHAIN, FORWARD_CHAIN],
    rules: [
      ...hostInputRules(),
      // Forwarded: never to link-local / cloud metadata; blocked-egress bridges never leave to a non-sandbox interface.
      { chain: FORWARD_CHAIN, position: 1, spec: ['-d', LINK_LOCAL, '-j', 'DROP'] },
      { chain: FORWARD_CHAIN, position: 2, spec: ['-i', BLOCKED_IFACE_WILDCARD, '!', '-o', SANDBOX_IFACE_WILDCARD, '-j', 'DROP'] },
      { chain: 'DOCKER-USER', position: 1, spec: ['-i', SANDBOX_IFACE_WILDCARD, '-j', FORWARD_CHAIN] },
    ],
  };
}

const q = (a: string) => (/^[A-Za-z0-9_.,/:+-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);

/**
 * Idempotent shell script: picks the iptables backend that holds Docker's DOCKER-USER chain (nft or legacy,
 * whatever the engine uses), creates missing chains, and inserts each rule only when `iptables -C` does not
 * find it. Prints `dockhand-firewall: ok` at the end; any failure exits non-zero.
 */
export function firewallScript(): string {
  const { chains, rules } = firewallRules();
  const v6 = firewallRules6();
  const install = (cmd: string, cs: string[], rs: ChainRule[]) => [
    ...cs.map((c) => `"${cmd}" -w -n -L ${c} >/dev/null 2>&1 || "${cmd}" -w -N ${c}`),
    ...rs.map((r) => {
      const spec = r.spec.map(q).join(' ');
      return `"${cmd}" -w -C ${r.chain} ${spec} 2>/dev/null || "${cmd}" -w -I ${r.chain} ${r.position} ${spec}`;
    }),
  ];
  const lines = [
    'set -e',
    'IPT=',
    'IP6=',
    'for c in iptables-nft iptables-legacy iptables; do',
    '  if command -v "$c" >/dev/null 2>&1 && "$c" -w -n -L DOCKER-USER >/dev/null 2>&1; then IPT="$c"; break; fi',
    'done',
    '[ -n "$IPT" ] || { echo "dockhand-firewall: no iptables backend has the DOCKER-USER chain (is this a Docker engine host with iptables enabled?)"; exit 3; }',
    ...install('$IPT', chains, rules),
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
export async function installHostFirewall(docker: Docker, o: { image: string; logger: Logger; timeoutMs?: number }): Promise<void> {
  const r = await runOnEngineHost(docker, { image: o.image, script: firewallScript(), capAdd: ['NET_ADMIN', 'NET_RAW'], timeoutMs: o.timeoutMs ?? 30_000, logger: o.logger });
  if (r.exitCode !== 0 || !/dockhand-firewall: ok/.test(r.output)) {
    throw new AppError('HOST_FIREWALL_FAILED', `could not install the sandbox firewall on the engine host (exit ${r.exitCode}): ${r.output.trim().slice(-500)}`);
  }
  o.logger.info({ output: r.output.trim() }, 'sandbox host firewall in place');
  const keys = keyQuotaWarning(r.output);
  if (keys) o.logger.warn(keys);
}

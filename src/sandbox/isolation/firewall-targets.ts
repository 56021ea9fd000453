import { lookup } from 'node:dns/promises';
import { isIPv4 } from 'node:net';
import { networkInterfaces } from 'node:os';
import type { Logger } from '../../logger';
import { INTERNAL_RANGES, LINK_LOCAL, METADATA_ADDRESSES, type FirewallTargets } from './host-firewall';
import { ipInCidr } from './sandbox-subnets';

/** What the bot knows of its own surroundings: the hosts sandboxes must not reach, and the mirror they need. */
export interface TargetSources {
  /** Host names or addresses (the database's, from DATABASE_URL). */
  internalHosts?: string[];
  /** An operator's own registry mirror (not the built-in one, which sits on each sandbox's bridge). */
  mirrorUrl?: string;
  /** Tests: the bot's interface addresses and name resolution. */
  localAddresses?: () => string[];
  resolve?: (host: string) => Promise<string[]>;
  logger?: Logger;
}

const covered = (ip: string) => [...INTERNAL_RANGES, ...METADATA_ADDRESSES, LINK_LOCAL].some((c) => ipInCidr(ip, c));

const resolveAll = async (host: string): Promise<string[]> => (await lookup(host, { all: true, family: 4 })).map((a) => a.address);

/** The bot's own IPv4 addresses (where it runs, which need not be the engine host). */
function ownAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .filter((a) => a && a.family === 'IPv4' && !a.internal)
    .map((a) => a!.address);
}

/** Bounded: a resolver that hangs must not hold the first sandbox; what did not resolve is logged and left out. */
async function addressesOf(host: string, resolve: (h: string) => Promise<string[]>, logger?: Logger): Promise<string[]> {
  if (isIPv4(host)) return [host];
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([resolve(host), new Promise<string[]>((_, rej) => (timer = setTimeout(() => rej(new Error('lookup timed out')), 5000)))]);
  } catch (err) {
    logger?.warn({ err, host }, 'could not resolve a host sandboxes must not reach; only the private ranges cover it');
    return [];
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The configuration-dependent part of the host firewall. Addresses the static ranges already drop are left out
 * (so a private database adds no rule); the operator's mirror is allowed (TCP to its port only) when a range
 * would drop it. IPv6 needs nothing: no IPv6 is forwarded from a sandbox bridge at all (host-firewall.ts).
 */
export async function resolveFirewallTargets(s: TargetSources): Promise<FirewallTargets> {
  const resolve = s.resolve ?? resolveAll;
  const hosts = (s.internalHosts ?? []).filter((h) => h && h !== 'localhost');
  const protect = new Set<string>();
  for (const ip of [...(s.localAddresses ?? ownAddresses)(), ...(await Promise.all(hosts.map((h) => addressesOf(h, resolve, s.logger)))).flat()]) {
    if (isIPv4(ip) && !covered(ip)) protect.add(ip);
  }
  const allow: { address: string; port: number }[] = [];
  if (s.mirrorUrl) {
    const u = new URL(s.mirrorUrl);
    const port = Number(u.port || (u.protocol === 'https:' ? 443 : 80));
    for (const ip of await addressesOf(u.hostname.replace(/^\[|\]$/g, ''), resolve, s.logger)) {
      if (covered(ip) || protect.has(ip)) allow.push({ address: ip, port });
    }
  }
  return { protect: [...protect].sort(), allow };
}

/** The host of a PostgreSQL URL (what sandboxes must not reach), or undefined for none / a unix socket. */
export function databaseHost(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
    return host || undefined;
  } catch {
    return undefined;
  }
}

/**
 * The subnets of sandbox networks: /28s from a dedicated range (Docker's default address pools run out after
 * about 30 networks). See sandbox-network-policy.ts for what sits at which address.
 */
export const SUBNET_RANGE = '10.213.0.0/16';
export const SUBNET_PREFIX = 28;

export interface SandboxSubnet {
  index: number;
  subnet: string;
  gateway: string;
  mirrorIp: string;
  sandboxIp: string;
}

function ipToInt(ip: string): number {
  const p = ip.split('.').map(Number);
  if (p.length !== 4 || p.some((x) => !Number.isInteger(x) || x < 0 || x > 255)) throw new Error(`not an IPv4 address: ${ip}`);
  return ((p[0]! << 24) | (p[1]! << 16) | (p[2]! << 8) | p[3]!) >>> 0;
}
const intToIp = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');

function parseCidr(cidr: string): { base: number; bits: number } {
  const [ip, bits] = cidr.split('/');
  const b = Number(bits);
  if (!ip || !Number.isInteger(b) || b < 0 || b > 32) throw new Error(`not a CIDR: ${cidr}`);
  const mask = b === 0 ? 0 : (~0 << (32 - b)) >>> 0;
  return { base: (ipToInt(ip) & mask) >>> 0, bits: b };
}

/** How many /prefix subnets the range holds. */
export function subnetCount(range = SUBNET_RANGE, prefix = SUBNET_PREFIX): number {
  const { bits } = parseCidr(range);
  if (prefix < bits || prefix > 29) throw new Error(`a /${prefix} does not fit sandboxes in ${range}`);
  return 2 ** (prefix - bits);
}

/** The index-th /prefix of the range, with the fixed addresses inside it. */
export function subnetAt(index: number, range = SUBNET_RANGE, prefix = SUBNET_PREFIX): SandboxSubnet {
  const count = subnetCount(range, prefix);
  if (!Number.isInteger(index) || index < 0 || index >= count) throw new Error(`subnet index ${index} out of 0..${count - 1}`);
  const base = parseCidr(range).base + index * 2 ** (32 - prefix);
  return { index, subnet: `${intToIp(base)}/${prefix}`, gateway: intToIp(base + 1), mirrorIp: intToIp(base + 2), sandboxIp: intToIp(base + 3) };
}

/** The index of `subnet` in the range, or undefined when it is not one of the range's /prefix subnets. */
export function subnetIndexOf(subnet: string, range = SUBNET_RANGE, prefix = SUBNET_PREFIX): number | undefined {
  let c: { base: number; bits: number };
  try {
    c = parseCidr(subnet);
  } catch {
    return undefined;
  }
  const r = parseCidr(range);
  if (c.bits !== prefix) return undefined;
  const offset = c.base - r.base;
  const size = 2 ** (32 - prefix);
  if (offset < 0 || offset % size !== 0 || offset / size >= subnetCount(range, prefix)) return undefined;
  return offset / size;
}

/**
 * A free index, scanning from `start` (random, so processes sharing an engine rarely race for the same one);
 * undefined when all are used.
 */
export function pickSubnetIndex(used: ReadonlySet<number>, start: number, count = subnetCount()): number | undefined {
  for (let i = 0; i < count; i++) {
    const idx = (((start + i) % count) + count) % count;
    if (!used.has(idx)) return idx;
  }
  return undefined;
}

/** The bridge interface name: at most 15 characters, `dh-b` (egress blocked) or `dh-o` (open) + the subnet index in hex. */
export function bridgeName(index: number, blockEgress: boolean): string {
  return `dh-${blockEgress ? 'b' : 'o'}${index.toString(16)}`;
}

/** Whether the IPv4 address lies in the CIDR (false for anything that is not a dotted quad). */
export function ipInCidr(ip: string, cidr: string): boolean {
  let a: number;
  try {
    a = ipToInt(ip);
  } catch {
    return false;
  }
  const { base, bits } = parseCidr(cidr);
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return ((a & mask) >>> 0) === base;
}

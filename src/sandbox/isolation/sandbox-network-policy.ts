import type Docker from 'dockerode';
import { AppError } from '../../errors';
import type { Logger } from '../../logger';
import { resolveFirewallTargets, type TargetSources } from './firewall-targets';
import { installHostFirewall } from './host-firewall';
import { hostConfigOf, type SandboxPolicy } from './sandbox-policy';
import { SUBNET_RANGE, bridgeName, pickSubnetIndex, subnetAt, subnetCount, subnetIndexOf, type SandboxSubnet } from './sandbox-subnets';

/**
 * One bridge network per sandbox. Docker's default address pools run out after about 30 networks, so the
 * subnets are ours: /28s from a dedicated range (10.213.0.0/16: 4096 of them; see `ip route` on the engine
 * host before changing it). In each: .1 the bridge gateway (the host, firewalled), .2 the read-only mirror,
 * .3 the sandbox. The bridge interface is `dh-b<index>` (egress blocked) or `dh-o<index>` (open), so the host
 * firewall matches every sandbox bridge with one wildcard (host-firewall.ts). Spare networks made ahead:
 * network-pool.ts; the subnet arithmetic: sandbox-subnets.ts (re-exported here).
 */
export { SUBNET_PREFIX, SUBNET_RANGE, bridgeName, pickSubnetIndex, subnetAt, subnetCount, subnetIndexOf, type SandboxSubnet } from './sandbox-subnets';
export const LABEL_NETWORK = 'dockhand.network';
export const NETWORK_ROLE = 'sandbox-network';
/** A network made ahead by the pool (network-pool.ts); it keeps this role after a sandbox claimed it. */
export const SPARE_ROLE = 'network-spare';
const MIRROR_PORT = 5000;

export interface NetworkSpecInput {
  name: string;
  subnet: SandboxSubnet;
  blockEgress: boolean;
  labels: Record<string, string>;
  /** `dockhand.role`: NETWORK_ROLE (default) or SPARE_ROLE; everything else is the same. */
  role?: string;
}

/** A network ready for one sandbox: made, the mirror joined at .2, nothing else on it. */
export interface SpareNetwork {
  name: string;
  subnet: SandboxSubnet;
}

/** Where the policy takes a ready network from (network-pool.ts); undefined: make one now. */
export interface SpareSource {
  claim(): Promise<SpareNetwork | undefined>;
}

/** The network create options for one sandbox's own bridge. */
export function networkSpec(o: NetworkSpecInput): Docker.NetworkCreateOptions {
  return {
    Name: o.name,
    Driver: 'bridge',
    CheckDuplicate: true,
    // internal: no route out at all; the host firewall drops it a second time (dh-b+ to anything but dh+)
    Internal: o.blockEgress,
    Attachable: false,
    EnableIPv6: false,
    IPAM: { Driver: 'default', Config: [{ Subnet: o.subnet.subnet, Gateway: o.subnet.gateway }] },
    Options: {
      'com.docker.network.bridge.name': bridgeName(o.subnet.index, o.blockEgress),
      // no container on this bridge talks to the outside through a published port; nothing to masquerade when internal
      'com.docker.network.bridge.enable_ip_masquerade': o.blockEgress ? 'false' : 'true',
      'com.docker.network.bridge.enable_icc': 'true',
    },
    Labels: { ...o.labels, 'dockhand.role': o.role ?? NETWORK_ROLE, 'dockhand.subnet': o.subnet.subnet },
  };
}

/** The mirror URL with its host swapped for the mirror's address on the sandbox's network. */
export function mirrorUrlOn(mirrorUrl: string, mirrorIp: string): string {
  const u = new URL(mirrorUrl);
  u.hostname = mirrorIp;
  if (!u.port) u.port = String(MIRROR_PORT);
  return u.toString().replace(/\/$/, '');
}

export interface NetworkPolicyOptions {
  docker: Docker;
  logger: Logger;
  blockEgress: boolean;
  /** The read-only mirror container to join each sandbox network (the built-in mirror), if any. */
  mirrorContainer?: string;
  /** Its URL (the runtime's mirrorUrl): rewritten to the mirror's address on each sandbox's network. */
  mirrorUrl?: string;
  /** Env variable the sandbox reads its mirror from. */
  mirrorEnv: string;
  /** Installs the host firewall once before the first network; a failure refuses the sandbox (fail closed). */
  ensureFirewall: () => Promise<void>;
  /** Tests: a deterministic start for the subnet scan. */
  random?: () => number;
  /** Ready networks made ahead; when it has none, the network is made here as before. */
  spares?: SpareSource;
}

const isConflict = (err: unknown) => {
  const e = err as { statusCode?: number; message?: string };
  return e.statusCode === 409 || /overlap|already exists|in use|conflict/i.test(String(e.message));
};

/** All subnet indexes taken on the engine (Dockhand's and anyone else's networks in the range). */
async function usedIndexes(docker: Docker): Promise<Set<number>> {
  const used = new Set<number>();
  for (const n of await docker.listNetworks()) {
    for (const c of n.IPAM?.Config ?? []) {
      const i = c.Subnet ? subnetIndexOf(c.Subnet) : undefined;
      if (i !== undefined) used.add(i);
    }
  }
  return used;
}

/** Creates the sandbox's own network on a free subnet (retrying when another process took it first). */
export async function createSandboxNetwork(docker: Docker, o: { name: string; blockEgress: boolean; labels: Record<string, string>; role?: string; random?: () => number }): Promise<SandboxSubnet> {
  const used = await usedIndexes(docker);
  const count = subnetCount();
  const start = Math.floor((o.random ?? Math.random)() * count);
  let lastErr: unknown;
  for (let attempt = 0; attempt < 8; attempt++) {
    const idx = pickSubnetIndex(used, start, count);
    if (idx === undefined) break;
    const subnet = subnetAt(idx);
    try {
      await docker.createNetwork(networkSpec({ name: o.name, subnet, blockEgress: o.blockEgress, labels: o.labels, role: o.role }));
      return subnet;
    } catch (err) {
      lastErr = err;
      if (!isConflict(err)) break;
      used.add(idx);
    }
  }
  throw new AppError('SANDBOX_NETWORK_FAILED', `could not create the sandbox network ${o.name}: ${(lastErr as Error | undefined)?.message ?? 'no free subnet in ' + SUBNET_RANGE}`, { cause: lastErr });
}

/** Joins the mirror to a sandbox network at its fixed address (.2); already joined is fine. */
export async function attachMirror(docker: Docker, network: string, mirrorContainer: string, mirrorIp: string): Promise<void> {
  await docker
    .getNetwork(network)
    .connect({ Container: mirrorContainer, EndpointConfig: { IPAMConfig: { IPv4Address: mirrorIp } } })
    .catch((err: { statusCode?: number; message?: string }) => {
      if (!/already exists|endpoint with name/i.test(String(err.message))) throw err;
    });
}

/** Disconnects the mirror (and anything else left) and removes the network; gone already is fine. */
export async function removeSandboxNetwork(docker: Docker, network: string, logger: Logger): Promise<void> {
  const net = docker.getNetwork(network);
  let info: { Containers?: Record<string, unknown> } | undefined;
  try {
    info = (await net.inspect()) as { Containers?: Record<string, unknown> };
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return;
  }
  for (const id of Object.keys(info?.Containers ?? {})) await net.disconnect({ Container: id, Force: true }).catch(() => undefined);
  for (let i = 0; i < 10; i++) {
    try {
      await net.remove();
      return;
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return;
      if (i === 9) logger.warn({ err, network }, 'could not remove a sandbox network');
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/**
 * This instance's sandbox networks with no sandbox on them any more (a crash between create and remove) are
 * removed; the mirror is (re)joined to the ones still in use, e.g. after the mirror was recreated. Networks
 * younger than `graceMs` are left alone: a sandbox may be being created on them. An unclaimed spare (network-pool.ts)
 * is kept only when `keepSpare` says the running pool made it; any other is a leftover like the rest.
 */
export async function sweepSandboxNetworks(docker: Docker, o: { instance: string; mirrorContainer?: string; logger: Logger; graceMs?: number; keepSpare?: (name: string) => boolean }): Promise<void> {
  const byRole = (role: string) => docker.listNetworks({ filters: { label: ['dockhand.app=dockhand', `dockhand.instance=${o.instance}`, `dockhand.role=${role}`] } });
  const nets = [...(await byRole(NETWORK_ROLE)), ...(await byRole(SPARE_ROLE))];
  let mirrorId: string | undefined;
  if (o.mirrorContainer) mirrorId = await docker.getContainer(o.mirrorContainer).inspect().then((i) => i.Id, () => undefined);
  // the shared no-egress network of earlier versions (role `network`), once nothing but the mirror uses it
  for (const n of await docker.listNetworks({ filters: { label: ['dockhand.app=dockhand', `dockhand.instance=${o.instance}`, 'dockhand.role=network'] } })) {
    const info = (await docker.getNetwork(n.Id).inspect().catch(() => undefined)) as { Containers?: Record<string, unknown> } | undefined;
    if (info && Object.keys(info.Containers ?? {}).every((id) => id === mirrorId)) await removeSandboxNetwork(docker, n.Id, o.logger);
  }
  for (const n of nets) {
    const info = (await docker.getNetwork(n.Id).inspect().catch(() => undefined)) as (Docker.NetworkInspectInfo & { Containers?: Record<string, unknown> }) | undefined;
    if (!info) continue;
    const others = Object.keys(info.Containers ?? {}).filter((id) => id !== mirrorId);
    // a sandbox created but not started yet (or stopped) is not attached, but still owns its network
    const owners = others.length ? [] : await docker.listContainers({ all: true, filters: { label: [`${LABEL_NETWORK}=${n.Name}`] } });
    if (others.length === 0 && owners.length === 0) {
      if (info.Labels?.['dockhand.role'] === SPARE_ROLE && o.keepSpare?.(n.Name)) continue;
      if (Date.now() - Date.parse(info.Created) < (o.graceMs ?? 60_000)) continue;
      await removeSandboxNetwork(docker, n.Id, o.logger);
      continue;
    }
    const idx = subnetIndexOf(info.IPAM?.Config?.[0]?.Subnet ?? '');
    if (o.mirrorContainer && mirrorId && idx !== undefined && !(mirrorId in (info.Containers ?? {}))) {
      await attachMirror(docker, n.Id, o.mirrorContainer, subnetAt(idx).mirrorIp).catch((err) => o.logger.warn({ err, network: n.Name }, 'could not rejoin the mirror to a sandbox network'));
    }
  }
}

/** The package source's address on the sandbox's network: the entrypoint answers its name there (images/sandbox/entrypoint.sh). */
export const PACKAGE_SOURCE_ENV = 'DOCKHAND_PACKAGE_SOURCE';

/** Tells the sandbox's entrypoint that egress is blocked (images/sandbox/entrypoint.sh). */
export const EGRESS_BLOCKED_ENV = 'DOCKHAND_EGRESS_BLOCKED';

/**
 * Gives the sandbox its own bridge network (internal when egress is blocked), joins the read-only mirror to it
 * at .2 and points the sandbox's mirror setting there, after making sure the host firewall is in place.
 */
export function sandboxNetworkPolicy(o: NetworkPolicyOptions): SandboxPolicy {
  return {
    name: 'network',
    async apply(spec, ctx) {
      await o.ensureFirewall();
      // a spare was made exactly as below (same spec, same mirror), ahead of time
      const spare = await o.spares?.claim();
      const name = spare?.name ?? `${spec.name ?? `dockhand-${ctx.instance}-${ctx.createdAt}`}-net`.slice(0, 120);
      const subnet = spare?.subnet ?? (await createSandboxNetwork(o.docker, { name, blockEgress: o.blockEgress, labels: { ...ctx.labels }, random: o.random }));
      // never back to the pool, even unused: removed like any sandbox network
      const undo = () => removeSandboxNetwork(o.docker, name, o.logger);
      try {
        if (o.mirrorContainer && o.mirrorUrl) {
          if (!spare) await attachMirror(o.docker, name, o.mirrorContainer, subnet.mirrorIp);
          const url = mirrorUrlOn(o.mirrorUrl, subnet.mirrorIp);
          spec.Env = [...(spec.Env ?? []).filter((e) => !e.startsWith(`${o.mirrorEnv}=`) && !e.startsWith(`${PACKAGE_SOURCE_ENV}=`)), `${o.mirrorEnv}=${url}`];
          // the package source shares the built-in mirror's network namespace (src/images/package-source.ts)
          spec.Env.push(`${PACKAGE_SOURCE_ENV}=${subnet.mirrorIp}`);
        }
      } catch (err) {
        await undo();
        throw new AppError('SANDBOX_NETWORK_FAILED', `could not join the mirror to ${name}: ${(err as Error).message}`, { cause: err });
      }
      // the entrypoint then refuses egress inside the sandbox at once, instead of the host dropping it silently
      if (o.blockEgress) spec.Env = [...(spec.Env ?? []).filter((e) => !e.startsWith(`${EGRESS_BLOCKED_ENV}=`)), `${EGRESS_BLOCKED_ENV}=1`];
      hostConfigOf(spec).NetworkMode = name;
      spec.NetworkingConfig = { EndpointsConfig: { [name]: { IPAMConfig: { IPv4Address: subnet.sandboxIp } } } };
      spec.Labels = { ...spec.Labels, [LABEL_NETWORK]: name };
      return undo;
    },
  };
}

/**
 * A memoized firewall install: once per process and engine; a failure is retried on the next sandbox. `targets`
 * (the database's host, an operator's mirror) are resolved at install time, so a name that moves is caught at the
 * next start.
 */
export function firewallOnce(docker: Docker, o: { image: string; logger: Logger; targets?: Omit<TargetSources, 'logger'> }): () => Promise<void> {
  let done: Promise<void> | undefined;
  const install = async () => installHostFirewall(docker, { image: o.image, logger: o.logger, targets: await resolveFirewallTargets({ ...o.targets, logger: o.logger }) });
  return () => {
    done ??= install().catch((err) => {
      done = undefined;
      throw err;
    });
    return done;
  };
}

import type Docker from 'dockerode';
import pino from 'pino';
import { NetworkPool, spareTarget, type NetworkPoolOptions } from '../../../src/sandbox/isolation/network-pool';
import { SandboxManager } from '../../../src/sandbox/lifecycle/sandbox-manager';
import { LABEL_NETWORK, sandboxNetworkPolicy, subnetAt, sweepSandboxNetworks } from '../../../src/sandbox/isolation/sandbox-network-policy';

/**
 * The pool against an in-memory engine (no Docker in the unit tier): networks with their labels, subnets and
 * attached containers, containers with labels, one create at a time made to wait when a test holds it, and
 * failures on demand. The real engine is exercised in network-pool.int.test.ts.
 */
const MIRROR = 'dockhand-mirror';
const MIRROR_ID = 'mirror-id';
const silent = pino({ level: 'silent' });
const flush = async () => {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
};

interface Net {
  Id: string;
  Name: string;
  Created: string;
  Internal: boolean;
  Labels: Record<string, string>;
  Options: Record<string, string>;
  IPAM: { Config: { Subnet: string }[] };
  Containers: Record<string, { Name: string; IPv4Address: string }>;
}

function fakeEngine() {
  const nets = new Map<string, Net>();
  const containers: { Id: string; Labels: Record<string, string> }[] = [];
  const log: string[] = [];
  const fail = { create: 0, connect: 0 };
  let hold: Array<() => void> | undefined;
  let inFlight = 0;
  let maxInFlight = 0;
  const matches = (labels: Record<string, string>, filters: string[]) =>
    filters.every((f) => {
      const [k, v] = f.split('=');
      return v === undefined ? k! in labels : labels[k!] === v;
    });
  const docker = {
    listNetworks: async (o?: { filters?: { label?: string[] } }) => [...nets.values()].filter((n) => matches(n.Labels, o?.filters?.label ?? [])),
    createNetwork: async (spec: Docker.NetworkCreateOptions) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      try {
        if (hold) await new Promise<void>((r) => hold!.push(r));
        if (fail.create > 0) {
          fail.create--;
          throw Object.assign(new Error('engine said no'), { statusCode: 500 });
        }
        const n: Net = {
          Id: `id-${spec.Name}`,
          Name: spec.Name,
          Created: new Date(0).toISOString(),
          Internal: spec.Internal ?? false,
          Labels: { ...(spec.Labels ?? {}) },
          Options: { ...(spec.Options ?? {}) },
          IPAM: { Config: [{ Subnet: spec.IPAM!.Config![0]!.Subnet! }] },
          Containers: {},
        };
        nets.set(n.Name, n);
        log.push(`create ${n.Name}`);
        return { id: n.Id };
      } finally {
        inFlight--;
      }
    },
    getNetwork: (ref: string) => {
      const find = () => nets.get(ref) ?? [...nets.values()].find((n) => n.Id === ref);
      const notFound = () => Object.assign(new Error('no such network'), { statusCode: 404 });
      return {
        inspect: async () => {
          const n = find();
          if (!n) throw notFound();
          return structuredClone(n);
        },
        connect: async (o: { Container: string; EndpointConfig: { IPAMConfig: { IPv4Address: string } } }) => {
          if (fail.connect > 0) {
            fail.connect--;
            throw new Error('connect refused');
          }
          const n = find();
          if (!n) throw notFound();
          n.Containers[o.Container === MIRROR ? MIRROR_ID : o.Container] = { Name: o.Container, IPv4Address: `${o.EndpointConfig.IPAMConfig.IPv4Address}/28` };
          log.push(`connect ${n.Name}`);
        },
        disconnect: async (o: { Container: string }) => {
          const n = find();
          if (!n) throw notFound();
          delete n.Containers[o.Container === MIRROR ? MIRROR_ID : o.Container];
        },
        remove: async () => {
          const n = find();
          if (!n) throw notFound();
          nets.delete(n.Name);
          log.push(`remove ${n.Name}`);
        },
      };
    },
    listContainers: async (o?: { filters?: { label?: string[] } }) => containers.filter((c) => matches(c.Labels, o?.filters?.label ?? [])),
    getContainer: (name: string) => ({
      inspect: async () => {
        if (name === MIRROR) return { Id: MIRROR_ID };
        throw Object.assign(new Error('no such container'), { statusCode: 404 });
      },
    }),
  };
  return {
    docker: docker as unknown as Docker,
    nets,
    containers,
    log,
    fail,
    concurrency: () => maxInFlight,
    /** Creates wait until release() from now on. */
    holdCreates: () => (hold = []),
    release: () => {
      const h = hold ?? [];
      hold = undefined;
      h.forEach((r) => r());
    },
    /** A spare-labelled network as a previous run would have left it. */
    leftover: (name: string, index: number, o: { instance?: string; mirror?: boolean; attached?: string[] } = {}) => {
      const s = subnetAt(index);
      const n: Net = {
        Id: `id-${name}`,
        Name: name,
        Created: new Date(0).toISOString(),
        Internal: true,
        Labels: { 'dockhand.app': 'dockhand', 'dockhand.instance': o.instance ?? 'main', 'dockhand.role': 'network-spare', 'dockhand.subnet': s.subnet },
        Options: {},
        IPAM: { Config: [{ Subnet: s.subnet }] },
        Containers: {},
      };
      if (o.mirror !== false) n.Containers[MIRROR_ID] = { Name: MIRROR, IPv4Address: `${s.mirrorIp}/28` };
      for (const id of o.attached ?? []) n.Containers[id] = { Name: id, IPv4Address: `${s.sandboxIp}/28` };
      nets.set(name, n);
    },
  };
}

function newPool(engine: ReturnType<typeof fakeEngine>, over: Partial<NetworkPoolOptions> = {}) {
  const firewall = { calls: 0, fail: false };
  const pool = new NetworkPool({
    docker: engine.docker,
    logger: silent,
    instance: 'main',
    namePrefix: 'dockhand-main',
    blockEgress: true,
    mirrorContainer: MIRROR,
    ensureFirewall: async () => {
      firewall.calls++;
      if (firewall.fail) throw new Error('no NET_ADMIN');
    },
    max: 10,
    parallel: 1,
    retryMs: 60_000,
    quietMs: 0,
    ...over,
  });
  return { pool, firewall };
}

const spareNames = (e: ReturnType<typeof fakeEngine>) => [...e.nets.values()].filter((n) => n.Labels['dockhand.role'] === 'network-spare').map((n) => n.Name);

describe('spare network sizing', () => {
  it('keeps the floor with no demand, follows demand above it, and never exceeds SANDBOX_MAX_COUNT', () => {
    expect(spareTarget({ floor: 2, demand: 0, max: 20 })).toBe(2);
    expect(spareTarget({ floor: 2, demand: 12, max: 20 })).toBe(12);
    expect(spareTarget({ floor: 2, demand: 30, max: 20 })).toBe(20);
    expect(spareTarget({ floor: 2, demand: 0, max: 1 })).toBe(1);
    expect(spareTarget({ floor: 0, demand: 0, max: 5 })).toBe(0);
  });
});

describe('the manager sizes its spares from the warm pool', () => {
  it('keeps the floor, then follows an admin pre-warm (within SANDBOX_MAX_COUNT)', () => {
    // an engine that never answers: the manager's own wiring is under test, not the starts it triggers
    const hanging = new Proxy({}, { get: () => () => new Promise(() => undefined) }) as unknown as Docker;
    const config = { profile: 'userns' as const, memoryMb: 512, cpus: 1, pidsLimit: 256, idleMinutes: 20, maxLifetimeMinutes: 240, maxSandboxes: 8, warmPool: 0, commandTimeoutSeconds: 20, commandMaxTimeoutSeconds: 60, outputCapBytes: 65536, commandsPerMinute: 60, blockEgress: true };
    const manager = new SandboxManager(hanging, config, silent, { image: 'x', instance: 'unit' });
    expect(manager.stats().spareNetworks?.target).toBe(2);
    expect(manager.prewarm(5, 1)).toBe(5);
    expect(manager.stats().spareNetworks?.target).toBe(5);
    expect(manager.prewarm(50, 1)).toBe(8);
    expect(manager.stats().spareNetworks?.target).toBe(8);
    expect(new SandboxManager(hanging, config, silent, { image: 'x', instance: 'unit', networkSpares: false }).stats().spareNetworks).toBeUndefined();
  });
});

describe('network pool (against an in-memory engine)', () => {
  it('does nothing before start; then makes the floor, one at a time, each exactly like a sandbox network with the mirror at .2', async () => {
    const e = fakeEngine();
    const { pool, firewall } = newPool(e);
    pool.setDemand(0);
    await flush();
    expect(e.nets.size).toBe(0);
    expect(await pool.claim()).toBeUndefined();

    await pool.start();
    await pool.settled();
    expect(pool.stats()).toMatchObject({ ready: 2, creating: 0, target: 2 });
    expect(e.concurrency()).toBe(1);
    expect(firewall.calls).toBeGreaterThanOrEqual(2);
    for (const n of e.nets.values()) {
      expect(n.Name).toMatch(/^dockhand-main-spare-[0-9a-f]{8}$/);
      expect(n.Internal).toBe(true);
      expect(n.Options['com.docker.network.bridge.name']).toMatch(/^dh-b[0-9a-f]+$/);
      expect(n.Labels).toMatchObject({ 'dockhand.app': 'dockhand', 'dockhand.instance': 'main', 'dockhand.role': 'network-spare' });
      const s = subnetAt(Number.parseInt(n.Options['com.docker.network.bridge.name']!.slice(4), 16));
      expect(n.IPAM.Config[0]!.Subnet).toBe(s.subnet);
      expect(n.Containers[MIRROR_ID]).toEqual({ Name: MIRROR, IPv4Address: `${s.mirrorIp}/28` });
    }
  });

  it('grows with demand up to the cap with at most `parallel` creates at once, and keeps extras when demand falls', async () => {
    const e = fakeEngine();
    const { pool } = newPool(e, { max: 6, parallel: 3 });
    await pool.start();
    await pool.settled();
    e.holdCreates();
    pool.setDemand(50);
    await flush();
    expect(pool.stats().creating).toBe(3);
    e.release();
    await pool.settled();
    expect(pool.stats()).toMatchObject({ ready: 6, target: 6 });
    expect(e.concurrency()).toBe(3);
    pool.setDemand(0);
    await flush();
    expect(pool.stats().ready).toBe(6);
    // used down to the floor and below: only then refilled, back to the floor
    for (let i = 0; i < 5; i++) await pool.claim();
    await pool.settled();
    expect(pool.stats().ready).toBe(2);
  });

  it('hands out each spare once and refills behind it; an empty pool answers undefined at once', async () => {
    const e = fakeEngine();
    const { pool } = newPool(e);
    await pool.start();
    await pool.settled();
    e.holdCreates();
    const a = await pool.claim();
    const b = await pool.claim();
    expect(a && b && a.name !== b.name).toBe(true);
    expect(await pool.claim()).toBeUndefined();
    expect(pool.stats().creating).toBe(1);
    e.release();
    await pool.settled();
    const c = await pool.claim();
    expect([a!.name, b!.name]).not.toContain(c!.name);
  });

  it('holds refills while sandboxes are being made (busy) and until claims have been quiet for quietMs', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    try {
      let now = 1_000_000;
      const e = fakeEngine();
      const { pool } = newPool(e, { quietMs: 2_000, now: () => now });
      await pool.start();
      await pool.settled();
      expect(pool.stats().ready).toBe(2);
      // a class start: two learners take the spares, the next ones make their own networks
      await pool.claim();
      await pool.claim();
      expect(await pool.claim()).toBeUndefined();
      let finishOwn!: () => void;
      const own = pool.busy(() => new Promise<string>((r) => (finishOwn = () => r('made'))));
      await flush();
      now += 5_000;
      jest.advanceTimersByTime(5_000);
      await flush();
      // the engine does network work one at a time: nothing of the pool's queues ahead of the learner's
      expect(pool.stats()).toMatchObject({ ready: 0, creating: 0 });
      finishOwn();
      expect(await own).toBe('made');
      await flush();
      expect(pool.stats()).toMatchObject({ ready: 0, creating: 0 });
      now += 1_999;
      jest.advanceTimersByTime(1_999);
      await flush();
      expect(pool.stats()).toMatchObject({ ready: 0, creating: 0 });
      now += 1;
      jest.advanceTimersByTime(1);
      await pool.settled();
      expect(pool.stats().ready).toBe(2);
      // failing engine work still releases the hold
      await expect(pool.busy(() => Promise.reject(new Error('engine said no')))).rejects.toThrow('engine said no');
    } finally {
      jest.useRealTimers();
    }
  });

  it('skips (and removes) a spare that something joined or removed while it waited', async () => {
    const e = fakeEngine();
    const { pool } = newPool(e, { floor: 3 });
    await pool.start();
    await pool.settled();
    const [first, second] = spareNames(e);
    e.nets.get(first!)!.Containers.intruder = { Name: 'intruder', IPv4Address: '10.213.0.3/28' };
    e.nets.delete(second!);
    const got = await pool.claim();
    expect(got).toBeDefined();
    expect([first, second]).not.toContain(got!.name);
    await pool.close();
    expect(e.log).toContain(`remove ${first}`);
  });

  it('a sandbox takes a spare without any network work, and its network is removed, not pooled, when the sandbox is undone', async () => {
    const e = fakeEngine();
    const { pool } = newPool(e);
    await pool.start();
    await pool.settled();
    const before = e.log.length;
    const policy = sandboxNetworkPolicy({ docker: e.docker, logger: silent, blockEgress: true, mirrorContainer: MIRROR, mirrorUrl: 'http://172.18.0.2:5000', mirrorEnv: 'DOCKHAND_REGISTRY_MIRROR', ensureFirewall: async () => undefined, spares: pool });
    e.holdCreates(); // the refill may not finish: the sandbox must not wait for it
    const spec: Docker.ContainerCreateOptions = { name: 'dockhand-main-T1-U1-1', Env: ['TERM=xterm'] };
    const undo = await policy.apply(spec, { instance: 'main', learnerKey: 'T1:U1', role: 'learner', createdAt: 1, labels: { 'dockhand.app': 'dockhand', 'dockhand.instance': 'main' } });
    const name = spec.HostConfig!.NetworkMode!;
    const net = e.nets.get(name)!;
    const s = subnetAt(Number.parseInt(net.Options['com.docker.network.bridge.name']!.slice(4), 16));
    expect(net.Labels['dockhand.role']).toBe('network-spare');
    expect(e.log.slice(before).filter((l) => !l.startsWith('create'))).toEqual([]); // no connect, no remove
    expect(spec.Labels?.[LABEL_NETWORK]).toBe(name);
    expect(spec.NetworkingConfig?.EndpointsConfig?.[name]?.IPAMConfig?.IPv4Address).toBe(s.sandboxIp);
    expect(spec.Env).toContain(`DOCKHAND_REGISTRY_MIRROR=http://${s.mirrorIp}:5000`);
    await (undo as () => Promise<void>)();
    expect(e.nets.has(name)).toBe(false);
    e.release();
    await pool.settled();
    expect((await pool.claim())?.name).not.toBe(name);
  });

  it('after a failed spare (engine or firewall) waits out the retry pause, then fills; sandboxes make their own meanwhile', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate'] });
    try {
      const e = fakeEngine();
      const { pool, firewall } = newPool(e, { retryMs: 5_000 });
      e.fail.create = 1;
      firewall.fail = true;
      await pool.start();
      await flush();
      expect(pool.stats()).toMatchObject({ ready: 0, creating: 0, failures: 1 });
      expect(e.nets.size).toBe(0); // fails closed: no network without the firewall
      firewall.fail = false;
      await pool.claim(); // a claim does not hurry the pause
      await flush();
      expect(pool.stats().failures).toBe(1);
      jest.advanceTimersByTime(5_000);
      await flush();
      expect(pool.stats().failures).toBe(2); // the engine's turn to fail
      jest.advanceTimersByTime(5_000);
      await flush();
      await pool.settled();
      expect(pool.stats()).toMatchObject({ ready: 2, failures: 2 });
      await pool.close();
    } finally {
      jest.useRealTimers();
    }
  });

  it('removes a network whose mirror could not join (no half-made spare is left)', async () => {
    const e = fakeEngine();
    const { pool } = newPool(e, { floor: 1 });
    e.fail.connect = 1;
    await pool.start();
    await pool.settled();
    await pool.close();
    expect(pool.stats().failures).toBe(1);
    const created = e.log.filter((l) => l.startsWith('create')).map((l) => l.slice(7));
    expect(e.log).toContain(`remove ${created[0]}`);
  });

  it('at start removes the unclaimed spares an earlier run left, even with only the mirror on them; leaves claimed ones and other instances alone', async () => {
    const e = fakeEngine();
    // an earlier run's spare, and a used network whose sandbox was removed by hand: the engine cannot tell them apart
    e.leftover('dockhand-main-spare-old', 1);
    e.leftover('dockhand-main-spare-used-then-rm', 2);
    e.leftover('dockhand-main-spare-halfgone', 3, { mirror: false });
    e.leftover('dockhand-main-spare-in-use', 4, { attached: ['sandbox-1'] });
    e.leftover('dockhand-main-spare-stopped', 5);
    e.containers.push({ Id: 'stopped', Labels: { [LABEL_NETWORK]: 'dockhand-main-spare-stopped' } });
    e.leftover('dockhand-other-spare-x', 6, { instance: 'other' });
    const { pool } = newPool(e, { floor: 1 });
    await pool.start();
    await pool.settled();
    const got = await pool.claim();
    await pool.close();
    expect(got?.name).toMatch(/^dockhand-main-spare-[0-9a-f]{8}$/);
    expect([...e.nets.keys()].sort()).toEqual([got!.name, 'dockhand-main-spare-in-use', 'dockhand-main-spare-stopped', 'dockhand-other-spare-x'].sort());
  });

  it('owns what it made, is making, or handed out in the last minute (the sweep keeps those)', async () => {
    let now = 1_000_000;
    const e = fakeEngine();
    const { pool } = newPool(e, { floor: 2, now: () => now });
    await pool.start();
    await pool.settled();
    const [a, b] = spareNames(e);
    expect(pool.owns(a!) && pool.owns(b!)).toBe(true);
    expect(pool.owns('dockhand-main-spare-someone-else')).toBe(false);
    e.holdCreates();
    const claimed = await pool.claim();
    await flush();
    expect(pool.stats().creating).toBe(1);
    expect(pool.owns(claimed!.name)).toBe(true);
    now += 61_000;
    expect(pool.owns(claimed!.name)).toBe(false);
    e.release();
    await pool.close();
  });

  it('close removes the ready spares and one finishing afterwards, and stops refilling', async () => {
    const e = fakeEngine();
    const { pool } = newPool(e);
    await pool.start();
    await pool.settled();
    e.holdCreates();
    await pool.claim();
    await flush();
    expect(pool.stats().creating).toBe(1);
    const closing = pool.close();
    e.release();
    await closing;
    await flush();
    // only the claimed one is left: it belongs to its sandbox now
    expect(spareNames(e)).toHaveLength(1);
    pool.setDemand(5);
    await flush();
    expect(pool.stats()).toMatchObject({ ready: 0, creating: 0 });
  });
});

describe('the sandbox network sweep and spares', () => {
  it('keeps the unclaimed spares the running pool owns, removes any other (after the grace), and leaves claimed ones to their sandbox', async () => {
    const e = fakeEngine();
    e.leftover('dockhand-main-spare-ours', 1);
    e.leftover('dockhand-main-spare-leftover', 2);
    e.leftover('dockhand-main-spare-claimed', 3);
    e.containers.push({ Id: 'sb', Labels: { [LABEL_NETWORK]: 'dockhand-main-spare-claimed' } });
    const keepSpare = (n: string) => n === 'dockhand-main-spare-ours';
    await sweepSandboxNetworks(e.docker, { instance: 'main', mirrorContainer: MIRROR, logger: silent, graceMs: 0, keepSpare });
    expect([...e.nets.keys()].sort()).toEqual(['dockhand-main-spare-claimed', 'dockhand-main-spare-ours']);
    e.containers.splice(0); // its sandbox is gone
    await sweepSandboxNetworks(e.docker, { instance: 'main', mirrorContainer: MIRROR, logger: silent, graceMs: 0, keepSpare });
    expect([...e.nets.keys()]).toEqual(['dockhand-main-spare-ours']);
    // destroyAll: nothing kept
    await sweepSandboxNetworks(e.docker, { instance: 'main', mirrorContainer: MIRROR, logger: silent, graceMs: 0 });
    expect(e.nets.size).toBe(0);
  });
});

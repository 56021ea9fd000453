import type Docker from 'dockerode';
import pino from 'pino';
import {
  SUBNET_RANGE,
  bridgeName,
  mirrorUrlOn,
  networkSpec,
  pickSubnetIndex,
  sandboxNetworkPolicy,
  EGRESS_BLOCKED_ENV,
  subnetAt,
  subnetCount,
  subnetIndexOf,
} from '../../../src/sandbox/isolation/sandbox-network-policy';

describe('sandbox subnets', () => {
  it('splits 10.213.0.0/16 into 4096 /28s with fixed gateway, mirror and sandbox addresses', () => {
    expect(SUBNET_RANGE).toBe('10.213.0.0/16');
    expect(subnetCount()).toBe(4096);
    expect(subnetAt(0)).toEqual({ index: 0, subnet: '10.213.0.0/28', gateway: '10.213.0.1', mirrorIp: '10.213.0.2', sandboxIp: '10.213.0.3' });
    expect(subnetAt(17)).toMatchObject({ subnet: '10.213.1.16/28', gateway: '10.213.1.17', mirrorIp: '10.213.1.18', sandboxIp: '10.213.1.19' });
    expect(subnetAt(4095).subnet).toBe('10.213.255.240/28');
    expect(() => subnetAt(4096)).toThrow(/out of/);
    expect(() => subnetAt(-1)).toThrow(/out of/);
  });

  it('maps a subnet back to its index, and nothing outside the range or of another size', () => {
    for (const i of [0, 1, 255, 4095]) expect(subnetIndexOf(subnetAt(i).subnet)).toBe(i);
    expect(subnetIndexOf('172.17.0.0/16')).toBeUndefined();
    expect(subnetIndexOf('10.213.0.0/24')).toBeUndefined();
    expect(subnetIndexOf('10.214.0.0/28')).toBeUndefined();
    expect(subnetIndexOf('10.212.255.240/28')).toBeUndefined();
    expect(subnetIndexOf('garbage')).toBeUndefined();
  });

  it('picks the first free index from the start, wrapping around, and none when all are used', () => {
    expect(pickSubnetIndex(new Set(), 5, 8)).toBe(5);
    expect(pickSubnetIndex(new Set([5, 6]), 5, 8)).toBe(7);
    expect(pickSubnetIndex(new Set([5, 6, 7]), 5, 8)).toBe(0);
    expect(pickSubnetIndex(new Set([0, 1, 2, 3, 4, 5, 6, 7]), 3, 8)).toBeUndefined();
  });

  it('names bridges dh-b<hex> (egress blocked) or dh-o<hex> (open), never over 15 characters', () => {
    expect(bridgeName(0, true)).toBe('dh-b0');
    expect(bridgeName(255, false)).toBe('dh-off');
    expect(bridgeName(4095, true)).toBe('dh-bfff');
    for (let i = 0; i < 4096; i++) expect(bridgeName(i, i % 2 === 0).length).toBeLessThanOrEqual(15);
    expect(bridgeName(1, true).startsWith('dh')).toBe(true);
  });
});

describe('network spec', () => {
  const labels = { 'dockhand.app': 'dockhand', 'dockhand.instance': 'main', 'dockhand.role': 'learner' };

  it('is an internal bridge on our own subnet when egress is blocked, labelled for the sweep', () => {
    const spec = networkSpec({ name: 'dockhand-main-x-net', subnet: subnetAt(3), blockEgress: true, labels });
    expect(spec).toMatchObject({
      Name: 'dockhand-main-x-net',
      Driver: 'bridge',
      Internal: true,
      IPAM: { Driver: 'default', Config: [{ Subnet: '10.213.0.48/28', Gateway: '10.213.0.49' }] },
      Labels: { 'dockhand.app': 'dockhand', 'dockhand.instance': 'main', 'dockhand.role': 'sandbox-network', 'dockhand.subnet': '10.213.0.48/28' },
    });
    expect(spec.Options?.['com.docker.network.bridge.name']).toBe('dh-b3');
    expect(spec.Options?.['com.docker.network.bridge.enable_ip_masquerade']).toBe('false');
  });

  it('is a routed bridge (dh-o…, masqueraded) only when the operator opened egress', () => {
    const spec = networkSpec({ name: 'n', subnet: subnetAt(3), blockEgress: false, labels });
    expect(spec.Internal).toBe(false);
    expect(spec.Options?.['com.docker.network.bridge.name']).toBe('dh-o3');
    expect(spec.Options?.['com.docker.network.bridge.enable_ip_masquerade']).toBe('true');
  });

  it("rewrites the mirror URL to the mirror's address on the sandbox's network", () => {
    expect(mirrorUrlOn('http://172.18.0.2:5000', '10.213.0.2')).toBe('http://10.213.0.2:5000');
    expect(mirrorUrlOn('http://dockhand-mirror', '10.213.0.18')).toBe('http://10.213.0.18:5000');
  });
});

describe('sandbox network policy (against a recording engine)', () => {
  function fakeDocker(existing: string[] = [], failFirstCreate = false) {
    const calls: { op: string; arg: unknown }[] = [];
    let creates = 0;
    const docker = {
      listNetworks: async () => existing.map((s, i) => ({ Id: `n${i}`, Name: `other${i}`, IPAM: { Config: [{ Subnet: s }] } })),
      createNetwork: async (o: Docker.NetworkCreateOptions) => {
        calls.push({ op: 'create', arg: o });
        if (failFirstCreate && creates++ === 0) throw Object.assign(new Error('Pool overlaps with other one on this address space'), { statusCode: 403 });
        return { id: 'net1' };
      },
      getNetwork: (name: string) => ({
        connect: async (o: unknown) => calls.push({ op: `connect ${name}`, arg: o }),
        inspect: async () => ({ Containers: {} }),
        disconnect: async () => undefined,
        remove: async () => calls.push({ op: `remove ${name}`, arg: undefined }),
      }),
    };
    return { docker: docker as unknown as Docker, calls };
  }
  const ctx = { instance: 'main', learnerKey: 'T1:U1', role: 'learner' as const, createdAt: 1, labels: { 'dockhand.app': 'dockhand', 'dockhand.instance': 'main' } };

  it('installs the firewall first, creates the network on a free subnet, joins the mirror at .2, and puts the sandbox at .3', async () => {
    const order: string[] = [];
    const { docker, calls } = fakeDocker([subnetAt(0).subnet]);
    const policy = sandboxNetworkPolicy({
      docker,
      logger: pino({ level: 'silent' }),
      blockEgress: true,
      mirrorContainer: 'dockhand-mirror',
      mirrorUrl: 'http://172.18.0.2:5000',
      mirrorEnv: 'DOCKHAND_REGISTRY_MIRROR',
      ensureFirewall: async () => {
        order.push('firewall');
      },
      random: () => 0,
    });
    const spec: Docker.ContainerCreateOptions = { name: 'dockhand-main-T1-U1-1', Env: ['DOCKHAND_REGISTRY_MIRROR=http://172.18.0.2:5000', 'TERM=xterm'] };
    const undo = await policy.apply(spec, ctx);
    expect(order).toEqual(['firewall']);
    const created = calls.find((c) => c.op === 'create')!.arg as Docker.NetworkCreateOptions;
    expect(created.Name).toBe('dockhand-main-T1-U1-1-net');
    expect(created.IPAM?.Config?.[0]?.Subnet).toBe('10.213.0.16/28'); // index 0 was taken
    expect(calls.find((c) => c.op.startsWith('connect'))?.arg).toEqual({ Container: 'dockhand-mirror', EndpointConfig: { IPAMConfig: { IPv4Address: '10.213.0.18' } } });
    expect(spec.HostConfig?.NetworkMode).toBe('dockhand-main-T1-U1-1-net');
    expect(spec.NetworkingConfig?.EndpointsConfig?.['dockhand-main-T1-U1-1-net']?.IPAMConfig?.IPv4Address).toBe('10.213.0.19');
    // egress is blocked: the entrypoint is told to refuse it inside the sandbox at once
    // the package source shares the mirror's address (its network namespace): the entrypoint answers its name with it
    expect(spec.Env).toEqual(['TERM=xterm', 'DOCKHAND_REGISTRY_MIRROR=http://10.213.0.18:5000', 'DOCKHAND_PACKAGE_SOURCE=10.213.0.18', `${EGRESS_BLOCKED_ENV}=1`]);
    expect(spec.Labels?.['dockhand.network']).toBe('dockhand-main-T1-U1-1-net');
    expect(typeof undo).toBe('function');
    await (undo as () => Promise<void>)();
    expect(calls.some((c) => c.op === 'remove dockhand-main-T1-U1-1-net')).toBe(true);
  });

  it('moves to the next subnet when another process took the first one meanwhile', async () => {
    const { docker, calls } = fakeDocker([], true);
    const policy = sandboxNetworkPolicy({ docker, logger: pino({ level: 'silent' }), blockEgress: false, mirrorEnv: 'X', ensureFirewall: async () => undefined, random: () => 0 });
    const spec: Docker.ContainerCreateOptions = { name: 's' };
    await policy.apply(spec, ctx);
    // open egress: nothing is refused inside the sandbox
    expect(spec.Env ?? []).not.toContainEqual(expect.stringContaining(EGRESS_BLOCKED_ENV));
    const subnets = calls.filter((c) => c.op === 'create').map((c) => (c.arg as Docker.NetworkCreateOptions).IPAM?.Config?.[0]?.Subnet);
    expect(subnets).toEqual(['10.213.0.0/28', '10.213.0.16/28']);
  });

  it('refuses the sandbox when the firewall cannot be installed (fails closed, creates nothing)', async () => {
    const { docker, calls } = fakeDocker();
    const policy = sandboxNetworkPolicy({
      docker,
      logger: pino({ level: 'silent' }),
      blockEgress: true,
      mirrorEnv: 'X',
      ensureFirewall: async () => {
        throw new Error('no NET_ADMIN');
      },
    });
    await expect(policy.apply({ name: 's' }, ctx)).rejects.toThrow(/NET_ADMIN/);
    expect(calls).toEqual([]);
  });
});

import { createServer, type Server } from 'node:net';
import type Docker from 'dockerode';
import { MIRROR_CONTAINER } from '../../../src/images/image-mirror';
import { ensureImages } from '../../../src/images/images';
import { SandboxManager } from '../../../src/sandbox/lifecycle/sandbox-manager';
import { subnetAt, subnetIndexOf } from '../../../src/sandbox/isolation/sandbox-network-policy';
import { SandboxRuntime } from '../../../src/sandbox/engine/sandbox-runtime';
import { IMAGES_TIMEOUT_MS, docker, logger, newManager, sandboxImages, testConfig, testInstance } from '../sandbox-fixture';

/**
 * Sandboxes whose network came from the spare pool are isolated exactly like those with a network made on the
 * spot (network-isolation.int.test.ts holds the full set; here the parts a pooled network could get wrong):
 * A (attacker) and B (bystander) on pooled networks, C on a fresh one for comparison, egress blocked. Traffic
 * only to what this file starts. Then spares across a crash and a restart.
 */
const A = 'T1:attacker';
const B = 'T1:bystander';
const C = 'T1:fresh';
let pooled: SandboxManager;
let fresh: SandboxManager;
let instance: string;
let sparesBefore: string[];
let digests: Record<string, string>;
interface NetOf {
  name: string;
  ip: string;
  gateway: string;
  mirrorIp: string;
  info: Docker.NetworkInspectInfo;
}
const net: Record<string, NetOf> = {};

async function netOf(m: SandboxManager, learner: string): Promise<NetOf> {
  const c = await docker.getContainer(m.containerIdOf(learner)!).inspect();
  const [name, ep] = Object.entries(c.NetworkSettings.Networks)[0]!;
  const info = await docker.getNetwork(name).inspect();
  const mirror = Object.values(info.Containers ?? {}).find((x) => x.Name === MIRROR_CONTAINER);
  return { name, ip: ep.IPAddress, gateway: ep.Gateway, mirrorIp: (mirror?.IPv4Address ?? '').split('/')[0]!, info };
}

const sparesOf = async (inst: string) =>
  (await docker.listNetworks({ filters: { label: [`dockhand.instance=${inst}`, 'dockhand.role=network-spare'] } })).map((n) => n.Name).sort();

async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 100));
  }
}

const run = async (m: SandboxManager, learner: string, cmd: string, timeoutMs = 30_000) => (await m.run(learner, cmd, { timeoutMs })).output;

beforeAll(async () => {
  digests = (await ensureImages({ docker, log: logger })).mirrorDigests;
  ({ manager: pooled, instance } = await newManager('netpool', { blockEgress: true, commandMaxTimeoutSeconds: 120 }, { mirrorContainer: MIRROR_CONTAINER }));
  await pooled.start();
  await waitFor(() => (pooled.stats().spareNetworks?.ready ?? 0) >= 2, 60_000);
  sparesBefore = await sparesOf(instance);
  await Promise.all([run(pooled, A, 'true'), run(pooled, B, 'true')]);
  net.A = await netOf(pooled, A);
  net.B = await netOf(pooled, B);
  ({ manager: fresh } = await newManager('netfresh', { blockEgress: true }, { mirrorContainer: MIRROR_CONTAINER, networkSpares: false }));
  await fresh.start();
  await run(fresh, C, 'true');
  net.C = await netOf(fresh, C);
}, IMAGES_TIMEOUT_MS);

afterAll(async () => {
  await pooled?.destroyAll();
  await fresh?.destroyAll();
});

describe('a sandbox on a network from the spare pool', () => {
  it('got a spare made before it was asked for', () => {
    expect(sparesBefore).toEqual(expect.arrayContaining([net.A!.name, net.B!.name]));
    expect(net.A!.name).not.toBe(net.B!.name);
  });

  it('has a network identical to a fresh one (internal dh-b… bridge, same options and IPAM), shared only with the read-only mirror', () => {
    const shape = (n: NetOf) => {
      const { ['com.docker.network.bridge.name']: bridge, ...options } = n.info.Options ?? {};
      const subnet = n.info.IPAM?.Config?.[0]?.Subnet ?? '';
      const s = subnetAt(subnetIndexOf(subnet)!);
      const members = Object.values(n.info.Containers ?? {}).map((c) => (c.Name === MIRROR_CONTAINER ? `mirror@${c.IPv4Address}` : `sandbox@${c.IPv4Address}`)).sort();
      return {
        driver: n.info.Driver,
        internal: n.info.Internal,
        ipv6: n.info.EnableIPv6,
        attachable: n.info.Attachable,
        options,
        bridge: bridge?.replace(/^(dh-[bo])[0-9a-f]+$/, '$1<index>'),
        bridgeIndex: bridge === `dh-b${s.index.toString(16)}`,
        ipam: { driver: n.info.IPAM?.Driver, gateway: n.info.IPAM?.Config?.[0]?.Gateway === s.gateway, configs: n.info.IPAM?.Config?.length },
        members: members.map((m) => m.replace(s.mirrorIp, '.2').replace(s.sandboxIp, '.3')),
        sandboxIp: n.ip === s.sandboxIp,
        mirrorIp: n.mirrorIp === s.mirrorIp,
      };
    };
    const c = shape(net.C!);
    expect(c).toMatchObject({ internal: true, bridge: 'dh-b<index>', bridgeIndex: true, members: ['mirror@.2/28', 'sandbox@.3/28'], sandboxIp: true, mirrorIp: true });
    expect(shape(net.A!)).toEqual(c);
    expect(shape(net.B!)).toEqual(c);
    expect(net.A!.info.Labels).toMatchObject({ 'dockhand.app': 'dockhand', 'dockhand.instance': instance, 'dockhand.role': 'network-spare' });
  });

  it("points the sandbox's registry mirror at the mirror's address on its own network", async () => {
    const env = (await docker.getContainer(pooled.containerIdOf(A)!).inspect()).Config.Env ?? [];
    expect(env).toContain(`DOCKHAND_REGISTRY_MIRROR=http://${net.A!.mirrorIp}:5000`);
  });

  it('the mirror stays read-only from a pooled network (no upload, no delete), reads work, and B pulls the genuine nginx', async () => {
    const mirror = `${net.A!.mirrorIp}:5000`;
    const nginx = digests['nginx:latest']!;
    expect(await run(pooled, A, `curl -s -o /dev/null -w '%{http_code}' -X POST http://${mirror}/v2/library/nginx/blobs/uploads/`)).toMatch(/^(405|503)$/);
    expect(await run(pooled, A, `curl -s -o /dev/null -w '%{http_code}' -X DELETE http://${mirror}/v2/library/nginx/manifests/${nginx}`)).toMatch(/^(405|503)$/);
    expect(await run(pooled, A, `curl -s -o /dev/null -w '%{http_code}' http://${mirror}/v2/library/nginx/tags/list`)).toBe('200');
    const pulled = await run(pooled, B, `docker pull -q nginx >/dev/null && docker image inspect nginx --format '{{join .RepoDigests " "}}'`, 90_000);
    expect(pulled).toContain(`nginx@${nginx}`);
  }, 120_000);

  it("A cannot ping or curl B's published nginx, while B's own curl works", async () => {
    const up = await run(pooled, B, 'docker run -d -p 80:80 --name web nginx >/dev/null && for i in $(seq 50); do curl -s -m 1 -o /dev/null http://127.0.0.1/ && break; sleep 0.2; done; echo up', 60_000);
    expect(up).toBe('up');
    expect(await run(pooled, B, `curl -s -m 3 -o /dev/null -w '%{http_code}' http://${net.B!.ip}/`)).toBe('200');
    expect(await run(pooled, A, `ping -c 2 -W 1 ${net.B!.ip} >/dev/null 2>&1 && echo reached || echo unreachable`)).toBe('unreachable');
    expect(await run(pooled, A, `curl -s -m 3 -o /dev/null -w '%{http_code}' http://${net.B!.ip}/; echo " exit=$?"`)).toMatch(/^000 exit=(7|28)$/);
  }, 120_000);

  it("A has no L2 path to B on its own link; ARP to the mirror works", async () => {
    const r = await run(
      pooled,
      A,
      [
        `curl -s -m 3 -o /dev/null http://${net.A!.mirrorIp}:5000/v2/`,
        `ip neigh show ${net.A!.mirrorIp} | grep -q lladdr && echo mirror-resolved`,
        `ip route add ${net.B!.ip}/32 dev eth0`,
        `ping -c 2 -W 1 ${net.B!.ip} >/dev/null 2>&1 && echo reached || echo unreachable`,
        `ip neigh show ${net.B!.ip} | grep -q lladdr && echo b-resolved || echo b-unresolved`,
        `ip route del ${net.B!.ip}/32 dev eth0`,
      ].join('; '),
    );
    expect(r.split('\n')).toEqual(['mirror-resolved', 'unreachable', 'b-unresolved']);
  }, 60_000);

  describe('the engine host', () => {
    let server: Server;
    let port: number;
    const peers: string[] = [];
    beforeAll(async () => {
      server = createServer((s) => {
        peers.push(String(s.remoteAddress));
        s.end('hello\n');
      });
      await new Promise<void>((r) => server.listen(0, '0.0.0.0', r));
      port = (server.address() as { port: number }).port;
    });
    afterAll(async () => {
      await new Promise((r) => server.close(r));
    });

    it('A cannot reach a host listener through its bridge gateway (the firewall matches pooled bridges too)', async () => {
      const before = peers.length;
      const r = await run(pooled, A, `timeout 4 bash -c 'exec 3<>/dev/tcp/${net.A!.gateway}/${port}; cat <&3' 2>/dev/null; echo "exit=$?"`);
      expect(r).not.toContain('hello');
      expect(r).toMatch(/exit=[1-9]/);
      expect(peers.length).toBe(before);
    }, 30_000);
  });

  it('removes the pooled network with its sandbox; the next sandbox gets another one', async () => {
    const old = net.A!.name;
    await pooled.reset(A);
    await expect(docker.getNetwork(old).inspect()).rejects.toMatchObject({ statusCode: 404 });
    await run(pooled, A, 'true');
    const again = await netOf(pooled, A);
    expect(again.name).not.toBe(old);
  }, 60_000);
});

describe('spares across a crash and a restart', () => {
  it('removes every spare an earlier run left (a used network whose sandbox was removed by hand looks the same), leaves other instances alone; destroyAll removes the rest', async () => {
    const { sandboxImage, mirrorUrl } = await sandboxImages();
    const inst = testInstance('spare-restart');
    const other = testInstance('spare-other');
    const runtimeFor = (i: string, floor: number) =>
      new SandboxRuntime({ docker, config: testConfig({ blockEgress: true }), logger, image: sandboxImage, mirrorUrl, instance: i, mirrorContainer: MIRROR_CONTAINER, networkSpares: { floor } });
    const crashed = runtimeFor(inst, 2);
    const neighbour = runtimeFor(other, 1);
    let restarted: SandboxManager | undefined;
    try {
      await crashed.networks!.start();
      await neighbour.networks!.start();
      await crashed.networks!.settled();
      // a sandbox on a spare, then removed by hand: its network is left with only the mirror on it, like a spare
      const sb = await crashed.create('T1:x', 'learner');
      const used = Object.keys((await docker.getContainer(sb.id).inspect()).NetworkSettings.Networks)[0]!;
      await docker.getContainer(sb.id).remove({ force: true, v: true });
      await crashed.networks!.settled();
      await neighbour.networks!.settled();
      const members = Object.values((await docker.getNetwork(used).inspect()).Containers ?? {}).map((c) => c.Name);
      expect(members).toEqual([MIRROR_CONTAINER]);
      const left = await sparesOf(inst);
      expect(left).toHaveLength(3);
      expect(left).toContain(used);
      const neighbours = await sparesOf(other);
      expect(neighbours).toHaveLength(1);

      // the process "crashed": its pool is never closed; a new run of the same instance starts
      ({ manager: restarted } = await newManager('spare-restart', { blockEgress: true }, { instance: inst, mirrorContainer: MIRROR_CONTAINER }));
      await restarted.start();
      await waitFor(async () => (await Promise.all(left.map((n) => docker.getNetwork(n).inspect().then(() => false, () => true)))).every(Boolean), 60_000);
      await waitFor(() => restarted!.stats().spareNetworks?.ready === 2, 60_000);
      const made = await sparesOf(inst);
      expect(made.filter((n) => left.includes(n))).toEqual([]);
      await restarted.run('T1:y', 'true');
      const got = Object.keys((await docker.getContainer(restarted.containerIdOf('T1:y')!).inspect()).NetworkSettings.Networks)[0]!;
      expect(made).toContain(got);

      await restarted.destroyAll();
      expect(await docker.listNetworks({ filters: { label: [`dockhand.instance=${inst}`] } })).toEqual([]);
      expect(await sparesOf(other)).toEqual(neighbours);
    } finally {
      await restarted?.destroyAll();
      await crashed.networks!.close();
      // a failure before the restart leaves the crashed run's sandbox and networks: ours to remove
      for (const c of await crashed.list()) await crashed.remove(c.id);
      await crashed.removeNetwork();
      await neighbour.networks!.close();
      await neighbour.removeNetwork();
    }
    expect(await sparesOf(other)).toEqual([]);
  }, 240_000);
});

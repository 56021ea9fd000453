import { createServer, connect, type Server } from 'node:net';
import { networkInterfaces } from 'node:os';
import { FORWARD_CHAIN, INPUT_CHAIN, firewallScript } from '../../../src/sandbox/isolation/host-firewall';
import { runOnEngineHost } from '../../../src/sandbox/engine/host-exec';
import { ensureImages } from '../../../src/images/images';
import { MIRROR_CONTAINER, inspectMirror, registryManifest } from '../../../src/images/image-mirror';
import { directReach } from '../../../src/images/registry-reach';
import { SandboxManager } from '../../../src/sandbox/lifecycle/sandbox-manager';
import { subnetIndexOf, sweepSandboxNetworks } from '../../../src/sandbox/isolation/sandbox-network-policy';
import { IMAGES_TIMEOUT_MS, containersOf, docker, logger, newManager } from '../sandbox-fixture';

/**
 * Two learners' sandboxes, A (the attacker) and B (the bystander), under the test-host-cgroup profile with
 * egress blocked (the default). Traffic goes only to what this file starts: B's nested nginx, a TCP listener
 * on the host, the mirror's read-only instance. Outside addresses and 169.254.0.0/16 are covered by
 * asserting on the installed rules, never by probing.
 */
const A = 'T1:attacker';
const B = 'T1:bystander';
let manager: SandboxManager;
let instance: string;
let digests: Record<string, string>;
let sandboxImage: string;
const net: Record<string, { name: string; ip: string; gateway: string; subnet: string; mirrorIp: string }> = {};

async function sandboxNet(learner: string) {
  const info = await docker.getContainer(manager.containerIdOf(learner)!).inspect();
  const [name, ep] = Object.entries(info.NetworkSettings.Networks)[0]!;
  const n = await docker.getNetwork(name).inspect();
  const mirror = Object.values(n.Containers ?? {}).find((c) => c.Name === MIRROR_CONTAINER);
  return { name, ip: ep.IPAddress, gateway: ep.Gateway, subnet: n.IPAM?.Config?.[0]?.Subnet ?? "", mirrorIp: (mirror?.IPv4Address ?? '').split('/')[0]! };
}

const run = async (learner: string, cmd: string, timeoutMs = 30_000) => manager.run(learner, cmd, { timeoutMs });

beforeAll(async () => {
  const images = await ensureImages({ docker, log: logger });
  digests = images.mirrorDigests;
  sandboxImage = images.sandboxImage;
  ({ manager, instance } = await newManager('netiso', { blockEgress: true, commandMaxTimeoutSeconds: 120 }, { mirrorContainer: MIRROR_CONTAINER }));
  await manager.start();
  await Promise.all([run(A, 'true'), run(B, 'true')]);
  net.A = await sandboxNet(A);
  net.B = await sandboxNet(B);
}, IMAGES_TIMEOUT_MS);

afterAll(async () => {
  await manager?.destroyAll();
});

/** Far above any real latency: a bystander command this slow means it hung behind the attack. */
const HANG_MS = 10_000;

/** How a push the read-only mirror refuses ends: Docker 20.10 and 26 CLIs word it differently (26: "unknown: Method not allowed"). */
const REFUSED = /unsupported|read-only|readonly|denied|405|not allowed/i;

describe('network isolation between sandboxes', () => {
  it('gives each sandbox its own internal bridge (dh-b…, a /28 of 10.213.0.0/16) shared only with the read-only mirror', async () => {
    expect(net.A!.name).not.toBe(net.B!.name);
    for (const k of ['A', 'B']) {
      const n = net[k]!;
      const info = await docker.getNetwork(n.name).inspect();
      expect(info.Internal).toBe(true);
      expect(info.Labels).toMatchObject({ 'dockhand.app': 'dockhand', 'dockhand.instance': instance });
      expect(subnetIndexOf(n.subnet)).toBeDefined();
      expect(info.Options?.['com.docker.network.bridge.name']).toMatch(/^dh-b[0-9a-f]+$/);
      const members = Object.values(info.Containers ?? {}).map((c) => c.Name).sort();
      expect(members).toHaveLength(2);
      expect(members).toContain(MIRROR_CONTAINER);
      expect(n.mirrorIp).not.toBe('');
    }
  });

  it('refuses pushes, new repositories and deletes on the mirror; B pulls the genuine nginx with the recorded digest', async () => {
    const mirror = `${net.A!.mirrorIp}:5000`;
    // Docker 26's push retries each refused layer for about 50 s, then prints "unknown: Method not allowed" and a blank line
    const push = await run(A, `docker pull -q busybox >/dev/null && docker tag busybox ${mirror}/library/nginx:latest && docker push ${mirror}/library/nginx:latest 2>&1 | sed '/^$/d' | tail -n 1; echo "exit=\${PIPESTATUS[0]}"`, 120_000);
    expect(push.output).toMatch(REFUSED);
    expect(push.output).toMatch(/exit=[1-9]/);
    const repo = await run(A, `docker tag busybox ${mirror}/evil/new:1 && docker push ${mirror}/evil/new:1 2>&1 | sed '/^$/d' | tail -n 1; echo "exit=\${PIPESTATUS[0]}"`, 120_000);
    expect(repo.output).toMatch(REFUSED);
    expect(repo.output).toMatch(/exit=[1-9]/);
    const nginxDigest = digests['nginx:latest'];
    expect(nginxDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    const del = await run(A, `curl -s -o /dev/null -w '%{http_code}' -X DELETE http://${mirror}/v2/library/nginx/manifests/${nginxDigest}`);
    expect(del.output).toMatch(/^(405|503)$/);
    // a blob upload (what a push starts with) is refused too
    const upload = await run(A, `curl -s -o /dev/null -w '%{http_code}' -X POST http://${mirror}/v2/library/nginx/blobs/uploads/`);
    expect(upload.output).toMatch(/^(405|503)$/);
    // control: reads work on the same endpoint
    const read = await run(A, `curl -s -o /dev/null -w '%{http_code}' http://${mirror}/v2/library/nginx/tags/list`);
    expect(read.output).toBe('200');

    // the shared storage still holds exactly what the bot pushed, and nothing new
    const state = (await inspectMirror(docker))!;
    expect((await registryManifest(directReach, state.pushHost, 'library/nginx', 'latest'))?.digest).toBe(nginxDigest);
    expect(await registryManifest(directReach, state.pushHost, 'evil/new', '1')).toBeUndefined();

    const pulled = await run(B, `docker pull -q nginx >/dev/null && docker image inspect nginx --format '{{join .RepoDigests " "}}'`, 90_000);
    expect(pulled.output).toContain(`nginx@${nginxDigest}`);
    const pinned = await run(B, `docker pull -q nginx@${nginxDigest} >/dev/null && echo pinned-ok`, 60_000);
    expect(pinned.output).toBe('pinned-ok');
  }, 400_000);

  it("A cannot ping or curl B's published nginx by IP, while B's own curl works", async () => {
    const started = await run(B, 'docker run -d -p 80:80 --name web nginx >/dev/null && for i in $(seq 50); do curl -s -m 1 -o /dev/null http://127.0.0.1/ && break; sleep 0.2; done; echo up', 60_000);
    expect(started.output).toBe('up');
    const own = await run(B, `curl -s -m 3 -o /dev/null -w '%{http_code}' http://${net.B!.ip}/`);
    expect(own.output).toBe('200');
    const ping = await run(A, `ping -c 2 -W 1 ${net.B!.ip} >/dev/null 2>&1 && echo reached || echo unreachable`);
    expect(ping.output).toBe('unreachable');
    const curl = await run(A, `curl -s -m 3 -o /dev/null -w '%{http_code}' http://${net.B!.ip}/; echo " exit=$?"`);
    expect(curl.output).toMatch(/^000 exit=(7|28)$/);
  }, 120_000);

  it("A's node01 (ssh node01, a container of A's engine) reaches A's own published port as controlplane, never B's nginx", async () => {
    // B's nginx from the test above still runs; A publishes its own page on 8088
    const own = await run(A, 'docker pull -q nginx >/dev/null && docker run -d -p 8088:80 --name mine nginx >/dev/null && for i in $(seq 50); do curl -s -m 1 -o /dev/null http://127.0.0.1:8088/ && break; sleep 0.2; done; echo up', 60_000);
    expect(own.output).toBe('up');
    const fromNode = await run(
      A,
      `ssh node01 'curl -s -m 3 -o /dev/null -w %{http_code} controlplane:8088; echo; curl -s -m 3 -o /dev/null -w %{http_code} http://${net.B!.ip}/; echo " exit=$?"'`,
      90_000,
    );
    const [page, other] = fromNode.output.split('\n');
    expect(page).toBe('200');
    expect(other).toMatch(/^000 exit=(7|28)$/);
    const unknown = await run(A, 'ssh db.example.com true; echo "exit=$?"');
    expect(unknown.output).toMatch(/^ssh: Could not resolve hostname db\.example\.com: a Dockhand sandbox is one machine .*\nexit=255$/);
  }, 120_000);

  it("A has no L2 path to B: ARP for B's address on A's own link goes unanswered; ARP to the mirror works", async () => {
    const r = await run(
      A,
      [
        `curl -s -m 3 -o /dev/null http://${net.A!.mirrorIp}:5000/v2/`,
        `ip neigh show ${net.A!.mirrorIp} | grep -q lladdr && echo mirror-resolved`,
        // force B's address onto A's own link so the kernel ARPs for it there instead of routing to the gateway
        `ip route add ${net.B!.ip}/32 dev eth0`,
        `ping -c 2 -W 1 ${net.B!.ip} >/dev/null 2>&1 && echo reached || echo unreachable`,
        `ip neigh show ${net.B!.ip} | grep -q lladdr && echo b-resolved || echo b-unresolved`,
        `ip route del ${net.B!.ip}/32 dev eth0`,
      ].join('; '),
    );
    expect(r.output.split('\n')).toEqual(['mirror-resolved', 'unreachable', 'b-unresolved']);
  }, 60_000);

  it("A claiming B's mirror address on its own link does not change what B pulls", async () => {
    const bMirror = net.B!.mirrorIp;
    const spoof = await run(A, `ip addr add ${bMirror}/32 dev eth0 && ping -c 1 -W 1 -I ${bMirror} ${net.B!.ip} >/dev/null 2>&1; ip addr del ${bMirror}/32 dev eth0; echo spoofed`);
    expect(spoof.output).toBe('spoofed');
    const pulled = await run(B, `docker pull -q hello-world >/dev/null && docker image inspect hello-world --format '{{join .RepoDigests " "}}'`, 60_000);
    expect(pulled.output).toContain(`hello-world@${digests['hello-world:latest']}`);
  }, 120_000);

  describe('the engine host', () => {
    let server: Server;
    let port: number;
    const peers: string[] = [];
    beforeAll(async () => {
      server = createServer((s) => {
        peers.push(String(s.remoteAddress));
        s.end('hello\n');
      });
      // '::' takes IPv4 too (dual stack), so one listener serves both tests below.
      await new Promise<void>((r) => server.listen(0, '::', r));
      port = (server.address() as { port: number }).port;
    });
    afterAll(async () => {
      await new Promise((r) => server.close(r));
    });

    const connectFromHost = (host: string) =>
      new Promise<string>((resolve, reject) => {
        const s = connect({ host, port }, () => undefined);
        let got = '';
        s.setTimeout(3000, () => s.destroy(new Error('timeout')));
        s.on('data', (d) => (got += d.toString()));
        s.on('end', () => resolve(got));
        s.on('error', reject);
      });

    it("A cannot reach a listener on the host through its bridge gateway, while the host itself can", async () => {
      // control: the listener answers on the very address A will try (the gateway is a host address)
      expect(await connectFromHost(net.A!.gateway)).toBe('hello\n');
      const before = peers.length;
      const r = await run(A, `timeout 4 bash -c 'exec 3<>/dev/tcp/${net.A!.gateway}/${port}; cat <&3' 2>/dev/null; echo "exit=$?"`);
      expect(r.output).not.toContain('hello');
      expect(r.output).toMatch(/exit=[1-9]/);
      expect(peers.length).toBe(before);
    }, 30_000);

    it("A cannot reach the host over IPv6 either (the bridge's link-local address), even after turning IPv6 on", async () => {
      const bridge = (await docker.getNetwork(net.A!.name).inspect()).Options?.['com.docker.network.bridge.name'] ?? '';
      const linkLocal = (networkInterfaces()[bridge] ?? []).find((a) => a.family === 'IPv6' && a.address.startsWith('fe80:'))?.address;
      expect(linkLocal).toBeDefined();
      // control: the host reaches its own listener on that very address
      expect(await connectFromHost(`${linkLocal}%${bridge}`)).toBe('hello\n');
      const before = peers.length;
      // what an attacker would do: IPv6 on, wait until its own link-local address is usable (past DAD), then connect to the host's
      const r = await run(
        A,
        `sysctl -qw net.ipv6.conf.all.disable_ipv6=0 net.ipv6.conf.eth0.disable_ipv6=0 2>/dev/null; for i in $(seq 50); do ip -6 addr show dev eth0 | grep 'fe80.*scope link' | grep -vq tentative && break; sleep 0.2; done; ip -6 addr show dev eth0 | grep 'scope link' | grep -vc tentative; ` +
          `timeout 4 bash -c 'exec 3<>/dev/tcp/${linkLocal}%eth0/${port}; cat <&3' 2>/dev/null; echo "exit=$?"`,
      );
      expect(r.output.split('\n')[0]).toBe('1'); // A did get IPv6 on its side
      expect(r.output).not.toContain('hello');
      expect(r.output).toMatch(/exit=[1-9]/);
      expect(peers.length).toBe(before);
    }, 30_000);

    it('has the firewall rules installed once, in their own chains, for what tests must not probe (169.254/16, egress)', async () => {
      const show = async () =>
        (await runOnEngineHost(docker, { image: sandboxImage, script: `for c in ${INPUT_CHAIN} ${FORWARD_CHAIN} DOCKER-USER INPUT; do iptables -w -S $c 2>/dev/null; done; echo v6; for c in ${INPUT_CHAIN} ${FORWARD_CHAIN} INPUT FORWARD; do ip6tables -w -S $c 2>/dev/null; done`, capAdd: ['NET_ADMIN'], timeoutMs: 30_000, logger })).output;
      const rules = await show();
      expect(rules).toContain(`-A ${INPUT_CHAIN} -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN`);
      expect(rules).toContain(`-A ${INPUT_CHAIN} -j DROP`);
      expect(rules).toContain(`-A INPUT -i dh+ -j ${INPUT_CHAIN}`);
      expect(rules).toContain(`-A ${FORWARD_CHAIN} -d 169.254.0.0/16 -j DROP`);
      expect(rules).toContain(`-A ${FORWARD_CHAIN} -i dh-b+ ! -o dh+ -j DROP`);
      expect(rules).toContain(`-A DOCKER-USER -i dh+ -j ${FORWARD_CHAIN}`);
      const v6 = rules.slice(rules.indexOf('v6\n'));
      expect(v6).toContain(`-A INPUT -i dh+ -j ${INPUT_CHAIN}`);
      expect(v6).toContain(`-A ${INPUT_CHAIN} -j DROP`);
      expect(v6).toContain(`-A FORWARD -i dh+ -j ${FORWARD_CHAIN}`);
      expect(v6).toContain(`-A FORWARD -o dh+ -j ${FORWARD_CHAIN}`);
      expect(v6).toContain(`-A ${FORWARD_CHAIN} -j DROP`);
      // installing again changes nothing
      const again = await runOnEngineHost(docker, { image: sandboxImage, script: firewallScript(), capAdd: ['NET_ADMIN'], timeoutMs: 30_000, logger });
      expect(again.exitCode).toBe(0);
      expect(await show()).toBe(rules);
    }, 60_000);
  });

  it('nested containers keep working inside A: docker run -p + curl, and a nested user network', async () => {
    const r = await run(
      A,
      'docker pull -q nginx >/dev/null && docker pull -q busybox >/dev/null && docker run -d -p 8080:80 --name nested nginx >/dev/null && for i in $(seq 50); do curl -s -m 1 -o /dev/null http://127.0.0.1:8080/ && break; sleep 0.2; done; ' +
        "curl -s -m 3 -o /dev/null -w '%{http_code}\\n' http://127.0.0.1:8080/; docker network create inner >/dev/null && docker run --rm --network inner busybox echo inner-ok",
      90_000,
    );
    expect(r.output.split('\n')).toEqual(['200', 'inner-ok']);
  }, 120_000);

  it('refuses a request out inside a blocked sandbox at once: an unknown name fails instead of waiting out DNS timeouts', async () => {
    // 192.0.2.0/24 is TEST-NET-1 (RFC 5737): nobody answers there, and the refusal happens inside A anyway.
    // With the host's silent drop alone, the lookup (one 30 s try) and the connect would wait for `timeout 20`: exit 124.
    const r = await run(
      A,
      "docker pull -q nginx >/dev/null; sysctl -n net.ipv4.icmp_ratelimit; iptables -S DOCKER-USER | grep -c -- '-j REJECT'; " +
        "docker run --rm --dns 192.0.2.53 -e RES_OPTIONS='timeout:30 attempts:1' nginx timeout 20 getent hosts app-2; echo \"lookup=$?\"; " +
        'timeout 20 curl -sS --connect-timeout 30 -o /dev/null http://192.0.2.1/ 2>/dev/null; echo "connect=$?"',
      120_000,
    );
    // getent: 2 = not found; curl: 7 = could not connect
    expect(r.output.split('\n')).toEqual(['0', '1', 'lookup=2', 'connect=7']);
  }, 150_000);

  it("refuses the sandbox's own lookups of outside names at once (the nested engine's pulls do not wait on Docker Hub's name)", async () => {
    // The engine's resolver (127.0.0.11) never answers for outside names on an internal network: without the
    // refusal the lookup waits out its timeouts (exit 124 here), and every nested pull waited ~10 s before the mirror.
    const r = await run(A, "iptables -S OUTPUT | grep -c -- '-d 127.0.0.11/32 -j REJECT'; timeout 8 getent hosts registry-1.docker.io; echo \"lookup=$?\"", 30_000);
    expect(r.output.split('\n')).toEqual(['1', 'lookup=2']);
  }, 60_000);

  it("keeps B's command latency within 2x of idle while A runs its attacks", async () => {
    const sample = async (n: number) => {
      const ms: number[] = [];
      for (let i = 0; i < n; i++) {
        const t0 = Date.now();
        await run(B, 'true');
        ms.push(Date.now() - t0);
      }
      ms.sort((x, y) => x - y);
      return ms[Math.floor(ms.length / 2)]!;
    };
    await sample(3); // warm
    const idle = await sample(15);
    const mirror = `${net.A!.mirrorIp}:5000`;
    const attack = run(
      A,
      `end=$((SECONDS+12)); while [ $SECONDS -lt $end ]; do ` +
        `ping -c 3 -i 0.2 -W 1 ${net.B!.ip} >/dev/null 2>&1; curl -s -m 1 -o /dev/null http://${net.B!.ip}/; ` +
        `curl -s -m 1 -o /dev/null -X DELETE http://${mirror}/v2/library/nginx/manifests/latest; ` +
        `timeout 1 bash -c 'echo > /dev/tcp/${net.A!.gateway}/22' 2>/dev/null; done; echo attacked`,
      60_000,
    );
    await new Promise((r) => setTimeout(r, 1000));
    const underAttack = await sample(15);
    expect((await attack).output).toBe('attacked');
    process.stderr.write(`[network-isolation] bystander median latency: idle ${idle} ms, under attack ${underAttack} ms\n`);
    // The bystander kept working (every sample ran; none hung). The 2x latency target is a speed target and
    // belongs to `npm run bench`, not to a wall-clock assertion here; the numbers are printed above.
    expect(underAttack).toBeLessThan(HANG_MS);
  }, 120_000);

  it('removes each sandbox network with its sandbox', async () => {
    const name = net.A!.name;
    await manager.reset(A);
    await expect(docker.getNetwork(name).inspect()).rejects.toMatchObject({ statusCode: 404 });
  }, 60_000);
});

describe('sandbox networks over a sandbox lifetime', () => {
  const cleanup: SandboxManager[] = [];
  afterEach(async () => {
    for (const m of cleanup.splice(0)) await m.destroyAll();
  });

  it('an adopted sandbox keeps its network, the mirror rejoins it, and an orphaned network is swept', async () => {
    const first = await newManager('adopt-net', { blockEgress: true }, { mirrorContainer: MIRROR_CONTAINER });
    cleanup.push(first.manager);
    await first.manager.start();
    await first.manager.run('T1:keep', 'true');
    await first.manager.run('T1:gone', 'true');
    const keepId = first.manager.containerIdOf('T1:keep')!;
    const keepNet = Object.keys((await docker.getContainer(keepId).inspect()).NetworkSettings.Networks)[0]!;
    const goneId = first.manager.containerIdOf('T1:gone')!;
    const goneNet = Object.keys((await docker.getContainer(goneId).inspect()).NetworkSettings.Networks)[0]!;
    await first.manager.stop();
    // as after a recreated mirror, and a crash that left a network without its sandbox
    await docker.getNetwork(keepNet).disconnect({ Container: MIRROR_CONTAINER, Force: true });
    await docker.getContainer(goneId).remove({ force: true, v: true });

    const again = await newManager('adopt-net', { blockEgress: true }, { instance: first.instance, mirrorContainer: MIRROR_CONTAINER });
    cleanup.push(again.manager);
    await again.manager.start({ isKnown: (k) => k === 'T1:keep' });
    expect(again.manager.containerIdOf('T1:keep')).toBe(keepId);
    const pulled = await again.manager.run('T1:keep', 'docker pull -q busybox >/dev/null && echo pulled', { timeoutMs: 60_000 });
    expect(pulled.output).toBe('pulled');
    // the start-up sweep spares young networks (a sandbox may be being created on them): sweep as an older one
    await sweepSandboxNetworks(docker, { instance: first.instance, mirrorContainer: MIRROR_CONTAINER, logger, graceMs: 0 });
    await expect(docker.getNetwork(goneNet).inspect()).rejects.toMatchObject({ statusCode: 404 });
    await expect(docker.getNetwork(keepNet).inspect()).resolves.toBeDefined();
    await again.manager.destroyAll();
    await expect(docker.getNetwork(keepNet).inspect()).rejects.toMatchObject({ statusCode: 404 });
    expect(await containersOf(first.instance)).toHaveLength(0);
  }, 180_000);

  it('with egress opened by the operator: a routed dh-o… bridge, still no way to the host listener', async () => {
    const { manager } = await newManager('open-egress', { blockEgress: false }, { mirrorContainer: MIRROR_CONTAINER });
    cleanup.push(manager);
    await manager.start();
    await manager.run('T1:open', 'true');
    const info = await docker.getContainer(manager.containerIdOf('T1:open')!).inspect();
    const [name, ep] = Object.entries(info.NetworkSettings.Networks)[0]!;
    const n = await docker.getNetwork(name).inspect();
    expect(n.Internal).toBe(false);
    expect(n.Options?.['com.docker.network.bridge.name']).toMatch(/^dh-o[0-9a-f]+$/);
    const server = createServer((s) => s.end('hello\n'));
    await new Promise<void>((r) => server.listen(0, '0.0.0.0', r));
    const port = (server.address() as { port: number }).port;
    try {
      const r = await manager.run('T1:open', `timeout 4 bash -c 'exec 3<>/dev/tcp/${ep.Gateway}/${port}; cat <&3' 2>/dev/null; echo "exit=$?"`, { timeoutMs: 20_000 });
      expect(r.output).not.toContain('hello');
      expect(r.output).toMatch(/exit=[1-9]/);
      const pulled = await manager.run('T1:open', 'docker pull -q busybox >/dev/null && echo pulled', { timeoutMs: 60_000 });
      expect(pulled.output).toBe('pulled');
      // egress is the operator's to open: nothing refuses it inside the sandbox
      const refused = await manager.run('T1:open', "iptables -S DOCKER-USER | grep -c -- '-j REJECT'; iptables -S OUTPUT | grep -c -- '-j REJECT'", { timeoutMs: 20_000 });
      expect(refused.output.split('\n')).toEqual(['0', '0']);
    } finally {
      await new Promise((r) => server.close(r));
    }
  }, 120_000);
});

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { MIRROR_CONTAINER } from '../../../src/images/image-mirror';
import { runOnEngineHost } from '../../../src/sandbox/engine/host-exec';
import { FORWARD_CHAIN, INTERNAL_CHAIN } from '../../../src/sandbox/isolation/host-firewall';
import type { SandboxManager } from '../../../src/sandbox/lifecycle/sandbox-manager';
import { IMAGES_TIMEOUT_MS, docker, logger, newManager, sandboxImages } from '../sandbox-fixture';

/**
 * Egress opened by the operator (SANDBOX_BLOCK_EGRESS=false) is the internet, not the internal network. This
 * file makes its own network namespace on the engine host (this machine: tests run beside the engine) with a
 * veth pair and an HTTP server on private addresses it chose, routed from the host, and shows that A (the
 * attacker) and A's nested containers cannot reach it while the host and a plain Docker container can, and A
 * still reaches its mirror. B (the bystander) keeps working throughout. No outside address is probed.
 */
const A = 'T1:egress-attacker';
const B = 'T1:egress-bystander';
const tag = randomBytes(3).toString('hex');
const NS = `dhtest-${tag}`;
// never `dh…`: the host firewall takes every dh+ interface for a sandbox bridge
const HOST_IF = `vdt${tag}`;
const NS_IF = `vdp${tag}`;
// a /30 for the veth link (RFC 1918), plus a carrier-grade NAT and a 172.16/12 address routed to the namespace
const LINK_HOST = '10.199.213.1';
const PRIVATE = '10.199.213.2';
const CGNAT = '100.79.213.2';
const PRIVATE172 = '172.31.213.2';
const PORT = 8080;
const SECRET = 'internal-secret';

let manager: SandboxManager;
let server: ChildProcess | undefined;
let sandboxImage: string;
const sh = (cmd: string, ...args: string[]) => execFileSync(cmd, args, { stdio: 'pipe' }).toString();

const hostGet = (ip: string) =>
  new Promise<string>((resolve, reject) => {
    const req = request({ host: ip, port: PORT, path: '/', timeout: 3000 }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(body));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });

beforeAll(async () => {
  ({ sandboxImage } = await sandboxImages());
  for (const ip of [PRIVATE, CGNAT, PRIVATE172]) {
    // the addresses must be free here: only a default route may lead to them
    expect(sh('ip', '-4', 'route', 'get', ip)).not.toMatch(/ dev (?!eth|en|wl)\S+ src /);
  }
  sh('ip', 'netns', 'add', NS);
  sh('ip', 'link', 'add', HOST_IF, 'type', 'veth', 'peer', 'name', NS_IF);
  sh('ip', 'link', 'set', NS_IF, 'netns', NS);
  sh('ip', 'addr', 'add', `${LINK_HOST}/30`, 'dev', HOST_IF);
  sh('ip', 'link', 'set', HOST_IF, 'up');
  const inNs = (...a: string[]) => sh('ip', 'netns', 'exec', NS, ...a);
  inNs('ip', 'link', 'set', 'lo', 'up');
  inNs('ip', 'addr', 'add', `${PRIVATE}/30`, 'dev', NS_IF);
  inNs('ip', 'addr', 'add', `${CGNAT}/32`, 'dev', NS_IF);
  inNs('ip', 'addr', 'add', `${PRIVATE172}/32`, 'dev', NS_IF);
  inNs('ip', 'link', 'set', NS_IF, 'up');
  inNs('ip', 'route', 'add', 'default', 'via', LINK_HOST);
  for (const ip of [CGNAT, PRIVATE172]) sh('ip', 'route', 'add', `${ip}/32`, 'via', PRIVATE);
  const js = `require('http').createServer((q,r)=>{console.log(q.socket.remoteAddress);r.end('${SECRET}')}).listen(${PORT},'0.0.0.0',()=>console.log('listening'))`;
  server = spawn('ip', ['netns', 'exec', NS, process.execPath, '-e', js], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve) => server!.stdout!.on('data', (d: Buffer) => d.toString().includes('listening') && resolve()));
  ({ manager } = await newManager('egress-internal', { blockEgress: false, commandMaxTimeoutSeconds: 120 }, { mirrorContainer: MIRROR_CONTAINER }));
  await manager.start();
  await Promise.all([manager.run(A, 'true'), manager.run(B, 'true')]);
}, IMAGES_TIMEOUT_MS);

afterAll(async () => {
  await manager?.destroyAll();
  server?.kill();
  for (const ip of [CGNAT, PRIVATE172]) execFileSync('ip', ['route', 'del', `${ip}/32`], { stdio: 'ignore' });
  execFileSync('ip', ['link', 'del', HOST_IF], { stdio: 'ignore' });
  execFileSync('ip', ['netns', 'del', NS], { stdio: 'ignore' });
});

const run = (learner: string, cmd: string, timeoutMs = 30_000) => manager.run(learner, cmd, { timeoutMs });
const curlFrom = (learner: string, ip: string) => run(learner, `curl -s -m 4 http://${ip}:${PORT}/; echo " exit=$?"`);

describe('egress open is not the internal network', () => {
  it('the server this test started answers the host and a plain Docker container (the route works)', async () => {
    for (const ip of [PRIVATE, CGNAT, PRIVATE172]) expect(await hostGet(ip)).toBe(SECRET);
    // a container on Docker's default bridge is forwarded to it: only the sandbox rules stop a sandbox below
    const c = await docker.createContainer({ Image: sandboxImage, Entrypoint: ['curl', '-s', '-m', '5', `http://${PRIVATE}:${PORT}/`], Labels: { 'dockhand.app': 'dockhand-test' }, HostConfig: { NetworkMode: 'bridge' } });
    try {
      await c.start();
      await c.wait();
      const out = (await c.logs({ stdout: true, stderr: true })).toString();
      expect(out).toContain(SECRET);
    } finally {
      await c.remove({ force: true });
    }
  }, 120_000);

  it("A's sandbox cannot reach private, carrier-grade NAT or 172.16/12 addresses; its mirror still works", async () => {
    const bridge = (await docker.getNetwork(Object.keys((await docker.getContainer(manager.containerIdOf(A)!).inspect()).NetworkSettings.Networks)[0]!).inspect()).Options?.['com.docker.network.bridge.name'];
    expect(bridge).toMatch(/^dh-o[0-9a-f]+$/); // egress really is open for A
    for (const ip of [PRIVATE, CGNAT, PRIVATE172]) {
      const r = await curlFrom(A, ip);
      expect(r.output).not.toContain(SECRET);
      expect(r.output).toMatch(/exit=(7|28)$/);
    }
    const mirror = await run(A, `curl -s -o /dev/null -w '%{http_code}' "$DOCKHAND_REGISTRY_MIRROR/v2/"`);
    expect(mirror.output).toBe('200');
  }, 120_000);

  it("A's nested containers cannot reach it either, while they pull and read through the mirror", async () => {
    // control first: the same nested container reaches the mirror on A's bridge (nginx has bash, not curl)
    const probe = [
      `hit() { timeout 5 bash -c "exec 3<>/dev/tcp/$1/$2 && printf 'GET $3 HTTP/1.0\\r\\n\\r\\n' >&3 && cat <&3" 2>/dev/null | tr -d '\\r' | tr '\\n' ' '; echo "$4=\${PIPESTATUS[0]}"; }`,
      'hit "$MH" "$MP" /v2/ mirror',
      `hit ${PRIVATE} ${PORT} / private`,
    ].join('\n');
    const r = await run(
      A,
      `echo ${Buffer.from(probe).toString('base64')} | base64 -d > /tmp/probe.sh; M=\${DOCKHAND_REGISTRY_MIRROR#http://}; docker pull -q nginx >/dev/null && echo pulled; ` +
        `docker run --rm -v /tmp/probe.sh:/probe.sh -e MH=\${M%:*} -e MP=\${M##*:} nginx bash /probe.sh`,
      120_000,
    );
    const [pulled, mirror, priv] = r.output.split('\n');
    expect(pulled).toBe('pulled');
    expect(mirror).toMatch(/^HTTP\/1\.\d 200 .*mirror=0$/);
    expect(r.output).not.toContain(SECRET);
    expect(priv).toMatch(/^private=[1-9]\d*$/);
  }, 150_000);

  it('root in its own namespace changes nothing: A flushes every rule it has and is still dropped (the rules live on the engine host)', async () => {
    const flushed = await run(A, `iptables -P OUTPUT ACCEPT; iptables -F; iptables -t nat -F; iptables -t raw -F; iptables -t mangle -F; curl -s -m 4 http://${PRIVATE}:${PORT}/; echo " exit=$?"`);
    expect(flushed.output).not.toContain(SECRET);
    expect(flushed.output).toMatch(/exit=(7|28)$/);
  }, 60_000);

  it('has the internal drops and the DNS allow for the engine host nameservers installed', async () => {
    const rules = (await runOnEngineHost(docker, { image: sandboxImage, script: `iptables -w -S ${FORWARD_CHAIN}; iptables -w -S ${INTERNAL_CHAIN}`, capAdd: ['NET_ADMIN'], timeoutMs: 30_000, logger })).output;
    expect(rules).toContain(`-A ${FORWARD_CHAIN} ! -o dh+ -j ${INTERNAL_CHAIN}`);
    for (const d of ['10.0.0.0/8', '100.64.0.0/10', '172.16.0.0/12', '192.168.0.0/16', '168.63.129.16/32']) expect(rules).toContain(`-A ${INTERNAL_CHAIN} -d ${d} -j DROP`);
    const nameservers = readFileSync('/etc/resolv.conf', 'utf8').split('\n').flatMap((l) => /^nameserver\s+(\d+\.\d+\.\d+\.\d+)\s*$/.exec(l)?.[1] ?? []).filter((ns) => !ns.startsWith('127.'));
    for (const ns of nameservers) expect(rules).toContain(`-A ${FORWARD_CHAIN} -d ${ns}/32 ! -o dh+ -p udp -m udp --dport 53 -j RETURN`);
    // the allows come before the jump to the drops
    const lines = rules.split('\n');
    const jump = lines.indexOf(`-A ${FORWARD_CHAIN} ! -o dh+ -j ${INTERNAL_CHAIN}`);
    for (const ns of nameservers) expect(lines.findIndex((l) => l.includes(`-d ${ns}/32 -p udp`))).toBeLessThan(jump);
  }, 60_000);

  it("B's commands keep working while A hammers the internal addresses", async () => {
    const sample = async (n: number) => {
      const ms: number[] = [];
      for (let i = 0; i < n; i++) {
        const t0 = Date.now();
        expect((await run(B, 'echo ok')).output).toBe('ok');
        ms.push(Date.now() - t0);
      }
      return ms.sort((x, y) => x - y)[Math.floor(n / 2)]!;
    };
    await sample(2);
    const idle = await sample(10);
    const attack = run(A, `end=$((SECONDS+10)); while [ $SECONDS -lt $end ]; do for ip in ${PRIVATE} ${CGNAT} ${PRIVATE172}; do curl -s -m 1 -o /dev/null http://$ip:${PORT}/; done; done; echo attacked`, 60_000);
    const underAttack = await sample(10);
    expect((await attack).output).toBe('attacked');
    process.stderr.write(`[egress-internal] bystander median latency: idle ${idle} ms, under attack ${underAttack} ms\n`);
    expect((await run(B, `curl -s -o /dev/null -w '%{http_code}' "$DOCKHAND_REGISTRY_MIRROR/v2/"`)).output).toBe('200');
  }, 120_000);
});

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { BASE_IMAGE, LESSON_IMAGES, SANDBOX_IMAGE } from '../../src/images/images';
import { packagesImageFor } from '../../src/images/package-source';

const run = promisify(execFile);

/**
 * A second Docker engine on this machine that only answers over TCP with mutual TLS: what a separate sandbox host
 * looks like to the bot (DOCKER_HOST=tcp://..., DOCKER_TLS_VERIFY=1, DOCKER_CERT_PATH). It gets its own network
 * namespace, joined to this one by a veth pair on a /30 of its own: a second dockerd in the same namespace would
 * fight over docker0 and the iptables chains. `nsenter --net` (not `ip netns exec`, which remounts /sys and hides
 * the cgroup mounts) keeps the host's mount and cgroup view. User namespaces are remapped as on the main engine.
 * Its images are copied from the main engine (it has no route to package mirrors), so nothing is rebuilt.
 * Interface names avoid the `dh` prefix the bot's host firewall matches on sandbox bridges.
 */
export interface TlsEngine {
  env: Record<string, string>;
  docker: Docker;
  stop(): Promise<void>;
}

const sh = async (cmd: string, args: string[]) => (await run(cmd, args, { maxBuffer: 16 * 1024 * 1024 })).stdout;

async function makeCerts(dir: string, ip: string): Promise<void> {
  const o = (args: string[]) => sh('openssl', args);
  await o(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=dockhand-test-ca', '-keyout', `${dir}/ca-key.pem`, '-out', `${dir}/ca.pem`]);
  for (const [name, ext, cn] of [
    ['server', `subjectAltName=IP:${ip}\nextendedKeyUsage=serverAuth\n`, 'engine'],
    ['client', 'extendedKeyUsage=clientAuth\n', 'dockhand'],
  ] as const) {
    fs.writeFileSync(`${dir}/${name}.ext`, ext);
    await o(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${cn}`, '-keyout', `${dir}/${name}-key.pem`, '-out', `${dir}/${name}.csr`]);
    await o(['x509', '-req', '-in', `${dir}/${name}.csr`, '-CA', `${dir}/ca.pem`, '-CAkey', `${dir}/ca-key.pem`, '-CAcreateserial', '-days', '2', '-extfile', `${dir}/${name}.ext`, '-out', `${dir}/${name}-cert.pem`]);
  }
  // the names the docker CLI and DOCKER_CERT_PATH expect
  fs.copyFileSync(`${dir}/client-cert.pem`, `${dir}/cert.pem`);
  fs.copyFileSync(`${dir}/client-key.pem`, `${dir}/key.pem`);
}

async function waitForEngine(docker: Docker, child: ChildProcess, log: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the TLS engine exited (${child.exitCode}): ${fs.readFileSync(log, 'utf8').slice(-800)}`);
    try {
      await docker.ping();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`the TLS engine did not answer within ${timeoutMs / 1000} s: ${(err as Error).message}`, { cause: err });
      await new Promise((r) => setTimeout(r, 300));
    }
  }
}

/** Copies the images the bot needs from the main engine (docker save | docker load through the two APIs). */
async function seedImages(from: Docker, to: Docker): Promise<void> {
  // the package source too: building it needs the Debian mirror, which the engine's namespace cannot reach
  const names = [BASE_IMAGE, SANDBOX_IMAGE, packagesImageFor(BASE_IMAGE), ...LESSON_IMAGES.map((l) => l.localImage)];
  const missing: string[] = [];
  for (const n of names) if (!(await to.getImage(n).inspect().then(() => true, () => false))) missing.push(n);
  if (missing.length === 0) return;
  // GET /images/get?names=...: one tarball for all of them, shared layers once
  const tar = await new Promise<NodeJS.ReadableStream>((resolve, reject) =>
    from.modem.dial({ path: '/images/get?', method: 'GET', options: { names: missing }, isStream: true, statusCodes: { 200: true } }, (err, stream) => (err ? reject(err) : resolve(stream as NodeJS.ReadableStream))),
  );
  const load = await to.loadImage(tar);
  await new Promise<void>((resolve, reject) => to.modem.followProgress(load, (err: Error | null) => (err ? reject(err) : resolve())));
}

/** Whether a running process (an engine) was started with this data root. */
function dataRootInUse(root: string): boolean {
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    const cmd = (() => {
      try {
        return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      } catch {
        return '';
      }
    })();
    if (cmd.split('\0').includes(`--data-root=${root}`)) return true;
  }
  return false;
}

export async function startTlsEngine(): Promise<TlsEngine> {
  const id = randomBytes(3).toString('hex');
  const ns = `tlseng-${id}`;
  const [hostIf, nsIf] = [`tlse${id}a`, `tlse${id}b`];
  // a /30 from 10.252.0.0/16 that no other test run on this machine picked (the sandbox pool is 10.213/16)
  const octet = (parseInt(id, 16) % 63) * 4;
  const sub = `10.252.${parseInt(id.slice(0, 2), 16)}`;
  const [hostIp, engineIp] = [`${sub}.${octet + 1}`, `${sub}.${octet + 2}`];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockhand-tls-engine-'));
  // The shared data root keeps the seeded images between runs; a second engine cannot open it (its containerd
  // waits on the first's lock), so a run beside another one (or beside an orphan of a killed run) takes its own.
  const shared = '/var/lib/dockhand-test-tls-engine';
  const dataRoot = dataRootInUse(shared) ? `${shared}-${id}` : shared;
  const execRoot = `/run/dockhand-test-tls-${id}`;
  const cleanup: Array<() => Promise<unknown>> = [];
  let child: ChildProcess | undefined;
  try {
    await sh('ip', ['netns', 'add', ns]);
    cleanup.push(() => sh('ip', ['netns', 'del', ns]));
    await sh('ip', ['link', 'add', hostIf, 'type', 'veth', 'peer', 'name', nsIf]);
    cleanup.push(() => sh('ip', ['link', 'del', hostIf]).catch(() => undefined));
    await sh('ip', ['link', 'set', nsIf, 'netns', ns]);
    await sh('ip', ['addr', 'add', `${hostIp}/30`, 'dev', hostIf]);
    await sh('ip', ['link', 'set', hostIf, 'up']);
    const inNs = (args: string[]) => sh('nsenter', [`--net=/run/netns/${ns}`, ...args]);
    await inNs(['ip', 'addr', 'add', `${engineIp}/30`, 'dev', nsIf]);
    await inNs(['ip', 'link', 'set', nsIf, 'up']);
    await inNs(['ip', 'link', 'set', 'lo', 'up']);
    await makeCerts(dir, engineIp);
    const log = path.join(dir, 'dockerd.log');
    child = spawn(
      'nsenter',
      [
        `--net=/run/netns/${ns}`,
        'dockerd',
        '--userns-remap=default',
        `--data-root=${dataRoot}`,
        `--exec-root=${execRoot}`,
        `--pidfile=${execRoot}.pid`,
        `--host=unix://${execRoot}.sock`,
        `--host=tcp://${engineIp}:2376`,
        '--tlsverify',
        `--tlscacert=${dir}/ca.pem`,
        `--tlscert=${dir}/server-cert.pem`,
        `--tlskey=${dir}/server-key.pem`,
      ],
      { stdio: ['ignore', fs.openSync(log, 'a'), fs.openSync(log, 'a')] },
    );
    const docker = new Docker({ host: engineIp, port: 2376, protocol: 'https', ca: fs.readFileSync(`${dir}/ca.pem`), cert: fs.readFileSync(`${dir}/cert.pem`), key: fs.readFileSync(`${dir}/key.pem`) });
    await waitForEngine(docker, child, log, 60_000);
    await seedImages(new Docker(), docker);
    const stopEngine = child;
    return {
      env: { DOCKER_HOST: `tcp://${engineIp}:2376`, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: dir },
      docker,
      async stop() {
        const left = await docker.listContainers({ all: true }).catch(() => []);
        await Promise.all(left.map((c) => docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined)));
        stopEngine.kill('SIGTERM');
        await new Promise((r) => (stopEngine.exitCode !== null ? r(undefined) : stopEngine.once('exit', r)));
        for (const c of cleanup.reverse()) await c().catch(() => undefined);
        fs.rmSync(dir, { recursive: true, force: true });
        if (dataRoot !== shared) fs.rmSync(dataRoot, { recursive: true, force: true });
      },
    };
  } catch (err) {
    child?.kill('SIGTERM');
    for (const c of cleanup.reverse()) await c().catch(() => undefined);
    throw err;
  }
}

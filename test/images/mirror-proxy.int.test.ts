import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { inspectMirror, type MirrorState, registryManifest } from '../../src/images/image-mirror';
import { directReach } from '../../src/images/registry-reach';
import type { SandboxManager } from '../../src/sandbox/lifecycle/sandbox-manager';
import { docker, IMAGES_TIMEOUT_MS, newManager, sandboxImages } from '../sandbox/sandbox-fixture';
import { createUpstreamNetwork, lessonImage, removeTestMirror, seed, startOnUpstream, startTestMirror, testMirrorNames, waitForV2 } from './mirror-proxy-fixture';

// The read-only mirror as a pull-through cache of an upstream registry this test starts itself (never Docker Hub):
// learners get the upstream's images, the second learner's pull comes from the cache, and the names only the
// host pushed (the Debian stand-ins) still pull.
const names = testMirrorNames();
const UPSTREAM = `${names.container.replace(/-ro$/, '')}-upstream`;
const PASSWORD = `pw-${randomBytes(12).toString('hex')}`;
let mirror: MirrorState;
let manager: SandboxManager;
let upstreamIp: string;
let up: { ip: string; hostPort?: string };
const ids: Record<string, string> = {};

const took: Record<string, number> = {};
/** A learner's command, timed for the report (MIRROR_PROXY_TIMES names a file), never asserted. */
async function timed(label: string, learner: string, command: string) {
  const t0 = Date.now();
  const r = await manager.run(learner, command, { timeoutMs: 60_000 });
  took[label] = Date.now() - t0;
  return r;
}

const imageIdOf = async (ref: string) => (await docker.getImage(ref).inspect()).Id;

beforeAll(async () => {
  await sandboxImages();
  await createUpstreamNetwork(names);
  up = await startOnUpstream(names, { name: UPSTREAM, image: lessonImage('registry'), publish: true });
  upstreamIp = up.ip;
  await waitForV2(up.hostPort!);
  // the upstream holds a name the mirror lacks, and its own hello-world (busybox's layers: told apart by image ID)
  await seed(`127.0.0.1:${up.hostPort}`, lessonImage('nginx'), 'library/upstream-only', '1');
  await seed(`127.0.0.1:${up.hostPort}`, lessonImage('busybox'), 'library/hello-world', 'latest');
  mirror = await startTestMirror(names, { remoteurl: `http://${up.ip}:5000`, username: 'class-bot', password: PASSWORD });
  // what the host pushes (the stand-ins): hello-world, and a name the upstream never had
  await seed(mirror.pushHost, lessonImage('hello-world'), 'library/hello-world', 'latest');
  await seed(mirror.pushHost, lessonImage('hello-world'), 'library/standin-only', '1');
  for (const id of ['nginx', 'busybox', 'hello-world']) ids[id] = await imageIdOf(lessonImage(id));
  ({ manager } = await newManager('mproxy', { blockEgress: true, maxSandboxes: 3 }, { mirrorUrl: mirror.mirrorUrl, mirrorContainer: names.container }));
  await manager.start();
}, IMAGES_TIMEOUT_MS);

afterAll(async () => {
  if (process.env.MIRROR_PROXY_TIMES) writeFileSync(process.env.MIRROR_PROXY_TIMES, JSON.stringify(took, null, 2));
  await manager?.destroyAll();
  await removeTestMirror(names, [UPSTREAM]);
}, 120_000);

const idInSandbox = async (learner: string, ref: string) => (await manager.run(learner, `docker image inspect --format '{{.Id}}' ${ref}`)).output.trim();

describe('the mirror as a pull-through cache', () => {
  it("learner A pulls the upstream's images through the mirror: upstream first, even for a name the host pushed", async () => {
    await manager.run('T1:learner-a', 'true', { timeoutMs: 60_000 });
    const pull = await timed('A: upstream-only:1 through the cache (first fetch)', 'T1:learner-a', 'docker pull -q upstream-only:1');
    expect(pull.output).toBe('docker.io/library/upstream-only:1');
    expect(pull.exitCode).toBe(0);
    expect(await idInSandbox('T1:learner-a', 'upstream-only:1')).toBe(ids.nginx);
    const hello = await timed("A: hello-world (the upstream's)", 'T1:learner-a', 'docker pull -q hello-world');
    expect(hello.exitCode).toBe(0);
    expect(await idInSandbox('T1:learner-a', 'hello-world')).toBe(ids.busybox);
  }, 180_000);

  it("learner B gets the same image from the cache with the upstream gone; the host's stand-ins still pull", async () => {
    await docker.getContainer(UPSTREAM).stop({ t: 0 });
    await manager.run('T1:learner-b', 'true', { timeoutMs: 60_000 });
    const pull = await timed('B: upstream-only:1 from the cache, upstream stopped', 'T1:learner-b', 'docker pull -q upstream-only:1');
    expect(pull.output).toBe('docker.io/library/upstream-only:1');
    expect(await idInSandbox('T1:learner-b', 'upstream-only:1')).toBe(ids.nginx);
    const standin = await timed('B: standin-only:1 (local only), upstream stopped', 'T1:learner-b', 'docker pull -q standin-only:1');
    expect(standin.exitCode).toBe(0);
    expect(await idInSandbox('T1:learner-b', 'standin-only:1')).toBe(ids['hello-world']);
    // hello-world as the cache last stored it (the upstream's), still served with the upstream gone
    expect((await timed('B: hello-world from the cache, upstream stopped', 'T1:learner-b', 'docker pull -q hello-world')).exitCode).toBe(0);
    expect(await idInSandbox('T1:learner-b', 'hello-world')).toBe(ids.busybox);
  }, 180_000);

  it('keeps the upstream and its password out of the sandboxes and out of docker inspect', async () => {
    const ro = await docker.getContainer(names.container).inspect();
    expect(JSON.stringify(ro)).not.toContain(PASSWORD);
    expect(JSON.stringify(await docker.getContainer(names.pushContainer).inspect())).not.toContain(PASSWORD);
    // the mirror has the route out; the sandbox reaches only the mirror
    expect(Object.keys(ro.NetworkSettings.Networks)).toContain(names.upstreamNetwork);
    const id = manager.containerIdOf('T1:learner-b')!;
    const sandbox = await docker.getContainer(id).inspect();
    expect(JSON.stringify(sandbox)).not.toContain(PASSWORD);
    expect(Object.keys(sandbox.NetworkSettings.Networks)).not.toContain(names.upstreamNetwork);
    await docker.getContainer(UPSTREAM).start();
    upstreamIp = (await docker.getContainer(UPSTREAM).inspect()).NetworkSettings.Networks[names.upstreamNetwork]!.IPAddress;
    const reach = await manager.run('T1:learner-b', `curl -sS -m 3 -o /dev/null -w '%{http_code}' http://${upstreamIp}:5000/v2/ || echo unreachable`, { timeoutMs: 20_000 });
    expect(reach.output).toMatch(/unreachable$/);
    // a changed password is noticed from the file in the container (the label never covers it): the pair is not adopted
    const proxy = { remoteurl: `http://${up.ip}:5000`, username: 'class-bot' };
    expect(await inspectMirror(docker, { names, proxy: { ...proxy, password: PASSWORD } })).toEqual(mirror);
    expect(await inspectMirror(docker, { names, proxy: { ...proxy, password: `${PASSWORD}x` } })).toBeUndefined();
    const env = await manager.run('T1:learner-b', `env; cat /proc/1/environ | tr '\\0' '\\n'`);
    expect(env.output).not.toContain(PASSWORD);
  }, 60_000);

  it('going offline replaces the read-only instance, off the upstream network, and keeps what it cached', async () => {
    const before = await docker.getContainer(names.container).inspect();
    const pushBefore = await docker.getContainer(names.pushContainer).inspect();
    const offline = await startTestMirror(names, undefined);
    const after = await docker.getContainer(names.container).inspect();
    expect(after.Id).not.toBe(before.Id);
    expect((await docker.getContainer(names.pushContainer).inspect()).Id).toBe(pushBefore.Id);
    expect(Object.keys(after.NetworkSettings.Networks)).toEqual([names.network]);
    expect(after.Mounts.find((m) => m.Destination === '/var/lib/registry')?.Name).toBe(names.volume);
    expect((await registryManifest(directReach, offline.pushHost, 'library/upstream-only', '1'))?.imageId).toBe(ids.nginx);
  }, 60_000);
});

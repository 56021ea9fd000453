import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppError } from '../../../src/errors';
import { SandboxManager } from '../../../src/sandbox/lifecycle/sandbox-manager';
import type { SandboxEvent } from '../../../src/sandbox/types';
import { IMAGES_TIMEOUT_MS, containersOf, docker, logger, newManager, sandboxImages, testConfig, testInstance, testProfile } from '../sandbox-fixture';

const cleanup: SandboxManager[] = [];
async function managed(...args: Parameters<typeof newManager>) {
  const m = await newManager(...args);
  cleanup.push(m.manager);
  return m;
}

beforeAll(async () => {
  await sandboxImages();
}, IMAGES_TIMEOUT_MS);

afterEach(async () => {
  for (const m of cleanup.splice(0)) await m.destroyAll();
});

const waitFor = async (cond: () => boolean, ms: number) => {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
  return cond();
};

describe('sandbox manager', () => {
  it('creates a labelled, limited sandbox with no host socket and its engine volume removed with it', async () => {
    const { manager, instance, events } = await managed('limits', { memoryMb: 384, cpus: 0.5, pidsLimit: 300 });
    await manager.start();
    await manager.run('T9:U"odd key/1', 'true');
    const id = manager.containerIdOf('T9:U"odd key/1')!;
    const info = await docker.getContainer(id).inspect();
    expect(info.Config.Labels).toMatchObject({ 'dockhand.app': 'dockhand', 'dockhand.learner': 'T9:U"odd key/1', 'dockhand.instance': instance });
    expect(Number(info.Config.Labels['dockhand.created'])).toBeGreaterThan(Date.now() - 60000);
    expect(info.HostConfig.Memory).toBe(384 * 1024 * 1024);
    expect(info.HostConfig.MemorySwap).toBe(384 * 1024 * 1024);
    expect(info.HostConfig.NanoCpus).toBe(5e8);
    expect(info.HostConfig.PidsLimit).toBe(300);
    expect(info.HostConfig.Privileged).toBe(false);
    const binds = info.HostConfig.Binds ?? [];
    if (testProfile() === 'userns') {
      // Only the sandbox's own delegated cgroup per controller, never the host's tree.
      expect(binds.filter((b) => b.startsWith('/sys/fs/cgroup')).length).toBeGreaterThan(0);
      for (const b of binds.filter((x) => x.startsWith('/sys/fs/cgroup'))) expect(b).toMatch(/^\/sys\/fs\/cgroup\/[\w,]+\/dockhand-[^:/]+:\/sys\/fs\/cgroup\/[\w,]+:rw$/);
      expect(info.HostConfig.UsernsMode ?? '').not.toBe('host');
    } else {
      expect(binds).toEqual(['/sys/fs/cgroup:/sys/fs/cgroup:rw']);
    }
    expect(info.Config.Env.some((e) => e.startsWith('DOCKHAND_REGISTRY_MIRROR=http'))).toBe(true);
    const volume = info.Mounts.find((m) => m.Destination === '/var/lib/docker');
    expect(volume?.Type).toBe('volume');
    await manager.reset('T9:U"odd key/1');
    expect(await containersOf(instance)).toHaveLength(0);
    await expect(docker.getVolume(volume!.Name!).inspect()).rejects.toMatchObject({ statusCode: 404 });
    expect(events.map((e) => e.type)).toEqual(['created', 'removed']);
  });

  it("isolates learners: one's docker ps never shows the other's containers", async () => {
    const { manager } = await managed('iso');
    await manager.start();
    const mk = 'tar -cf - -T /dev/null | docker import - empty:a >/dev/null && docker create --name secret-of-a empty:a /none >/dev/null && echo made';
    expect((await manager.run('T1:A', mk)).output).toBe('made');
    const a = await manager.run('T1:A', 'docker ps -a --format "{{.Names}}"');
    expect(a.output).toBe('secret-of-a');
    const b = await manager.run('T1:B', 'docker ps -a --format "{{.Names}}"; docker images -q | wc -l');
    expect(b.output).toBe('0');
    expect(manager.containerIdOf('T1:A')).not.toBe(manager.containerIdOf('T1:B'));
  });

  it('runs one command at a time per learner, in the order sent', async () => {
    const { manager } = await managed('order');
    await manager.start();
    const results = await Promise.all([
      manager.run('T1:Q', 'sleep 0.5; echo 1 >> /tmp/order; echo first'),
      manager.run('T1:Q', 'echo 2 >> /tmp/order; echo second'),
      manager.run('T1:Q', 'echo 3 >> /tmp/order; cat /tmp/order | tr "\\n" " "'),
    ]);
    expect(results.map((r) => r.output)).toEqual(['first', 'second', '1 2 3']);
  });

  it('queues new learners at the sandbox cap and tells them their place', async () => {
    const { manager, events } = await managed('cap', { maxSandboxes: 1 });
    await manager.start();
    await manager.run('T1:first', 'true');
    const second = manager.run('T1:second', 'echo got-a-sandbox');
    const third = manager.run('T1:third', 'echo me-too');
    expect(await waitFor(() => events.filter((e) => e.type === 'queued').length >= 2, 5000)).toBe(true);
    expect(events.filter((e) => e.type === 'queued')).toEqual([
      { type: 'queued', learnerKey: 'T1:second', position: 1 },
      { type: 'queued', learnerKey: 'T1:third', position: 2 },
    ]);
    await manager.reset('T1:first');
    expect((await second).output).toBe('got-a-sandbox');
    expect(events).toContainEqual({ type: 'queued', learnerKey: 'T1:third', position: 1 });
    await manager.reset('T1:second');
    expect((await third).output).toBe('me-too');
  }, 60000);

  it('refuses commands beyond the per-learner rate with RATE_LIMITED', async () => {
    const { manager } = await managed('rate', { commandsPerMinute: 3 });
    await manager.start();
    for (let i = 0; i < 3; i++) await manager.run('T1:fast', 'true');
    const err = await manager.run('T1:fast', 'true').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('RATE_LIMITED');
    expect((err as AppError).message).toMatch(/faster than 3 a minute/);
    expect((await manager.run('T1:slow', 'echo other learner fine')).exitCode).toBe(0);
  });

  it('adopts its sandboxes after a restart, keeping what runs in them', async () => {
    const { manager, instance } = await managed('adopt');
    await manager.start();
    // Background shell jobs end with their command (process hygiene); a detached nested container is what keeps running.
    await manager.run('T1:keep', 'echo note > /root/note; docker network create kept-net >/dev/null; docker run -d --name keeper busybox sleep 1000 >/dev/null; echo started');
    const id = manager.containerIdOf('T1:keep');
    await manager.stop();
    const again = await managed('adopt', {}, { instance });
    const seen: Array<[string, string]> = [];
    await again.manager.start({ isKnown: (k, c) => (seen.push([k, c]), true) });
    expect(seen).toEqual([['T1:keep', id]]);
    expect(again.events).toEqual([{ type: 'adopted', learnerKey: 'T1:keep', containerId: id }]);
    const r = await again.manager.run('T1:keep', 'cat /root/note; docker network ls --format "{{.Name}}" | grep kept; docker ps --format "{{.Names}}" | grep keeper');
    expect(r.output).toBe('note\nkept-net\nkeeper');
    expect(again.manager.containerIdOf('T1:keep')).toBe(id);
  });

  it('sweeps sandboxes the caller does not know, and expired ones, at start', async () => {
    const { manager, instance } = await managed('sweep');
    await manager.start();
    await manager.run('T1:ghost', 'true');
    await manager.run('T1:old', 'true');
    const ghost = manager.containerIdOf('T1:ghost')!;
    const old = manager.containerIdOf('T1:old')!;
    await manager.stop();
    const other = await managed('sweep-other'); // a different instance's sandbox must survive
    await other.manager.start();
    await other.manager.run('T1:bystander', 'true');
    const again = await managed('sweep', {}, { instance });
    await again.manager.start({ isKnown: (k) => k !== 'T1:ghost' });
    expect(again.events).toContainEqual({ type: 'removed', learnerKey: 'T1:ghost', containerId: ghost });
    expect(again.events).toContainEqual({ type: 'adopted', learnerKey: 'T1:old', containerId: old });
    await again.manager.stop();
    const expiring = await managed('sweep', { maxLifetimeMinutes: 0.0001 }, { instance });
    await expiring.manager.start();
    expect(expiring.events).toEqual([{ type: 'expired', learnerKey: 'T1:old', containerId: old }]);
    expect(await containersOf(instance)).toHaveLength(0);
    expect(other.manager.containerIdOf('T1:bystander')).toBeDefined();
    expect((await other.manager.run('T1:bystander', 'echo alive')).output).toBe('alive');
  }, 60000);

  it('removes a sandbox that never becomes ready before reporting SANDBOX_NOT_READY', async () => {
    const { sandboxImage } = await sandboxImages();
    const dir = mkdtempSync(join(tmpdir(), 'never-ready-'));
    writeFileSync(join(dir, 'Dockerfile'), `FROM ${sandboxImage}\nENTRYPOINT ["sleep", "infinity"]\n`);
    const instance = testInstance('notready');
    const tag = `dockhand-test/never-ready:${instance}`;
    execFileSync('docker', ['build', '-q', '--label', 'dockhand.app=dockhand', '-t', tag, dir]);
    try {
      const manager = new SandboxManager(docker, testConfig(), logger, { image: tag, instance, readyTimeoutMs: 2500 });
      cleanup.push(manager);
      const events: SandboxEvent[] = [];
      manager.on((e) => events.push(e));
      await manager.start();
      // The readiness wait gives up at readyTimeoutMs (2.5 s) with its own error; a hang would hit the test timeout.
      const err = await manager.run('T1:unlucky', 'true').catch((e: unknown) => e);
      expect((err as AppError).code).toBe('SANDBOX_NOT_READY');
      expect(await containersOf(instance)).toHaveLength(0);
      expect(events).toEqual([]);
    } finally {
      await docker.getImage(tag).remove({ force: true }).catch(() => undefined);
    }
  });

  it('reaps idle sandboxes and expires old ones', async () => {
    const { manager, events, instance } = await managed('reap', { idleMinutes: 0.03 }, { reapIntervalMs: 300 });
    await manager.start();
    await manager.run('T1:idle', 'true');
    expect(await waitFor(() => events.some((e) => e.type === 'reaped'), 10000)).toBe(true);
    expect(await containersOf(instance)).toHaveLength(0);
    // The lifetime counts from creation and also ends a busy sandbox, so it must outlast a cold start on a loaded machine.
    const life = await managed('life', { maxLifetimeMinutes: 0.15 }, { reapIntervalMs: 300 });
    await life.manager.start();
    await life.manager.run('T1:old', 'true');
    expect(await waitFor(() => life.events.some((e) => e.type === 'expired'), 20000)).toBe(true);
    expect(await containersOf(life.instance)).toHaveLength(0);
  }, 60000);

  it('detects a crashed sandbox: the running command ends interrupted and the next gets a fresh one', async () => {
    const { manager, events } = await managed('crash');
    await manager.start();
    await manager.run('T1:crash', 'true');
    const id = manager.containerIdOf('T1:crash')!;
    const running = manager.run('T1:crash', 'sleep 30', { timeoutMs: 40000 });
    await new Promise((r) => setTimeout(r, 500));
    await docker.getContainer(id).kill();
    const r = await running;
    expect(r.interrupted).toBe(true);
    expect(r.notices?.join(' ')).toMatch(/stopped unexpectedly/);
    expect(await waitFor(() => events.some((e) => e.type === 'crashed' && e.containerId === id), 5000)).toBe(true);
    const next = await manager.run('T1:crash', 'echo fresh');
    expect(next.output).toBe('fresh');
    expect(manager.containerIdOf('T1:crash')).not.toBe(id);
  }, 60000);

  it('hands out a warm sandbox without waiting for a cold start', async () => {
    // with the disk cap, as in production: the sandbox's root filesystem is read-only
    const { manager, events, instance } = await managed('warm', { warmPool: 1, diskMb: 1024 });
    await manager.start();
    expect(await waitFor(() => manager.stats().warm === 1, 30000)).toBe(true);
    const warmIds = new Set((await docker.listContainers({ filters: { label: [`dockhand.instance=${instance}`, 'dockhand.role=warm'] } })).map((c) => c.Id));
    expect(warmIds.size).toBe(1);
    const [warmId] = [...warmIds];
    // Ready means ready for a class: its check inspector runs and its shell is open before anyone claims it.
    const inspectors = await docker.listContainers({ filters: { label: [`dockhand.instance=${instance}`, 'dockhand.role=inspector', `dockhand.owner=${warmId}`] } });
    expect(inspectors).toHaveLength(1);
    const shells = execFileSync('docker', ['exec', warmId!, 'pgrep', '-f', '^bash --noprofile --norc --noediting$'], { encoding: 'utf8' }).trim().split('\n');
    expect(shells).toHaveLength(1);
    const r = await manager.run('T1:lucky', 'echo hi $$');
    // the learner's first command ran in that shell (no second one was opened)
    expect(r.output).toBe(`hi ${shells[0]}`);
    // Not a cold start: the learner got the container that was already waiting in the pool.
    expect(warmIds.has(manager.containerIdOf('T1:lucky')!)).toBe(true);
    expect(events[0]).toMatchObject({ type: 'created', learnerKey: 'T1:lucky' });
    // the pool refills in the background
    expect(await waitFor(() => manager.stats().warm === 1, 30000)).toBe(true);
    // The claim is on the engine, out of the learner's reach: erasing files inside changes nothing, and after a
    // restart the sandbox is the same learner's again (not handed to the next learner as an unclaimed one).
    await manager.run('T1:lucky', 'rm -f /etc/dockhand-learner /run/dockhand/learner; echo kept > /root/mine');
    const id = manager.containerIdOf('T1:lucky')!;
    await manager.stop();
    const again = await managed('warm', { warmPool: 1, diskMb: 1024 }, { instance });
    const seen: Array<[string, string]> = [];
    await again.manager.start({ isKnown: (k, c) => (seen.push([k, c]), true) });
    expect(seen).toEqual([['T1:lucky', id]]);
    expect(again.manager.containerIdOf('T1:lucky')).toBe(id);
    expect((await again.manager.run('T1:other', 'cat /root/mine 2>/dev/null || echo none')).output).toBe('none');
    expect(again.manager.containerIdOf('T1:other')).not.toBe(id);
  }, 150000);

  it('runs one-shot scripts apart from the pty, with exit code, timeout and output cap', async () => {
    const { manager } = await managed('script');
    await manager.start();
    const ok = await manager.execScript('T1:s', 'echo out; sleep 0.2; echo err >&2; exit 4');
    expect(ok).toMatchObject({ exitCode: 4, output: 'out\nerr\n', timedOut: false, truncated: false });
    const slow = await manager.execScript('T1:s', 'sleep 30', { timeoutMs: 1000 });
    expect(slow.timedOut).toBe(true);
    expect(slow.exitCode).toBeNull();
    const big = await manager.execScript('T1:s', 'head -c 100000 /dev/zero | tr "\\0" a; echo END', { outputCapBytes: 1000 });
    expect(big.truncated).toBe(true);
    expect(big.output.length).toBeLessThanOrEqual(1000);
    expect(big.output.endsWith('aEND\n')).toBe(true);
  });
});

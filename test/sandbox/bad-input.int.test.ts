import type { SandboxManager } from '../../src/sandbox/lifecycle/sandbox-manager';
import type { SandboxEvent } from '../../src/sandbox/types';
import { IMAGES_TIMEOUT_MS, docker, newManager, sandboxImages } from './sandbox-fixture';

// Abuse a learner can type; each must be contained without hurting the shell or another learner.
let manager: SandboxManager;
let events: SandboxEvent[];

beforeAll(async () => {
  await sandboxImages();
  // Everything a learner writes sits on one capped disk (SANDBOX_DISK_MB), small here so it fills fast.
  ({ manager, events } = await newManager('abuse', { pidsLimit: 256, maxSandboxes: 3, diskMb: 300 }));
  await manager.start();
}, IMAGES_TIMEOUT_MS);

afterAll(async () => {
  await manager?.destroyAll();
});

describe('bad input', () => {
  it('contains a fork bomb with the pids limit; the shell and another learner keep working', async () => {
    await manager.run('T1:bomber', 'echo warm');
    await manager.run('T1:bystander', 'echo warm');
    const bomb = await manager.run('T1:bomber', ':(){ :|:& };:', { timeoutMs: 10000 });
    await new Promise((r) => setTimeout(r, 2000)); // let it hit the limit
    const other = await manager.run('T1:bystander', 'ls / | wc -l');
    expect(other.exitCode).toBe(0);
    expect(Number(other.output)).toBeGreaterThan(5);
    const next = await manager.run('T1:bomber', 'echo alive', { timeoutMs: 20000 });
    expect(next.output).toMatch(/(^|\n)alive$/); // on failure, the whole output shows what the shell did
    // The runaway processes are stopped when the bomb's command ends (nothing outlives its command), or
    // stopped at the pids limit if they got there first; either way the learner is told.
    expect([...(bomb.notices ?? []), ...(next.notices ?? [])].join(' ')).toMatch(/too many processes|left running by this command (was|were) ended/);
    expect(bomb.output).not.toMatch(/\/proc\/\d+\/stat/);
    const after = await manager.run('T1:bomber', 'ls / | wc -l', { timeoutMs: 10000 });
    expect(after.exitCode).toBe(0);
    expect(Number(after.output)).toBeGreaterThan(5);
    await manager.reset('T1:bomber');
    await manager.reset('T1:bystander');
  }, 60000);

  it('keeps the host engine out of reach: the Docker socket inside is the nested engine', async () => {
    const r = await manager.run('T1:escape', 'docker -H unix:///var/run/docker.sock info --format "{{.Name}} {{.Containers}}"');
    // the nested engine is named after the sandbox's hostname and holds nothing of the host's
    expect(r.output).toBe('sandbox 0');
    const id = manager.containerIdOf('T1:escape')!;
    const info = await docker.getContainer(id).inspect();
    const sources = (info.Mounts ?? []).map((m) => m.Source ?? '');
    expect(sources.some((s) => s.includes('docker.sock'))).toBe(false);
    const ps = await manager.run('T1:escape', 'docker -H unix:///var/run/docker.sock ps -a --format "{{.ID}}"');
    expect(ps.output).not.toContain(id.slice(0, 12));
    await manager.reset('T1:escape');
  });

  it('detects a full disk, reports it, and recovers on reset', async () => {
    const L = 'T1:filler';
    const r = await manager.run(L, 'dd if=/dev/zero of=/var/lib/docker/fill bs=1M count=400', { timeoutMs: 30000 });
    expect(r.output).toMatch(/No space left on device/);
    expect(r.notices?.join(' ')).toMatch(/disk is full \(300 MiB\)/);
    expect(events.some((e) => e.type === 'disk-full' && e.learnerKey === L)).toBe(true);
    const before = manager.containerIdOf(L);
    await manager.reset(L);
    const ok = await manager.run(L, 'ls /var/lib/docker/fill 2>/dev/null || echo gone; dd if=/dev/zero of=/var/lib/docker/small bs=1M count=4 2>/dev/null && echo written');
    expect(ok.output).toBe('gone\nwritten');
    expect(manager.containerIdOf(L)).not.toBe(before);
    await manager.reset(L);
  }, 60000);

  it('survives `kill -9 -1`: reported, and the next command gets a working sandbox', async () => {
    const L = 'T1:killer';
    await manager.run(L, 'echo warm');
    const r = await manager.run(L, 'kill -9 -1', { timeoutMs: 15000 });
    // the shell survives its own kill(-1) but the engine inside does not: a fresh sandbox follows
    expect(r.timedOut).toBe(false);
    // told either in the result (the shell died with it) or by a crash event (the container died just after)
    const told = async () => r.interrupted || (r.notices ?? []).length > 0 || events.some((e) => e.type === 'crashed' && e.learnerKey === L);
    const deadline = Date.now() + 10000;
    while (!(await told()) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 100));
    expect(await told()).toBe(true);
    const next = await manager.run(L, 'docker info --format "{{.Name}}"', { timeoutMs: 20000 });
    expect(next.output).toBe('sandbox');
    expect(next.exitCode).toBe(0);
  }, 60000);
});

import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { SandboxManager } from '../../../src/sandbox/lifecycle/sandbox-manager';
import { IMAGES_TIMEOUT_MS, docker, newManager, sandboxImages, testProfile } from '../sandbox-fixture';

/**
 * The host side of a sandbox's disk and cgroups on the real engine (this machine's): freed space goes back to the
 * host (discard), the nested engine's read-only remounts work on it, and removal (by the bot, by `npm run sandboxes:remove`, by the
 * start-up sweep after a sandbox was killed behind the bot's back) leaves no image, loop device or cgroup folder,
 * while a live sandbox of another instance keeps all of its own.
 */
const run = promisify(execFile);
const MIB = 1024 * 1024;
const userns = testProfile() === 'userns';
/**
 * A disk folder of this file's own (same filesystem as the default one): the reservation counts every image in
 * its folder, and on a shared test host other runs' 8 GiB disks in the default folder would refuse these.
 */
const DISK_DIR = `/var/lib/dockhand/disks-test-${process.pid}`;
const itUserns = userns ? it : it.skip;

interface Sandbox {
  id: string;
  /** Its disk folder: this file's, or the default one (other runs' sandboxes). */
  dir: string;
  disk: string;
  cgroup?: string;
}

async function sandboxOf(instance: string, learner: string): Promise<Sandbox> {
  const [c] = await docker.listContainers({ all: true, filters: { label: [`dockhand.instance=${instance}`, `dockhand.learner=${learner}`, 'dockhand.role=learner'] } });
  if (!c) throw new Error(`no sandbox for ${learner}`);
  return { id: c.Id, dir: DISK_DIR, disk: c.Labels['dockhand.disk']!, cgroup: c.Labels['dockhand.cgroup'] };
}

/** Everything of the sandbox still on the host: its image, mount, loop devices and cgroup folders (any hierarchy). */
async function hostTraces(s: Sandbox): Promise<string[]> {
  const out: string[] = [];
  const img = path.join(s.dir, `${s.disk}.img`);
  if (fs.existsSync(img)) out.push(img);
  if (fs.readFileSync('/proc/self/mountinfo', 'utf8').includes(` ${path.join(s.dir, s.disk)} `)) out.push(`mount ${s.disk}`);
  const loops = (await run('losetup', ['-n', '-l', '-O', 'NAME,BACK-FILE'])).stdout;
  // losetup pads its columns to the longest device name on the host (loop9 vs loop10): compare the fields only
  for (const l of loops.split('\n')) if (l.includes(`/${s.disk}.img`)) out.push(`loop ${l.trim().split(/\s+/).join(' ')}`);
  if (s.cgroup) for (const h of fs.readdirSync('/sys/fs/cgroup')) if (fs.existsSync(`/sys/fs/cgroup/${h}/${s.cgroup}`)) out.push(`/sys/fs/cgroup/${h}/${s.cgroup}`);
  return out;
}

/** Every running sandbox with a disk on the engine, any instance's. */
async function liveSandboxes(): Promise<Sandbox[]> {
  const list = await docker.listContainers({ filters: { label: ['dockhand.app=dockhand', 'dockhand.disk'], status: ['running'] } });
  return list.map((c) => {
    const disk = c.Labels['dockhand.disk']!;
    return { id: c.Id, dir: fs.existsSync(path.join(DISK_DIR, `${disk}.img`)) ? DISK_DIR : '/var/lib/dockhand/disks', disk, cgroup: c.Labels['dockhand.cgroup'] };
  });
}

function withoutSlack(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith('SLACK_')));
}

const allocated = (s: Sandbox) => fs.statSync(path.join(s.dir, `${s.disk}.img`)).blocks * 512;

/** Polls (bounded) until `f` holds: the ext4 discard of freed blocks is issued as they are freed, but asynchronously. */
async function eventually(f: () => boolean | Promise<boolean>, tries = 60): Promise<boolean> {
  for (let i = 0; i < tries; i++) {
    if (await f()) return true;
    await new Promise((r) => setTimeout(r, 500));
  }
  return false;
}

beforeAll(() => sandboxImages(), IMAGES_TIMEOUT_MS);
afterAll(() => fs.rmSync(DISK_DIR, { recursive: true, force: true }));

describe('a sandbox disk gives freed space back to the host', () => {
  let manager: SandboxManager;
  let instance: string;
  beforeAll(async () => {
    ({ manager, instance } = await newManager('discard', { diskMb: 1024, diskDir: DISK_DIR, maxSandboxes: 2 }));
    await manager.start();
  });
  afterAll(() => manager?.destroyAll());

  it('write 500 MiB, delete it: the image on the host shrinks back; mounted discard, without locked nodev/nosuid', async () => {
    expect((await manager.run('L', 'true')).exitCode).toBe(0);
    const s = await sandboxOf(instance, 'L');
    const opts = fs
      .readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .find((l) => l.split(' ')[4] === path.join(s.dir, s.disk));
    expect(opts).toMatch(/discard/);
    expect(opts).not.toMatch(/nodev|nosuid/);
    // dockerd remounts a container's `:ro` volume read-only for `docker cp` without repeating locked flags
    const cp = await manager.run('L', "mkdir -p ~/ro && echo note > ~/ro/n && docker run -d --name ro-vol -v ~/ro:/app:ro busybox sleep 300 >/dev/null && docker exec ro-vol sh -c 'echo inside > /tmp/x' && docker cp ro-vol:/tmp/x - | tar -xO && docker rm -f ro-vol >/dev/null", { timeoutMs: 120_000 });
    expect(cp.output.trim().split('\n').pop()).toBe('inside');
    const start = allocated(s);
    const w = await manager.run('L', 'dd if=/dev/urandom of=/root/big bs=1M count=500 status=none && sync && echo written', { timeoutMs: 60_000 });
    expect(w.output).toContain('written');
    const written = allocated(s);
    expect(written - start).toBeGreaterThanOrEqual(490 * MIB);
    const d = await manager.run('L', 'rm /root/big && sync && echo deleted');
    expect(d.output).toContain('deleted');
    expect(await eventually(() => allocated(s) < start + 20 * MIB)).toBe(true);
    process.stderr.write(`[disk] image allocated on the host: ${(start / MIB).toFixed(1)} MiB fresh, ${(written / MIB).toFixed(1)} MiB after writing 500 MiB, ${(allocated(s) / MIB).toFixed(1)} MiB after deleting it\n`);
  }, 240_000);
});

describe('removal releases every host resource, and the sweep never touches a live sandbox', () => {
  let a: SandboxManager | undefined;
  let other: SandboxManager | undefined;
  afterAll(async () => {
    await a?.destroyAll();
    await other?.destroyAll();
  });

  itUserns(
    'killed behind the bot (docker rm -f): `npm run sandboxes:remove` releases its image, loop device and cgroups (unified too); another instance\'s live sandbox keeps all of its own',
    async () => {
      const made = await newManager('sweep', { diskMb: 300, diskDir: DISK_DIR, maxSandboxes: 3 });
      a = made.manager;
      const instance = made.instance;
      const o = await newManager('bystander', { diskMb: 300, diskDir: DISK_DIR, maxSandboxes: 1 });
      other = o.manager;
      await Promise.all([a.start(), other.start()]);
      await Promise.all([a.run('watched', 'true'), a.run('killed', 'true'), a.run('kept', 'true'), other.run('live', 'true')]);
      const watched = await sandboxOf(instance, 'watched');
      const killed = await sandboxOf(instance, 'killed');
      const kept = await sandboxOf(instance, 'kept');
      const live = await sandboxOf(o.instance, 'live');
      expect(killed.cgroup).toBeDefined();
      const liveBefore = await hostTraces(live);
      // the hybrid v2 folder runc makes is there while the sandbox lives, and must go with it
      expect(liveBefore).toContain(`/sys/fs/cgroup/unified/${live.cgroup}`);

      // every live sandbox on this engine (other tests', other engineers'): their traces must survive the sweep
      const others = await liveSandboxes();
      const othersBefore = new Map(await Promise.all(others.map(async (s) => [s.id, await hostTraces(s)] as const)));

      // removed behind the running bot's back: its death watcher removes the sandbox, host resources included
      expect((await hostTraces(watched)).length).toBeGreaterThan(0);
      await docker.getContainer(watched.id).remove({ force: true });
      expect(await eventually(async () => (await hostTraces(watched)).length === 0)).toBe(true);

      // removed while the bot is down (a crash): the container goes, its host resources stay
      await a.stop();
      await docker.getContainer(killed.id).remove({ force: true });
      expect((await hostTraces(killed)).length).toBeGreaterThan(0);

      const script = await run('npx', ['tsx', 'scripts/remove-sandboxes.ts'], {
        env: { ...withoutSlack(process.env), SANDBOX_INSTANCE: instance, SANDBOX_DISK_MB: '300', SANDBOX_DISK_DIR: DISK_DIR, SANDBOX_PROFILE: testProfile() },
        timeout: 180_000,
      });
      process.stderr.write(`[disk] sandboxes:remove said: ${script.stdout.trim()}\n`);
      // one container (the kept sandbox) before, none after; the killed one's disk and cgroup counted among the leftovers
      expect(script.stdout).toMatch(new RegExp(`^instance ${instance}: 1 containers before, 0 after; released \\d+ cgroup leftovers, \\d+ disk leftovers of sandboxes already gone`, 'm'));
      const [, cg, dk] = /released (\d+) cgroup leftovers, (\d+) disk leftovers/.exec(script.stdout)!;
      expect(Number(cg)).toBeGreaterThanOrEqual(1);
      expect(Number(dk)).toBeGreaterThanOrEqual(1);
      expect(await hostTraces(killed)).toEqual([]);
      expect(await hostTraces(kept)).toEqual([]);

      // whatever still lives kept every trace (a sandbox its own test removed meanwhile is left out)
      const afterTraces = new Map(await Promise.all(others.map(async (s) => [s.id, await hostTraces(s)] as const)));
      const stillLive = new Set((await liveSandboxes()).map((s) => s.id));
      const checked = others.filter((s) => stillLive.has(s.id));
      for (const s of checked) expect({ id: s.id, traces: afterTraces.get(s.id) }).toEqual({ id: s.id, traces: othersBefore.get(s.id) });
      process.stderr.write(`[disk] live sandboxes on the engine checked intact after the sweep: ${checked.length}\n`);

      // the other instance's live sandbox: every trace kept, and it still works
      expect(await hostTraces(live)).toEqual(liveBefore);
      const r = await other.run('live', 'echo still-here > /root/f && cat /root/f');
      expect(r.output).toContain('still-here');
    },
    360_000,
  );
});

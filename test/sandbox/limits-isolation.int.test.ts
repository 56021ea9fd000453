import fs from 'node:fs';
import type { SandboxManager } from '../../src/sandbox/lifecycle/sandbox-manager';
import type { CommandResult, SandboxEvent } from '../../src/sandbox/types';
import { IMAGES_TIMEOUT_MS, docker, newManager, sandboxImages, testProfile } from './sandbox-fixture';

/**
 * One learner attacks, another (the bystander) keeps typing. Each attack is checked for
 * what the attacker is told and that the sandbox survives; the bystander's command latency is measured idle and
 * during the attack and printed. The test holds that the bystander keeps working (every command succeeds, none
 * hangs); the 2x-of-idle speed target belongs to `npm run bench`, not to a wall-clock assertion in a test.
 */
const ATTACKER = 'attacker';
const BYSTANDER = 'bystander';
const DISK_MB = 300;
const PIDS = 256;
const MEMORY_MB = 512;
const userns = testProfile() === 'userns';
const itUserns = userns ? it : it.skip;

let manager: SandboxManager;
let events: SandboxEvent[];
let idleMs = 0;
const report: string[] = [];

async function latencyMs(samples: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < samples; i++) {
    const t = Date.now();
    // A bystander stuck behind the attack hits this 10 s bound (idle is tens of ms) and fails the exit-code check.
    const r = await manager.run(BYSTANDER, 'true', { timeoutMs: 10_000 });
    expect(r.timedOut).toBe(false);
    expect(r.exitCode).toBe(0);
    out.push(Date.now() - t);
  }
  return out;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Runs the attack and, while it runs, the bystander's commands (each bounded, see latencyMs); returns the attack's result. */
async function underAttack(name: string, attack: () => Promise<CommandResult>): Promise<CommandResult> {
  let done = false;
  const attacking = attack().finally(() => {
    done = true;
  });
  const samples: number[] = [];
  // at least 5 samples, more while the attack still runs (up to 30)
  while (samples.length < 5 || (!done && samples.length < 30)) samples.push(...(await latencyMs(1)));
  const r = await attacking;
  const during = median(samples);
  report.push(`${name}: bystander median ${during} ms (idle ${idleMs} ms, ${samples.length} samples, max ${Math.max(...samples)} ms)`);
  return r;
}

beforeAll(async () => {
  await sandboxImages();
  ({ manager, events } = await newManager('limits', { diskMb: DISK_MB, pidsLimit: PIDS, memoryMb: MEMORY_MB, commandTimeoutSeconds: 20, maxSandboxes: 3 }));
  await manager.start();
  const t = Date.now();
  await manager.run(ATTACKER, 'true');
  report.push(`profile ${testProfile()}: first sandbox ready + first command in ${Date.now() - t} ms`);
  await manager.run(BYSTANDER, 'true');
  await latencyMs(3); // warm-up
  idleMs = median(await latencyMs(9));
}, IMAGES_TIMEOUT_MS);

afterAll(async () => {
  process.stderr.write(`\n[limits-isolation]\n  ${report.join('\n  ')}\n`);
  await manager?.destroyAll();
});

describe('limits a learner cannot lift, and a bystander who does not notice', () => {
  it('dd past the disk cap: "disk is full (300 MiB)", the host disk is untouched, the sandbox keeps working', async () => {
    const id = manager.containerIdOf(ATTACKER)!;
    const info = await docker.getContainer(id).inspect();
    const disk = info.Config.Labels['dockhand.disk']!;
    expect(disk).toBeTruthy();
    const r = await underAttack('dd past the disk cap', () => manager.run(ATTACKER, 'dd if=/dev/zero of=/root/big bs=1M count=400 status=none; echo rc=$?'));
    expect(r.output).toMatch(/No space left on device/);
    expect(r.notices).toContain("Your sandbox's disk is full (300 MiB): `reset` or remove images (`docker system prune -af`, rm big files).");
    expect(events.some((e) => e.type === 'disk-full')).toBe(true);
    // the image file never grows past the cap
    const img = `/var/lib/dockhand/disks/${disk}.img`;
    expect(fs.statSync(img).blocks * 512).toBeLessThanOrEqual(DISK_MB * 1024 * 1024);
    // /tmp and the nested engine share that cap; the root filesystem is read-only
    const tmp = await manager.run(ATTACKER, 'dd if=/dev/zero of=/tmp/more bs=1M count=50 status=none; echo rc=$?; touch /etc/x 2>&1; df -m /var/lib/docker | tail -1');
    expect(tmp.output).toMatch(/No space left on device/);
    expect(tmp.output).toMatch(/Read-only file system/);
    const again = await manager.run(ATTACKER, 'rm -f /root/big /tmp/more && echo freed && docker info --format "{{.ServerVersion}}"');
    expect(again.exitCode).toBe(0);
    expect(again.output).toContain('freed');
    expect(manager.containerIdOf(ATTACKER)).toBe(id);
  });

  it('a fork bomb: "too many processes (limit 256)", the sandbox stays usable and nothing is deleted', async () => {
    const id = manager.containerIdOf(ATTACKER)!;
    await manager.run(ATTACKER, 'echo keep > /root/keep.txt');
    const r = await underAttack('fork bomb', () => manager.run(ATTACKER, 'bomb(){ bomb | bomb & }; bomb; sleep 3'));
    expect(r.notices?.join(' ')).not.toMatch(/stopped unexpectedly|fresh sandbox/);
    expect(r.notices?.join(' ')).toContain(`Your command started too many processes (limit ${PIDS})`);
    const after = await manager.run(ATTACKER, 'cat /root/keep.txt; ps -e --no-headers | wc -l');
    expect(after.exitCode).toBe(0);
    expect(after.output).toMatch(/^keep$/m);
    expect(Number(after.output.trim().split('\n').pop())).toBeLessThan(40);
    expect(manager.containerIdOf(ATTACKER)).toBe(id);
    expect(events.filter((e) => e.type === 'crashed' || e.type === 'removed')).toEqual([]);
  });

  it('a memory hog: exit 137 and "out of memory: limit 512 MiB", never exit 0', async () => {
    const r = await underAttack('memory hog', () => manager.run(ATTACKER, 'head -c 2000m /dev/zero | tail > /dev/null'));
    expect(r.exitCode).toBe(137);
    expect(r.notices?.join(' ')).toContain(`out of memory: limit ${MEMORY_MB} MiB`);
    const after = await manager.run(ATTACKER, 'echo alive');
    expect(after.output).toContain('alive');
  });

  it('`sleep infinity &` does not outlive its command', async () => {
    const r = await underAttack('sleep infinity & left behind', () => manager.run(ATTACKER, 'sleep infinity & nohup sleep 999 >/dev/null 2>&1 & echo started'));
    expect(r.output).toContain('started');
    expect(r.notices?.join(' ')).toMatch(/background processes left running by this command were ended/);
    const ps = await manager.execScript(ATTACKER, 'ps -eo args | grep -c "^sleep" || true');
    expect(ps.output.trim()).toBe('0');
  });

  itUserns('cgroup files: limits cannot be raised, no other cgroup is visible, nested containers land under the sandbox\'s limits', async () => {
    const cg = (await docker.getContainer(manager.containerIdOf(ATTACKER)!).inspect()).Config.Labels['dockhand.cgroup']!;
    const other = (await docker.getContainer(manager.containerIdOf(BYSTANDER)!).inspect()).Config.Labels['dockhand.cgroup']!;
    expect(cg).toMatch(/^dockhand-/);
    const r = await underAttack('writing cgroup files', () =>
      manager.run(
        ATTACKER,
        [
          'echo 99999999999 > /sys/fs/cgroup/memory/memory.limit_in_bytes; echo mem=$?',
          'echo max > /sys/fs/cgroup/pids/pids.max; echo pids=$?',
          'echo 1 > /sys/fs/cgroup/freezer/freezer.state 2>/dev/null; echo frz=$?',
          'cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max',
          'ls /sys/fs/cgroup/memory/ | grep -c "^dockhand-" || true',
          `ls -d /sys/fs/cgroup/*/${other} 2>&1 | head -1`,
        ].join('; '),
      ),
    );
    expect(r.output).toMatch(/mem=1/);
    expect(r.output).toMatch(/pids=1/);
    expect(r.output).toContain(String(MEMORY_MB * 1024 * 1024));
    expect(r.output).toMatch(new RegExp(`^${PIDS}$`, 'm'));
    expect(r.output).toMatch(/No such file or directory/);
    expect(fs.readFileSync(`/sys/fs/cgroup/memory/${cg}/memory.limit_in_bytes`, 'utf8').trim()).toBe(String(MEMORY_MB * 1024 * 1024));
    // a nested container's cgroup sits below the sandbox's delegated one
    const nested = await manager.run(ATTACKER, 'docker run -d --name held busybox sleep 300 >/dev/null && docker inspect -f "{{.Id}}" held', { timeoutMs: 60000 });
    expect(nested.exitCode).toBe(0);
    const nestedId = nested.output.trim().split('\n').pop()!;
    const procs = fs.readFileSync(`/sys/fs/cgroup/memory/${cg}/docker/${nestedId}/cgroup.procs`, 'utf8').trim();
    expect(procs).not.toBe('');
    // and its process runs as the remapped, unprivileged host uid
    const uid = fs.readFileSync(`/proc/${procs.split('\n')[0]}/status`, 'utf8').match(/^Uid:\s+(\d+)/m)![1];
    expect(Number(uid)).toBeGreaterThanOrEqual(100000);
    await manager.run(ATTACKER, 'docker rm -f held >/dev/null');
  });

  it('removing a sandbox removes its delegated cgroup and its disk image', async () => {
    const info = await docker.getContainer(manager.containerIdOf(ATTACKER)!).inspect();
    const cg = info.Config.Labels['dockhand.cgroup'];
    const disk = info.Config.Labels['dockhand.disk']!;
    await manager.reset(ATTACKER);
    expect(fs.existsSync(`/var/lib/dockhand/disks/${disk}.img`)).toBe(false);
    expect(fs.existsSync(`/var/lib/dockhand/disks/${disk}`)).toBe(false);
    if (cg) for (const c of ['memory', 'pids', 'cpu']) expect(fs.existsSync(`/sys/fs/cgroup/${c}/${cg}`)).toBe(false);
  });
});

import type { SandboxManager } from '../../../src/sandbox/lifecycle/sandbox-manager';
import { IMAGES_TIMEOUT_MS, newManager, sandboxImages } from '../sandbox-fixture';

/**
 * Nothing outlives its command but what Docker runs: processes that left the shell's session (setsid, double
 * forks, a renamed binary) are ended after the command, while nested containers, their published ports and the
 * nested engine keep running. Two learners: A leaves a flooding writer; B's commands keep working.
 */
let manager: SandboxManager;
const A = 'T1:U-sweep-a';
const B = 'T1:U-sweep-b';

beforeAll(async () => {
  await sandboxImages();
  ({ manager } = await newManager('sweep'));
  await manager.start();
  await Promise.all([manager.run(A, 'true'), manager.run(B, 'true')]);
}, IMAGES_TIMEOUT_MS);

afterAll(async () => {
  await manager?.destroyAll();
});

const writers = 'echo "writers=$(ps -eo args | grep -c "^sh -c while")"';

describe('after each command', () => {
  it('a setsid writer flooding the terminal is ended, said once, and the next command shows only its own output', async () => {
    const r = await manager.run(A, "setsid sh -c 'while :; do echo flood; done' & sleep 1; echo left", { timeoutMs: 30_000 });
    expect(r.notices?.filter((n) => /left running by this command (was|were) ended/.test(n))).toHaveLength(1);
    const ps = await manager.run(A, writers);
    expect(ps.output).toBe('writers=0');
    expect(ps.notices ?? []).toEqual([]);
    const next = await manager.run(A, 'echo clean');
    expect(next.output).toBe('clean');
  }, 120_000);

  it('ends double forks and renamed binaries (a fake "dockerd" or "containerd-shim" of the learner)', async () => {
    const r = await manager.run(A, "setsid -f bash -c 'exec -a dockerd sleep 901'; setsid -f bash -c 'exec -a containerd-shim-runc-v2 sleep 902'; (setsid sleep 903 &); sleep 0.5; echo ok");
    expect(r.output).toBe('ok');
    expect(r.notices?.join(' ')).toMatch(/3 background processes left running by this command were ended/);
    expect((await manager.run(A, 'echo "left=$(ps -eo args | grep -cE "sleep 90[123]|^dockerd$|^containerd-shim-runc-v2$")"')).output).toBe('left=0');
  }, 120_000);

  it('ends a process that also left the shell\'s cgroup (the shell\'s hint says nothing): told with the next command', async () => {
    const r = await manager.run(A, "setsid -f sh -c 'echo $$ > /sys/fs/cgroup/pids/cgroup.procs && exec sleep 904'; sleep 0.5; n=0; while read -r p; do n=$((n+1)); done < /sys/fs/cgroup/pids/dockhand-shell/cgroup.procs; echo $n");
    expect(r.output).toBe('1');
    expect(r.notices ?? []).toEqual([]);
    const next = await manager.run(A, 'echo "left=$(ps -eo args | grep -c "^sleep 904")"');
    expect(next.output).toBe('left=0');
    expect(next.notices).toEqual(['A background process left running by an earlier command was ended: nothing outlives its command here but containers.']);
  }, 120_000);

  it('keeps what Docker runs: a detached container, its published port, and the engine', async () => {
    const up = await manager.run(A, 'docker run -d --name web -p 8081:80 busybox httpd -f -p 80 -h /etc >/dev/null 2>&1 && echo up', { timeoutMs: 120_000 });
    expect(up.output).toBe('up');
    expect(up.notices ?? []).toEqual([]);
    const after = await manager.run(A, 'for i in $(seq 30); do curl -sf -m 2 -o /dev/null http://127.0.0.1:8081/hostname && break; sleep 0.2; done; curl -sf -m 2 -o /dev/null http://127.0.0.1:8081/hostname && echo served; docker ps --filter name=web --format "{{.Status}}" | cut -c1-2');
    expect(after.output).toBe('served\nUp');
    expect(after.notices ?? []).toEqual([]);
    expect((await manager.run(A, 'docker rm -f web >/dev/null && docker version --format ok')).output).toBe('ok');
  }, 180_000);

  it("B's commands keep working while A's writer floods, and A's writer does not survive A's command", async () => {
    const idle: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = Date.now();
      expect((await manager.run(B, 'echo b')).output).toBe('b');
      idle.push(Date.now() - t0);
    }
    let attacking = true;
    const attack = manager.run(A, "setsid sh -c 'while :; do echo flood; done' & sleep 8; echo done", { timeoutMs: 30_000 }).finally(() => (attacking = false));
    const during: number[] = [];
    for (let i = 0; i < 5 || attacking; i++) {
      const t0 = Date.now();
      expect((await manager.run(B, 'echo b')).output).toBe('b');
      during.push(Date.now() - t0);
    }
    await attack;
    expect((await manager.run(A, writers)).output).toBe('writers=0');
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
    console.log(`bystander latency: idle median ${median(idle)} ms (${idle.length}), during A's flood and sweep median ${median(during)} ms, max ${Math.max(...during)} ms (${during.length})`);
  }, 180_000);
});

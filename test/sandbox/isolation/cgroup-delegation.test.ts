import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import {
  applyPlanLocally,
  removeDirsLocally,
  cgroupDelegationPolicy,
  delegatedDirs,
  delegationMounts,
  delegationPlan,
  parseControllers,
  renderPlan,
  renderRemoval,
  sweepable,
  type CgroupLayout,
} from '../../../src/sandbox/isolation/cgroup-delegation';
import type { EngineHostShell } from '../../../src/sandbox/engine/engine-host';
import type { PolicyContext } from '../../../src/sandbox/isolation/sandbox-policy';

const limits = { memoryMb: 512, cpus: 1.5, pidsLimit: 300 };
const owner = { uid: 100000, gid: 100000 };
const v1: CgroupLayout = { version: 1, controllers: ['cpu,cpuacct', 'cpuset', 'memory', 'pids', 'systemd'] };
const v2: CgroupLayout = { version: 2, controllers: [] };
const ctx: PolicyContext = { instance: 'i', learnerKey: 'L', role: 'learner', createdAt: 42, labels: {} };

function fakeHost(answer: (script: string) => { exitCode: number; output: string } = () => ({ exitCode: 0, output: '' })) {
  const scripts: string[] = [];
  // the helper-container form (scripts); the local form is tested on a scratch folder below
  const host: EngineHostShell = {
    local: false,
    run: async (script) => {
      scripts.push(script);
      return answer(script);
    },
  };
  return { host, scripts };
}

describe('cgroup delegation (userns profile)', () => {
  it('v1: per hierarchy, creates the directory, writes root-owned limits, then hands the directory and its process files to the remapped root', () => {
    const ops = delegationPlan(v1, 'dockhand-x', limits, owner);
    const mem = ops.filter((o) => 'path' in o && o.path.startsWith('/sys/fs/cgroup/memory/'));
    expect(mem).toEqual([
      { op: 'mkdir', path: '/sys/fs/cgroup/memory/dockhand-x' },
      { op: 'write', path: '/sys/fs/cgroup/memory/dockhand-x/memory.limit_in_bytes', value: String(512 * 1024 * 1024) },
      { op: 'write', path: '/sys/fs/cgroup/memory/dockhand-x/memory.memsw.limit_in_bytes', value: String(512 * 1024 * 1024), ifExists: true },
      { op: 'chown', path: '/sys/fs/cgroup/memory/dockhand-x', ...owner },
      { op: 'chown', path: '/sys/fs/cgroup/memory/dockhand-x/cgroup.procs', ...owner },
      { op: 'chown', path: '/sys/fs/cgroup/memory/dockhand-x/tasks', ...owner },
    ]);
    expect(ops).toContainEqual({ op: 'write', path: '/sys/fs/cgroup/pids/dockhand-x/pids.max', value: '300' });
    expect(ops).toContainEqual({ op: 'write', path: '/sys/fs/cgroup/cpu,cpuacct/dockhand-x/cpu.cfs_quota_us', value: '150000' });
    expect(ops).toContainEqual({ op: 'copy', from: '/sys/fs/cgroup/cpuset/cpuset.cpus', to: '/sys/fs/cgroup/cpuset/dockhand-x/cpuset.cpus' });
    expect(ops).toContainEqual({ op: 'copy', from: '/sys/fs/cgroup/cpuset/cpuset.mems', to: '/sys/fs/cgroup/cpuset/dockhand-x/cpuset.mems' });
    // limit files are never chowned: only the directory, cgroup.procs and tasks
    const chowned = ops.filter((o) => o.op === 'chown').map((o) => ('path' in o ? o.path.split('/').pop() : ''));
    expect(new Set(chowned)).toEqual(new Set(['dockhand-x', 'cgroup.procs', 'tasks']));
    // every write to a directory comes before it is handed over
    const firstChown = ops.findIndex((o) => o.op === 'chown' && o.path.includes('/memory/'));
    expect(ops.findIndex((o) => o.op === 'write' && o.path.includes('memory.limit_in_bytes'))).toBeLessThan(firstChown);
  });

  it('v2: enables controllers in the parent, writes the limits, delegates like systemd Delegate=', () => {
    const ops = delegationPlan(v2, 'dockhand-x', limits, owner);
    expect(ops.slice(0, 4)).toEqual(['cpuset', 'cpu', 'memory', 'pids'].map((c) => ({ op: 'write', path: '/sys/fs/cgroup/cgroup.subtree_control', value: `+${c}`, bestEffort: true })));
    expect(ops.slice(4)).toEqual([
      { op: 'mkdir', path: '/sys/fs/cgroup/dockhand-x' },
      { op: 'write', path: '/sys/fs/cgroup/dockhand-x/memory.max', value: String(512 * 1024 * 1024) },
      { op: 'write', path: '/sys/fs/cgroup/dockhand-x/memory.swap.max', value: '0', ifExists: true },
      { op: 'write', path: '/sys/fs/cgroup/dockhand-x/pids.max', value: '300' },
      { op: 'write', path: '/sys/fs/cgroup/dockhand-x/cpu.max', value: '150000 100000', ifExists: true },
      { op: 'chown', path: '/sys/fs/cgroup/dockhand-x', ...owner },
      { op: 'chown', path: '/sys/fs/cgroup/dockhand-x/cgroup.procs', ...owner },
      { op: 'chown', path: '/sys/fs/cgroup/dockhand-x/cgroup.subtree_control', ...owner },
      { op: 'chown', path: '/sys/fs/cgroup/dockhand-x/cgroup.threads', ...owner },
    ]);
    expect(delegatedDirs(v2, 'dockhand-x')).toEqual(['/sys/fs/cgroup/dockhand-x']);
    expect(delegationMounts(v2, 'dockhand-x')).toEqual({ CgroupParent: '/dockhand-x', CgroupnsMode: 'private', Binds: ['/sys/fs/cgroup/dockhand-x:/sys/fs/cgroup:rw'] });
  });

  it('v1 mounts: a tmpfs /sys/fs/cgroup with only the sandbox\'s own directories bound on it', () => {
    const m = delegationMounts(v1, 'dockhand-x');
    expect(m.CgroupParent).toBe('/dockhand-x');
    expect(m.Tmpfs).toEqual({ '/sys/fs/cgroup': 'rw,nosuid,nodev,noexec,mode=755' });
    expect(m.Binds).toEqual(v1.controllers.map((c) => `/sys/fs/cgroup/${c}/dockhand-x:/sys/fs/cgroup/${c}:rw`));
    expect(m.Binds!.every((b) => b.split(':')[0]!.endsWith('/dockhand-x'))).toBe(true);
  });

  it('renders the plan as one sh script that stops at the first failure, quoting paths', () => {
    const script = renderPlan([
      { op: 'mkdir', path: "/a/b'c" },
      { op: 'write', path: '/a/m', value: '5' },
      { op: 'write', path: '/a/sw', value: '5', ifExists: true },
      { op: 'write', path: '/a/sub', value: '+cpu', bestEffort: true },
      { op: 'copy', from: '/a/x', to: '/a/y' },
      { op: 'chown', path: '/a', uid: 1, gid: 2 },
    ]);
    expect(script).toContain(`mkdir -p '/a/b'\\''c' || fail`);
    expect(script).toContain(`echo '5' > '/a/m' || fail write '/a/m'`);
    expect(script).toContain(`if [ -e '/a/sw' ]; then echo '5' > '/a/sw' || fail write '/a/sw'; fi`);
    expect(script).toContain(`echo '+cpu' > '/a/sub' 2>/dev/null || true`);
    expect(script).toContain(`cat '/a/x' > '/a/y' || fail`);
    expect(script).toContain(`chown 1:2 '/a' || fail`);
    expect(renderRemoval(['/s/m/x'])).toContain(`find "$d" -depth -type d -exec rmdir {} +`);
  });

  it('sweeps this instance\'s leftovers at once and other instances\' only after a grace period', () => {
    const now = Date.UTC(2026, 0, 1, 12);
    const old = (now - 11 * 60 * 1000).toString(36);
    const fresh = (now - 60 * 1000).toString(36);
    expect(sweepable(`dockhand-inst-${fresh}-abc123`, 'inst', now)).toBe(true);
    // this process's own names (made since it started) are being set up or removed by it: never swept
    expect(sweepable(`dockhand-inst-${fresh}-abc123`, 'inst', now, undefined, now - 30 * 1000)).toBe(true);
    expect(sweepable(`dockhand-inst-${fresh}-abc123`, 'inst', now, undefined, now - 2 * 60 * 1000)).toBe(false);
    expect(sweepable(`dockhand-other-${fresh}-abc123`, 'inst', now)).toBe(false);
    expect(sweepable(`dockhand-other-x-${old}-abc123`, 'inst', now)).toBe(true);
    expect(sweepable('dockhand-mirror-data', 'inst', now)).toBe(false);
  });

  it('parses the discovered hierarchies', () => {
    expect(parseControllers('c blkio\nc cpu,cpuacct\nnoise\nc memory\n')).toEqual(['blkio', 'cpu,cpuacct', 'memory']);
  });

  it('the policy sets up, labels and mounts before the container exists; release and undo remove the directories', async () => {
    const { host, scripts } = fakeHost();
    const policy = cgroupDelegationPolicy({ host, layout: v1, limits, owner, instance: 'inst' });
    const spec: Docker.ContainerCreateOptions = { Labels: {}, HostConfig: { Binds: ['/keep:/keep'], Tmpfs: { '/run': '' } } };
    const undo = await policy.apply(spec, ctx);
    const name = spec.Labels!['dockhand.cgroup']!;
    expect(name).toMatch(/^dockhand-inst-16-[a-z0-9]+$/);
    expect(scripts[0]).toContain(`chown 100000:100000 '/sys/fs/cgroup/memory/${name}/cgroup.procs'`);
    expect(spec.HostConfig!.CgroupParent).toBe(`/${name}`);
    expect(spec.HostConfig!.Binds![0]).toBe('/keep:/keep');
    expect(spec.HostConfig!.Tmpfs).toMatchObject({ '/run': '', '/sys/fs/cgroup': expect.any(String) });
    await (undo as () => Promise<void>)();
    expect(scripts[1]).toContain(`/sys/fs/cgroup/pids/${name}`);
    await policy.release!({ 'dockhand.cgroup': name });
    expect(scripts).toHaveLength(3);
    await policy.release!({});
    expect(scripts).toHaveLength(3);
  });

  it('a failed set-up removes what it made and fails the sandbox creation', async () => {
    const { host, scripts } = fakeHost((s) => (s.includes('set -u') ? { exitCode: 1, output: 'cgroup set-up: chown x' } : { exitCode: 0, output: '' }));
    const policy = cgroupDelegationPolicy({ host, layout: v1, limits, owner, instance: 'inst' });
    await expect(policy.apply({}, ctx)).rejects.toThrow(/cgroup set-up failed on the engine host \(exit 1\): cgroup set-up: chown x/);
    expect(scripts[1]).toContain('rmdir');
  });

  it('the start-up sweep lists every hierarchy (unified too) and removes only directories of this instance that no live container names', async () => {
    const { host, scripts } = fakeHost((s) => (s.includes('for d in') && !s.includes('rmdir') ? { exitCode: 0, output: 'n dockhand-inst-a-1\nn dockhand-inst-b-2\n' } : { exitCode: 0, output: '' }));
    const policy = cgroupDelegationPolicy({ host, layout: v1, limits, owner, instance: 'inst' });
    expect(await policy.sweep!([{ 'dockhand.cgroup': 'dockhand-inst-a-1' }, {}], { since: Number.POSITIVE_INFINITY })).toBe(1);
    expect(scripts[0]).toContain(`'/sys/fs/cgroup'/*/dockhand-*`);
    expect(scripts.slice(1)).toHaveLength(1);
    expect(scripts[1]).toContain('/sys/fs/cgroup/memory/dockhand-inst-b-2');
    expect(scripts[1]).toContain('/sys/fs/cgroup/unified/dockhand-inst-b-2');
    expect(scripts[1]).not.toContain('dockhand-inst-a-1');
  });

  it('removal takes the hybrid `unified` folder runc makes beside the delegated controllers', () => {
    expect(delegatedDirs(v1, 'dockhand-x')).toContain('/sys/fs/cgroup/unified/dockhand-x');
    expect(delegatedDirs(v1, 'dockhand-x').filter((d) => d.endsWith('/unified/dockhand-x'))).toHaveLength(1);
  });

  it('the local form applies the same plan with fs calls and removes the tree depth-first', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cg-'));
    try {
      for (const c of ['memory', 'pids', 'cpuset']) fs.mkdirSync(path.join(root, c));
      fs.writeFileSync(path.join(root, 'cpuset', 'cpuset.cpus'), '0-1\n');
      fs.writeFileSync(path.join(root, 'cpuset', 'cpuset.mems'), '0\n');
      const layout: CgroupLayout = { version: 1, controllers: ['memory', 'pids', 'cpuset'], root };
      const me = { uid: process.getuid!(), gid: process.getgid!() };
      // a scratch folder has no kernel-made cgroup.procs/tasks to hand over
      applyPlanLocally(delegationPlan(layout, 'dockhand-t', limits, me).filter((o) => !(o.op === 'chown' && /(cgroup\.procs|tasks)$/.test(o.path))));
      expect(fs.readFileSync(path.join(root, 'memory', 'dockhand-t', 'memory.limit_in_bytes'), 'utf8')).toBe(String(512 * 1024 * 1024));
      expect(fs.existsSync(path.join(root, 'memory', 'dockhand-t', 'memory.memsw.limit_in_bytes'))).toBe(false);
      expect(fs.readFileSync(path.join(root, 'pids', 'dockhand-t', 'pids.max'), 'utf8')).toBe('300');
      expect(fs.readFileSync(path.join(root, 'cpuset', 'dockhand-t', 'cpuset.cpus'), 'utf8')).toBe('0-1\n');
      // a real cgroup dir's files vanish with rmdir; here the plain files are removed first
      for (const d of delegatedDirs(layout, 'dockhand-t').filter((d) => fs.existsSync(d))) for (const f of fs.readdirSync(d)) fs.rmSync(path.join(d, f));
      fs.mkdirSync(path.join(root, 'memory', 'dockhand-t', 'docker', 'nested'), { recursive: true });
      await removeDirsLocally(delegatedDirs(layout, 'dockhand-t'));
      for (const d of delegatedDirs(layout, 'dockhand-t')) expect(fs.existsSync(d)).toBe(false);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it('the local form names the step that failed', () => {
    expect(() => applyPlanLocally([{ op: 'write', path: '/nonexistent-dir/x/pids.max', value: '1' }])).toThrow(/cgroup set-up: write \/nonexistent-dir\/x\/pids.max/);
  });
});

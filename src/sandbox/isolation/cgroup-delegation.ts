import fs from 'node:fs';
import path from 'node:path';
import type Docker from 'dockerode';
import { AppError } from '../../errors';
import { runHostScript, type EngineHostShell } from '../engine/engine-host';
import { hostConfigOf, type SandboxPolicy } from './sandbox-policy';
import { shellQuote } from '../shell/shell-quote';

/**
 * A delegated cgroup subtree per sandbox, for the `userns` profile (docs/platform-facts.md): the engine host
 * creates `dockhand-<sandbox>` under every controller, writes the sandbox's limits there (root's files, so the
 * learner cannot change them), hands the directory and its process files to the sandbox's remapped root, and the
 * container gets `--cgroup-parent=/dockhand-<sandbox>` with that directory bound onto its /sys/fs/cgroup. The
 * nested engine then creates its containers' cgroups below it, so the limits cover them too; no other cgroup
 * (another sandbox's, the host's) is visible inside.
 *
 * cgroup v1: one directory per hierarchy; owner gets the directory, `cgroup.procs` and `tasks`.
 * cgroup v2: one directory; owner gets it plus `cgroup.procs`, `cgroup.subtree_control` and `cgroup.threads`
 * (what systemd's `Delegate=` hands over); controllers are enabled in the parent's `cgroup.subtree_control`.
 * Both are built as a plan of file operations (unit-tested) and run on the engine host as one shell script.
 */

export const CGROUP_ROOT = '/sys/fs/cgroup';
export const LABEL_CGROUP = 'dockhand.cgroup';

export type CgroupOp =
  | { op: 'mkdir'; path: string }
  /** `ifExists`: only when the file exists (memsw needs swap accounting); `bestEffort`: a refusal is not an error. */
  | { op: 'write'; path: string; value: string; ifExists?: boolean; bestEffort?: boolean }
  | { op: 'copy'; from: string; to: string }
  | { op: 'chown'; path: string; uid: number; gid: number };

export interface CgroupLimits {
  memoryMb: number;
  cpus: number;
  pidsLimit: number;
}

export interface CgroupLayout {
  version: 1 | 2;
  /** v1 hierarchies as named under /sys/fs/cgroup (e.g. `memory`, `cpu,cpuacct`, `systemd`); unused for v2. */
  controllers: string[];
  root?: string;
}

const CPU_PERIOD_US = 100000;

function has(ctrl: string, name: string): boolean {
  return ctrl.split(',').includes(name);
}

/** The file operations that create and delegate one sandbox's cgroup(s). */
export function delegationPlan(layout: CgroupLayout, name: string, limits: CgroupLimits, owner: { uid: number; gid: number }): CgroupOp[] {
  const root = layout.root ?? CGROUP_ROOT;
  const bytes = String(limits.memoryMb * 1024 * 1024);
  const quota = String(Math.max(1000, Math.round(limits.cpus * CPU_PERIOD_US)));
  const ops: CgroupOp[] = [];
  const own = (path: string): CgroupOp => ({ op: 'chown', path, uid: owner.uid, gid: owner.gid });
  if (layout.version === 1) {
    for (const c of layout.controllers) {
      const dir = `${root}/${c}/${name}`;
      ops.push({ op: 'mkdir', path: dir });
      if (has(c, 'cpuset')) {
        ops.push({ op: 'copy', from: `${root}/${c}/cpuset.cpus`, to: `${dir}/cpuset.cpus` }, { op: 'copy', from: `${root}/${c}/cpuset.mems`, to: `${dir}/cpuset.mems` });
      }
      if (has(c, 'memory')) {
        // memory before memsw: memsw may never be below memory; equal means no extra swap
        ops.push({ op: 'write', path: `${dir}/memory.limit_in_bytes`, value: bytes }, { op: 'write', path: `${dir}/memory.memsw.limit_in_bytes`, value: bytes, ifExists: true });
      }
      if (has(c, 'pids')) ops.push({ op: 'write', path: `${dir}/pids.max`, value: String(limits.pidsLimit) });
      if (has(c, 'cpu')) ops.push({ op: 'write', path: `${dir}/cpu.cfs_period_us`, value: String(CPU_PERIOD_US) }, { op: 'write', path: `${dir}/cpu.cfs_quota_us`, value: quota });
      ops.push(own(dir), own(`${dir}/cgroup.procs`), own(`${dir}/tasks`));
    }
    return ops;
  }
  const dir = `${root}/${name}`;
  for (const c of ['cpuset', 'cpu', 'memory', 'pids']) ops.push({ op: 'write', path: `${root}/cgroup.subtree_control`, value: `+${c}`, bestEffort: true });
  ops.push(
    { op: 'mkdir', path: dir },
    { op: 'write', path: `${dir}/memory.max`, value: bytes },
    { op: 'write', path: `${dir}/memory.swap.max`, value: '0', ifExists: true },
    { op: 'write', path: `${dir}/pids.max`, value: String(limits.pidsLimit) },
    { op: 'write', path: `${dir}/cpu.max`, value: `${quota} ${CPU_PERIOD_US}`, ifExists: true },
    own(dir),
    own(`${dir}/cgroup.procs`),
    own(`${dir}/cgroup.subtree_control`),
    own(`${dir}/cgroup.threads`),
  );
  return ops;
}

/**
 * The directories to remove (deepest first, nested engines' cgroups included) when the sandbox goes. On v1 that
 * includes `unified`: runc places the container in the hybrid v2 tree too (under the same parent name) although
 * nothing is delegated there, and nothing else ever removes that folder.
 */
export function delegatedDirs(layout: CgroupLayout, name: string): string[] {
  const root = layout.root ?? CGROUP_ROOT;
  return layout.version === 1 ? [...layout.controllers.filter((c) => c !== 'unified'), 'unified'].map((c) => `${root}/${c}/${name}`) : [`${root}/${name}`];
}

/** How the container sees its delegated cgroup: a tmpfs /sys/fs/cgroup with each directory bound on its controller (v1), or the directory itself (v2). */
export function delegationMounts(layout: CgroupLayout, name: string): Pick<Docker.HostConfig, 'Binds' | 'Tmpfs'> & { CgroupParent: string; CgroupnsMode?: string } {
  const root = layout.root ?? CGROUP_ROOT;
  if (layout.version === 1) {
    return {
      CgroupParent: `/${name}`,
      Tmpfs: { [CGROUP_ROOT]: 'rw,nosuid,nodev,noexec,mode=755' },
      Binds: layout.controllers.map((c) => `${root}/${c}/${name}:${CGROUP_ROOT}/${c}:rw`),
    };
  }
  return { CgroupParent: `/${name}`, CgroupnsMode: 'private', Binds: [`${root}/${name}:${CGROUP_ROOT}:rw`] };
}


/** One `sh` script doing the plan; stops at the first failing step and names it. */
export function renderPlan(ops: CgroupOp[]): string {
  const lines = ['set -u', 'fail(){ echo "cgroup set-up: $*" >&2; exit 1; }'];
  for (const o of ops) {
    switch (o.op) {
      case 'mkdir':
        lines.push(`mkdir -p ${shellQuote(o.path)} || fail mkdir ${shellQuote(o.path)}`);
        break;
      case 'copy':
        lines.push(`cat ${shellQuote(o.from)} > ${shellQuote(o.to)} || fail copy ${shellQuote(o.to)}`);
        break;
      case 'chown':
        lines.push(`chown ${o.uid}:${o.gid} ${shellQuote(o.path)} || fail chown ${shellQuote(o.path)}`);
        break;
      case 'write': {
        const w = `echo ${shellQuote(o.value)} > ${shellQuote(o.path)}`;
        const line = o.bestEffort ? `${w} 2>/dev/null || true` : `${w} || fail write ${shellQuote(o.path)}`;
        lines.push(o.ifExists ? `if [ -e ${shellQuote(o.path)} ]; then ${line}; fi` : line);
        break;
      }
    }
  }
  return lines.join('\n') + '\n';
}

/** Removes directories depth-first, retrying while the last processes of a just-removed container exit. */
export function renderRemoval(dirs: string[]): string {
  if (!dirs.length) return 'true\n';
  const list = dirs.map(shellQuote).join(' ');
  return `for i in $(seq 1 25); do left=0; for d in ${list}; do [ -d "$d" ] || continue; find "$d" -depth -type d -exec rmdir {} + 2>/dev/null; [ -d "$d" ] && left=1; done; [ "$left" = 0 ] && exit 0; sleep 0.2; done
echo "cgroup removal: still busy: ${dirs.join(' ')}" >&2; exit 1
`;
}

/** The same plan done with fs calls, when the engine host is this machine (no process per step: ~50x faster under load). */
export function applyPlanLocally(ops: CgroupOp[]): void {
  for (const o of ops) {
    try {
      switch (o.op) {
        case 'mkdir':
          fs.mkdirSync(o.path, { recursive: true });
          break;
        case 'copy':
          fs.writeFileSync(o.to, fs.readFileSync(o.from));
          break;
        case 'chown':
          fs.chownSync(o.path, o.uid, o.gid);
          break;
        case 'write':
          if (o.ifExists && !fs.existsSync(o.path)) break;
          try {
            fs.writeFileSync(o.path, o.value);
          } catch (err) {
            if (!o.bestEffort) throw err;
          }
          break;
      }
    } catch (err) {
      throw new AppError('SANDBOX_HOST_SETUP_FAILED', `cgroup set-up: ${o.op} ${'path' in o ? o.path : o.to}: ${(err as Error).message}`, { cause: err });
    }
  }
}

/** Removes cgroup directories depth-first (a cgroup's files go with it), retrying while the last processes exit. */
export async function removeDirsLocally(dirs: string[]): Promise<void> {
  const rm = (d: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) if (e.isDirectory()) rm(path.join(d, e.name));
    try {
      fs.rmdirSync(d);
    } catch {
      // busy: retried below
    }
  };
  for (let i = 0; i < 25; i++) {
    for (const d of dirs) rm(d);
    if (!dirs.some((d) => fs.existsSync(d))) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new AppError('SANDBOX_HOST_SETUP_FAILED', `cgroup removal: still busy: ${dirs.filter((d) => fs.existsSync(d)).join(' ')}`);
}

/** Lists the v1 hierarchies (or detects v2) on the engine host. */
export async function discoverCgroupLayout(host: EngineHostShell): Promise<CgroupLayout> {
  const out = await runHostScript(
    host,
    'cgroup discovery',
    `if [ -e ${CGROUP_ROOT}/cgroup.controllers ]; then echo v2; exit 0; fi
for d in ${CGROUP_ROOT}/*; do [ -L "$d" ] && continue; n=\${d##*/}; [ "$n" = unified ] && continue; [ -e "$d/cgroup.procs" ] && echo "c $n"; done; exit 0`,
    [`${CGROUP_ROOT}:${CGROUP_ROOT}:ro`],
  );
  if (/^v2$/m.test(out)) return { version: 2, controllers: [] };
  return { version: 1, controllers: parseControllers(out) };
}

export function parseControllers(out: string): string[] {
  return out
    .split('\n')
    .filter((l) => l.startsWith('c '))
    .map((l) => l.slice(2).trim())
    .filter(Boolean);
}

export interface CgroupDelegationOptions {
  host: EngineHostShell;
  layout: CgroupLayout;
  limits: CgroupLimits;
  owner: { uid: number; gid: number };
  /** Sanitised instance: names are `dockhand-<instance>-<created>-<random>`, so the sweep finds only ours. */
  instance: string;
}

const RW_BIND = [`${CGROUP_ROOT}:${CGROUP_ROOT}:rw`];

/**
 * Whether a leftover named `dockhand-<instance>-<created36>-<random>` may be swept when no live container names it:
 * for this instance when made before `since` (this process's start: later ones are its own, being set up or
 * removed right now); for any other instance (a test or bot that removed its containers by hand, or was killed)
 * once it is older than `graceMs`, so another process's sandbox being created right now is never touched.
 */
export function sweepable(name: string, instance: string, now: number, graceMs = 10 * 60 * 1000, since = Number.POSITIVE_INFINITY): boolean {
  const parts = name.split('-');
  const created = parseInt(parts[parts.length - 2] ?? '', 36);
  if (name.startsWith(`dockhand-${instance}-`)) return !(created >= since);
  return parts.length >= 4 && created > Date.UTC(2020, 0, 1) && now - created > graceMs;
}

/** Lists the `dockhand-*` folders of every hierarchy (v1: each controller and `unified`; v2: the root), once each. */
export function sweepListingScript(layout: CgroupLayout): string {
  const root = shellQuote(layout.root ?? CGROUP_ROOT);
  const glob = layout.version === 1 ? `${root}/*/dockhand-*` : `${root}/dockhand-*`;
  return `for d in ${glob}; do [ -d "$d" ] && echo "n \${d##*/}"; done | sort -u; exit 0`;
}

export function parseNames(out: string): string[] {
  return out
    .split('\n')
    .filter((l) => l.startsWith('n '))
    .map((l) => l.slice(2).trim())
    .filter(Boolean);
}

export function cgroupName(instance: string, createdAt: number): string {
  return `dockhand-${instance}-${createdAt.toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/** The policy: sets the cgroup up before the container exists; `release` removes it with the sandbox. */
export function cgroupDelegationPolicy(o: CgroupDelegationOptions): SandboxPolicy {
  const remove = (name: string) =>
    o.host.local ? removeDirsLocally(delegatedDirs(o.layout, name)) : runHostScript(o.host, 'cgroup removal', renderRemoval(delegatedDirs(o.layout, name)), RW_BIND).then(() => undefined);
  const setUp = async (name: string) => {
    const plan = delegationPlan(o.layout, name, o.limits, o.owner);
    if (o.host.local) applyPlanLocally(plan);
    else await runHostScript(o.host, 'cgroup set-up', renderPlan(plan), RW_BIND);
  };
  return {
    name: 'cgroup-delegation',
    async apply(spec, ctx) {
      const name = cgroupName(o.instance, ctx.createdAt);
      await setUp(name).catch(async (err: unknown) => {
        await remove(name).catch(() => undefined);
        throw err;
      });
      spec.Labels = { ...spec.Labels, [LABEL_CGROUP]: name };
      const hc = hostConfigOf(spec);
      const m = delegationMounts(o.layout, name);
      hc.CgroupParent = m.CgroupParent;
      if (m.CgroupnsMode) (hc as { CgroupnsMode?: string }).CgroupnsMode = m.CgroupnsMode;
      hc.Tmpfs = { ...hc.Tmpfs, ...m.Tmpfs };
      hc.Binds = [...(hc.Binds ?? []), ...(m.Binds ?? [])];
      return () => remove(name);
    },
    async release(labels) {
      const name = labels[LABEL_CGROUP];
      if (name) await remove(name);
    },
    // A cgroup that still holds a process cannot be removed (rmdir says EBUSY), so a wrong guess here fails
    // safe; the name checks keep sandboxes being set up (empty cgroups) out of reach.
    async sweep(live, { since }) {
      const keep = new Set(live.map((l) => l[LABEL_CGROUP]).filter(Boolean));
      const out = await runHostScript(o.host, 'cgroup sweep listing', sweepListingScript(o.layout), RW_BIND);
      let freed = 0;
      for (const name of parseNames(out)) {
        if (keep.has(name) || !sweepable(name, o.instance, Date.now(), undefined, since)) continue;
        if (await remove(name).then(() => true, () => false)) freed++;
      }
      return freed;
    },
  };
}

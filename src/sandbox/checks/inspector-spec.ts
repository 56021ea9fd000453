import type Docker from 'dockerode';
import { innerTimeoutSeconds } from './script-exec';

/**
 * The check inspector: a per-sandbox container that runs lesson checks with tools and state the learner cannot
 * change. This file is its pure part (create options, exec command, seed files); inspectors.ts drives the engine.
 *
 * - Image: the sandbox image plus a layer (images/inspector) where /root, /home, /srv, /opt and /var/tmp are
 *   links into the sandbox's data, so a check's `~/x` and `/root/x` are the learner's files; read-only root
 *   filesystem, so nothing a check runs can be replaced, even by a check.
 * - Data: the sandbox's /var/lib/docker (its capped disk, or its engine volume), where the entrypoint keeps the
 *   learner's folders (DOCKHAND_DISK_BINDS), mounted read-only at the same path. Only the mount's root is bound,
 *   never a path inside it: the engine resolves bind sources on the host, so a planted symlink there would point
 *   at the host's files. Inside the inspector a learner's symlink resolves in the inspector's own filesystem,
 *   which holds nothing but the image and this one sandbox's data.
 * - Network: the sandbox's namespace (`curl localhost:8080` reaches what the learner published), and the nested
 *   engine through its loopback listener (ENGINE_TCP_PORT). Not its pid namespace.
 * - No capabilities, no-new-privileges, small limits; the same user namespace and runtime as the sandbox so that
 *   its root owns the learner's files without any capability.
 */

/** The nested dockerd's loopback listener (images/sandbox/entrypoint.sh starts it on this port). */
export const ENGINE_TCP_PORT = 23750;
export const INSPECTOR_ROLE = 'inspector';
/** Label naming the sandbox container an inspector belongs to. */
export const LABEL_OWNER = 'dockhand.owner';
export const DATA_ROOT = '/var/lib/docker';
/** Seeds for per-attempt data live here, in the inspector's own memory (a tmpfs), out of the learner's reach. */
export const SEED_DIR = '/run/dockhand/seeds';
export const CHECK_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export const INSPECTOR_LIMITS = { memoryMb: 256, pidsLimit: 128, cpus: 1 };

/** What the inspector takes from its sandbox's `docker inspect`. */
export interface SandboxFacts {
  id: string;
  name: string;
  /** The mount on /var/lib/docker: the capped disk (a bind of a host folder) or the engine volume. */
  data?: { type: 'bind'; source: string } | { type: 'volume'; name: string };
  usernsMode?: string;
  runtime?: string;
}

/** The facts the inspector needs, from the engine's answer about the sandbox (the bot's own record: not learner-made). */
export function sandboxFacts(info: Docker.ContainerInspectInfo): SandboxFacts {
  const m = (info.Mounts ?? []).find((x) => x.Destination === DATA_ROOT);
  const hc = info.HostConfig as Docker.HostConfig & { Runtime?: string };
  const data: SandboxFacts['data'] = !m ? undefined : m.Type === 'bind' ? { type: 'bind', source: m.Source } : m.Name ? { type: 'volume', name: m.Name } : undefined;
  return { id: info.Id, name: info.Name.replace(/^\//, ''), data, usernsMode: hc.UsernsMode || undefined, runtime: hc.Runtime || undefined };
}

/** The environment every check starts with: nothing of the learner's, and tools told to ignore their config files. */
export function checkEnv(): string[] {
  return [
    `PATH=${CHECK_PATH}`,
    // `~` in a check is the learner's home (a link in the inspector image); tools must not read its dotfiles:
    'HOME=/root',
    `DOCKER_HOST=tcp://127.0.0.1:${ENGINE_TCP_PORT}`,
    'DOCKER_CONFIG=/etc/dockhand/docker-config',
    'GIT_CONFIG_NOSYSTEM=1',
    'GIT_CONFIG_GLOBAL=/dev/null',
    'LANG=C.UTF-8',
  ];
}

export function inspectorName(sandboxName: string): string {
  // a sandbox name ends with its unique part: keep that when shortening
  const base = sandboxName.length <= 100 ? sandboxName : `${sandboxName.slice(0, 84)}${sandboxName.slice(-16)}`;
  return `${base}-inspector`;
}

/** Create options of the inspector for one sandbox. */
export function inspectorSpec(s: SandboxFacts, o: { image: string; labels: Record<string, string> }): Docker.ContainerCreateOptions {
  const hostConfig: Docker.HostConfig & { Runtime?: string } = {
    NetworkMode: `container:${s.id}`,
    ReadonlyRootfs: true,
    Tmpfs: { '/tmp': 'rw,nosuid,nodev,size=64m', '/run/dockhand': 'rw,nosuid,nodev,noexec,size=1m,mode=700' },
    CapDrop: ['ALL'],
    SecurityOpt: ['no-new-privileges'],
    Memory: INSPECTOR_LIMITS.memoryMb * 1024 * 1024,
    MemorySwap: INSPECTOR_LIMITS.memoryMb * 1024 * 1024,
    PidsLimit: INSPECTOR_LIMITS.pidsLimit,
    NanoCpus: Math.round(INSPECTOR_LIMITS.cpus * 1e9),
    RestartPolicy: { Name: 'no' },
    ...(s.usernsMode ? { UsernsMode: s.usernsMode } : {}),
    ...(s.runtime ? { Runtime: s.runtime } : {}),
  };
  if (s.data?.type === 'bind') hostConfig.Binds = [`${s.data.source}:${DATA_ROOT}:ro`];
  else if (s.data?.type === 'volume') hostConfig.Mounts = [{ Type: 'volume', Source: s.data.name, Target: DATA_ROOT, ReadOnly: true }];
  // no data mount: the image's VOLUME would give an empty anonymous one; a tmpfs keeps it empty and clean
  else hostConfig.Tmpfs![DATA_ROOT] = 'ro,size=1m';
  return {
    name: inspectorName(s.name),
    Image: o.image,
    Labels: { ...o.labels, [LABEL_OWNER]: s.id },
    Env: checkEnv(),
    WorkingDir: '/',
    User: '0:0',
    Tty: false,
    HostConfig: hostConfig,
  };
}

/** The exec of one check: trusted `timeout` and `bash` by absolute path, no start-up files, our environment. */
export function checkCommand(script: string, timeoutMs: number): string[] {
  return ['/usr/bin/timeout', '-k', '1', innerTimeoutSeconds(timeoutMs), '/bin/bash', '--noprofile', '--norc', '-c', script];
}

export function seedFile(name: string): string {
  return `${SEED_DIR}/${name.replace(/[^a-zA-Z0-9_.-]/g, '_').replace(/^\.+/, '_').slice(0, 120) || '_'}`;
}

/** The check script with DOCKHAND_SEED set from the seed stored under `name` (empty when there is none). */
export function withSeed(script: string, name: string | undefined): string {
  if (!name) return script;
  return `DOCKHAND_SEED=$(cat '${seedFile(name)}' 2>/dev/null); export DOCKHAND_SEED\n${script}`;
}

/** Stores a seed (digits only) in the inspector. */
export function storeSeedScript(name: string, value: string): string {
  if (!/^\d+$/.test(value)) throw new Error('a seed is digits only');
  return `mkdir -p '${SEED_DIR}' && printf '%s' '${value}' > '${seedFile(name)}'`;
}

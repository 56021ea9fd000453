import type Docker from 'dockerode';
import { ENGINE_SOCKET, ENGINE_SOCKET_DIR, engineSocketVolume } from './engine-socket';
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
 * - Engine: the nested dockerd's unix socket, in a folder the learner cannot change (engine-socket.ts), mounted
 *   read-only. Nothing the learner does to their own network reaches it.
 * - Network: its OWN namespace, never the sandbox's (the learner is root there and could redirect anything),
 *   joined to the sandbox by a private link (linkScript); loopback TCP is sent on to the sandbox, so a check's
 *   `curl localhost:8080` still reaches what the learner published. Not the sandbox's pid namespace either.
 * - No capabilities, no-new-privileges, small limits; the same user remapping and runtime as the sandbox so that
 *   its root owns the learner's files without any capability.
 */

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
  /** The anonymous volume holding the nested engine's locked socket (engine-socket.ts). */
  engineSocket?: string;
}

/** The facts the inspector needs, from the engine's answer about the sandbox (the bot's own record: not learner-made). */
export function sandboxFacts(info: Docker.ContainerInspectInfo): SandboxFacts {
  const m = (info.Mounts ?? []).find((x) => x.Destination === DATA_ROOT);
  const hc = info.HostConfig as Docker.HostConfig & { Runtime?: string };
  const data: SandboxFacts['data'] = !m ? undefined : m.Type === 'bind' ? { type: 'bind', source: m.Source } : m.Name ? { type: 'volume', name: m.Name } : undefined;
  return {
    id: info.Id,
    name: info.Name.replace(/^\//, ''),
    data,
    usernsMode: hc.UsernsMode || undefined,
    runtime: hc.Runtime || undefined,
    engineSocket: engineSocketVolume(info),
  };
}

/** An empty, read-only folder: HOME for every program a check runs, and root's home in the inspector's passwd. */
export const NEUTRAL_HOME = '/run/dockhand/home';
/** The learner's home as the inspector sees it (a link into their data, images/inspector). */
export const LEARNER_HOME = '/root';

/**
 * The environment every check starts with: nothing of the learner's, and tools told to ignore config files. HOME
 * is the empty NEUTRAL_HOME, so jq's ~/.jq, curl's .curlrc, wget's .wgetrc, python's user site, git's global
 * config and the like are never the learner's; checkCommand gives the check's own shell `~` = the learner's home.
 * Git also ignores what a learner's repository could make it run (fsmonitor, hooks): given as -c settings, which
 * outrank the repository's own config.
 */
export function checkEnv(): string[] {
  const git: [string, string][] = [
    ['core.fsmonitor', 'false'],
    ['core.hooksPath', '/dev/null'],
  ];
  return [
    `PATH=${CHECK_PATH}`,
    `HOME=${NEUTRAL_HOME}`,
    `XDG_CONFIG_HOME=${NEUTRAL_HOME}`,
    `LEARNER_HOME=${LEARNER_HOME}`,
    `DOCKER_HOST=unix://${ENGINE_SOCKET}`,
    'DOCKER_CONFIG=/etc/dockhand/docker-config',
    'GIT_CONFIG_NOSYSTEM=1',
    'GIT_CONFIG_GLOBAL=/dev/null',
    `GIT_CONFIG_COUNT=${git.length}`,
    ...git.flatMap(([k, v], i) => [`GIT_CONFIG_KEY_${i}=${k}`, `GIT_CONFIG_VALUE_${i}=${v}`]),
    'WGETRC=/dev/null',
    'CURL_HOME=/dev/null',
    'PYTHONNOUSERSITE=1',
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
    // its own namespace with nothing but loopback, until the link to its sandbox is made (linkScript)
    NetworkMode: 'none',
    // loopback traffic may leave through the link once sent on to the sandbox
    Sysctls: { 'net.ipv4.conf.all.route_localnet': '1' },
    ReadonlyRootfs: true,
    Tmpfs: { '/tmp': 'rw,nosuid,nodev,size=64m', '/run/dockhand': 'rw,nosuid,nodev,noexec,size=1m,mode=700', [NEUTRAL_HOME]: 'ro,nosuid,nodev,noexec,size=4k,mode=755' },
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
  // no socket volume (a sandbox made before it existed): no engine at all, rather than one the learner could fake
  if (s.engineSocket) hostConfig.Mounts = [...(hostConfig.Mounts ?? []), { Type: 'volume', Source: s.engineSocket, Target: ENGINE_SOCKET_DIR, ReadOnly: true }];
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

/** The private link between a sandbox and its inspector (link-local: never routed, never on a host bridge). */
export const CHECK_LINK = { name: 'dh-check0', sandboxIp: '169.254.213.1', inspectorIp: '169.254.213.2', prefix: 30 };

/**
 * Run once on the engine host (host user and pid namespaces, NET_ADMIN, SYS_ADMIN for nsenter) with the host pids
 * of the sandbox and of its new inspector: a veth pair straight from the inspector's own network namespace into
 * the sandbox's, so the network looks to a check as it does from inside the sandbox, without ever sharing its
 * namespace (where the learner is root):
 * - TCP to 127.0.0.1 goes to the sandbox's end of the link, from the inspector's end (MASQUERADE): `localhost:PORT`
 *   in a check is the learner's published port, reached from outside their namespace.
 * - Every other address is routed through the sandbox (the inspector's default route), so a check reaches the
 *   learner's nested containers by their own addresses (`curl http://172.17.0.2/`).
 * The link never crosses a host bridge, so neither the host firewall nor an internal network's isolation sees it.
 */
export function linkScript(sandbox: { pid: number; id: string }, inspector: { pid: number; id: string }, form: 'helper' | 'local' = 'helper'): string {
  for (const c of [sandbox, inspector]) {
    if (!Number.isSafeInteger(c.pid) || c.pid <= 1 || !/^[0-9a-f]{64}$/.test(c.id)) throw new Error('the host pid and full id of both containers are needed');
  }
  const { name, sandboxIp, inspectorIp, prefix } = CHECK_LINK;
  const [sandboxPid, inspectorPid] = [sandbox.pid, inspector.pid];
  // `local`: run by root on the engine host itself (no helper container); the tools are still the image's, taken
  // from the new inspector's filesystem (nothing of the learner's is mounted over them), never the host's own
  // (whose iptables may be another version, or the legacy backend, beside the sandbox's nf_tables rules)
  const inNet = (pid: number, cmd: string) => (form === 'local' ? `nsenter --mount=/proc/${inspectorPid}/ns/mnt --net=/proc/${pid}/ns/net -- ${cmd}` : `/usr/bin/nsenter -t ${pid} -n ${cmd}`);
  const grep = form === 'local' ? 'grep' : '/usr/bin/grep';
  return [
    'set -e',
    // a pid is still its container's (not reused since the engine answered): its cgroup path names the container
    ...[sandbox, inspector].map((c) => `${grep} -q ${c.id} /proc/${c.pid}/cgroup || { echo "container ${c.id.slice(0, 12)} is gone"; exit 3; }`),
    // the host's own `ip` here: it resolves the pids in the host's /proc (netlink, no rules involved)
    `${form === 'local' ? 'ip' : '/usr/sbin/ip'} link add ${name} netns ${inspectorPid} type veth peer name ${name} netns ${sandboxPid}`,
    inNet(sandboxPid, `/usr/sbin/ip addr add ${sandboxIp}/${prefix} dev ${name}`),
    inNet(sandboxPid, `/usr/sbin/ip link set ${name} up`),
    // what reaches the sandbox's end of the link is taken as the sandbox's own loopback (its entrypoint allows
    // route_localnet), so a port published on 127.0.0.1 only answers a check's `curl localhost:PORT` too
    inNet(sandboxPid, `/usr/sbin/iptables -w -t nat -I PREROUTING -i ${name} -d ${sandboxIp} -p tcp -j DNAT --to-destination 127.0.0.1`),
    inNet(inspectorPid, `/usr/sbin/ip addr add ${inspectorIp}/${prefix} dev ${name}`),
    inNet(inspectorPid, `/usr/sbin/ip link set ${name} up`),
    inNet(inspectorPid, `/usr/sbin/ip route replace default via ${sandboxIp}`),
    inNet(inspectorPid, `/usr/sbin/iptables -w -t nat -A OUTPUT -o lo -p tcp -d 127.0.0.1 -j DNAT --to-destination ${sandboxIp}`),
    inNet(inspectorPid, `/usr/sbin/iptables -w -t nat -A POSTROUTING -o ${name} -s 127.0.0.0/8 -j MASQUERADE`),
    'echo linked',
  ].join('\n');
}

/**
 * The check's own shell keeps `~` and `$HOME` as the learner's home (every shipped check reads `~/...`), but the
 * variable is not exported: programs it starts get no HOME and fall back to root's passwd home, NEUTRAL_HOME.
 */
export const CHECK_PRELUDE = `export -n HOME; HOME=${LEARNER_HOME}\n`;

/** The exec of one check: trusted `timeout` and `bash` by absolute path, no start-up files, our environment. */
export function checkCommand(script: string, timeoutMs: number): string[] {
  return ['/usr/bin/timeout', '-k', '1', innerTimeoutSeconds(timeoutMs), '/bin/bash', '--noprofile', '--norc', '-c', `${CHECK_PRELUDE}${script}`];
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

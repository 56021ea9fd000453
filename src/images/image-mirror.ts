import { createHash } from 'node:crypto';
import type Docker from 'dockerode';
import { AppError } from '../errors';
import { followDockerStream, LogTail, withTimeout } from './image-build';
import { containerFileIs, type MirrorProxy, proxySection, singleFileTar } from './mirror-proxy';
import { directReach, type RegistryReach } from './registry-reach';

/** The read-only instance sandboxes pull from; it joins every sandbox's own network. */
export const MIRROR_CONTAINER = 'dockhand-mirror';
/** The writable instance only the host pushes to: published on 127.0.0.1, on a network no sandbox joins. */
export const MIRROR_PUSH_CONTAINER = 'dockhand-mirror-push';
/** Storage shared by both instances. */
export const MIRROR_VOLUME = 'dockhand-mirror-data';
/** The read-only instance's own network (internal: it has no route out); no sandbox joins it. */
export const MIRROR_NETWORK = 'dockhand-mirror-ro';
/** The writable instance's network (a plain bridge, so its port can be published on 127.0.0.1). */
export const MIRROR_PUSH_NETWORK = 'dockhand-mirror-push';
/** In proxy mode only the read-only instance joins this plain bridge: its route to the upstream (no sandbox joins it). */
export const MIRROR_UPSTREAM_NETWORK = 'dockhand-mirror-upstream';
export const MIRROR_LABELS = { 'dockhand.app': 'dockhand', 'dockhand.role': 'mirror' } as const;
export const MIRROR_PUSH_LABELS = { 'dockhand.app': 'dockhand', 'dockhand.role': 'mirror-push' } as const;
/** Hash of the registry config a mirror container runs; a different one (e.g. an older writable mirror) is replaced. */
export const LABEL_MIRROR_CONFIG = 'dockhand.mirror-config';
/** Where the config is copied (engine archive API) before start: the engine may be remote, and a password must not sit in env. */
const CONFIG_FILE = '/etc/dockhand/registry.yml';

/** The names one mirror pair lives under (the bot's own by default; tests run pairs of their own). */
export interface MirrorNames {
  container: string;
  pushContainer: string;
  volume: string;
  network: string;
  pushNetwork: string;
  upstreamNetwork: string;
  labels: Readonly<Record<string, string>>;
  pushLabels: Readonly<Record<string, string>>;
}

export const DEFAULT_MIRROR_NAMES: MirrorNames = {
  container: MIRROR_CONTAINER,
  pushContainer: MIRROR_PUSH_CONTAINER,
  volume: MIRROR_VOLUME,
  network: MIRROR_NETWORK,
  pushNetwork: MIRROR_PUSH_NETWORK,
  upstreamNetwork: MIRROR_UPSTREAM_NETWORK,
  labels: MIRROR_LABELS,
  pushLabels: MIRROR_PUSH_LABELS,
};

export interface MirrorState {
  /** Where the host engine pushes (the writable instance): 127.0.0.1:PORT */
  pushHost: string;
  /**
   * The read-only instance as http://IP:5000 (its address on its own network). Sandboxes reach it on their own
   * network instead: the runtime swaps in the mirror's address there.
   */
  mirrorUrl: string;
}

/**
 * The registry config (Debian's docker-registry, Distribution 2.8). `readonly`: every write (push, mount,
 * upload) is refused (`storage.maintenance.readonly`) and deletes are disabled; only pulls work.
 * No blob-descriptor cache: the read-only instance must see what the writable one pushed through the shared storage.
 * With `proxy` the read-only instance is a pull-through cache: a tag is asked of the upstream first and served
 * from the shared storage when the upstream lacks it or cannot be reached; what it fetches is stored there (the
 * read-only setting refuses learners' writes, not the cache's own). `redact` hides the password (for the label hash).
 */
export function registryConfig(readonly: boolean, proxy?: MirrorProxy, redact = false): string {
  return [
    'version: 0.1',
    'log:',
    '  level: info',
    '  fields:',
    `    service: ${readonly ? 'registry-readonly' : 'registry-push'}`,
    'storage:',
    '  filesystem:',
    '    rootdirectory: /var/lib/registry',
    '  delete:',
    `    enabled: ${readonly ? 'false' : 'true'}`,
    '  maintenance:',
    // the writable instance keeps the default purging of stale uploads; the read-only one must never purge
    ...(readonly ? ['    uploadpurging:', '      enabled: false'] : []),
    '    readonly:',
    `      enabled: ${readonly ? 'true' : 'false'}`,
    'http:',
    '  addr: :5000',
    ...proxySection(readonly ? proxy : undefined, redact),
    '',
  ].join('\n');
}

export const configHash = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 12);

const MANIFEST_ACCEPT = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
].join(', ');

function isNotFound(err: unknown): boolean {
  return (err as { statusCode?: number }).statusCode === 404;
}

function checkOurs(info: Docker.ContainerInspectInfo, labels: Readonly<Record<string, string>>): void {
  if (info.Config.Labels?.['dockhand.role'] !== labels['dockhand.role'] || info.Config.Labels?.['dockhand.app'] !== labels['dockhand.app']) {
    throw new AppError('MIRROR_NAME_TAKEN', `a container named ${info.Name.replace(/^\//, '')} exists but is not Dockhand's mirror; rename or remove it`);
  }
}

async function inspectOrUndefined(docker: Docker, name: string): Promise<Docker.ContainerInspectInfo | undefined> {
  try {
    return await docker.getContainer(name).inspect();
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** What the pair should run: the read-only instance's proxy (none offline) and the names it lives under. */
export interface MirrorWanted {
  names?: MirrorNames;
  proxy?: MirrorProxy;
}

/** Whether a running instance runs `config`: its label's hash, and with a password the file itself (the hash never covers it). */
async function runsConfig(docker: Docker, info: Docker.ContainerInspectInfo, readonly: boolean, proxy: MirrorProxy | undefined): Promise<boolean> {
  if (info.Config.Labels?.[LABEL_MIRROR_CONFIG] !== configHash(registryConfig(readonly, proxy, true))) return false;
  if (!readonly || proxy?.password === undefined) return true;
  return containerFileIs(docker, info.Id, CONFIG_FILE, registryConfig(readonly, proxy));
}

/**
 * Both instances' addresses, or undefined when either is missing, stopped, runs another config (an older
 * writable mirror, another upstream) or has no address yet.
 */
export async function inspectMirror(docker: Docker, wanted: MirrorWanted = {}): Promise<MirrorState | undefined> {
  const n = wanted.names ?? DEFAULT_MIRROR_NAMES;
  const [ro, rw] = await Promise.all([inspectOrUndefined(docker, n.container), inspectOrUndefined(docker, n.pushContainer)]);
  if (!ro || !rw) return undefined;
  checkOurs(ro, n.labels);
  checkOurs(rw, n.pushLabels);
  if (!ro.State.Running || !rw.State.Running) return undefined;
  if (!(await runsConfig(docker, ro, true, wanted.proxy)) || !(await runsConfig(docker, rw, false, undefined))) return undefined;
  const port = rw.NetworkSettings.Ports?.['5000/tcp']?.find((b) => b.HostIp === '127.0.0.1')?.HostPort;
  const ip = ro.NetworkSettings.Networks?.[n.network]?.IPAddress;
  if (!port || !ip) return undefined;
  return { pushHost: `127.0.0.1:${port}`, mirrorUrl: `http://${ip}:5000` };
}

async function waitForRegistry(reach: RegistryReach, pushHost: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    const res = await reach.get(pushHost, '/v2/', { timeoutMs: 2000 });
    if (res.status === 200) return;
    last = res.status ? `HTTP ${res.status}` : (res.error ?? 'no answer');
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new AppError('MIRROR_NOT_READY', `the registry mirror at ${pushHost} did not answer within ${timeoutMs / 1000} s (${last})`);
}

async function ensureNetwork(docker: Docker, name: string, internal: boolean): Promise<void> {
  const existing = await docker.listNetworks({ filters: { name: [name] } });
  if (existing.some((n) => n.Name === name)) return;
  await docker
    .createNetwork({ Name: name, Internal: internal, CheckDuplicate: true, Labels: { 'dockhand.app': 'dockhand', 'dockhand.role': 'mirror-network' } })
    .catch((err: unknown) => {
      if ((err as { statusCode?: number }).statusCode !== 409) throw err;
    });
}

interface InstanceSpec {
  name: string;
  readonly: boolean;
  labels: Readonly<Record<string, string>>;
  network: string;
  /** Joined too, before start: the read-only instance's route to its upstream in proxy mode. */
  upstreamNetwork?: string;
  volume: string;
  publish: boolean;
  proxy?: MirrorProxy;
}

/** Creates (or replaces, when its config differs) and starts one registry instance. */
async function ensureInstance(docker: Docker, registryImage: string, o: InstanceSpec): Promise<void> {
  const config = registryConfig(o.readonly, o.proxy);
  const hash = configHash(registryConfig(o.readonly, o.proxy, true));
  const info = await inspectOrUndefined(docker, o.name);
  let create = !info;
  if (info) {
    checkOurs(info, o.labels);
    if (!(await runsConfig(docker, info, o.readonly, o.proxy))) {
      // a mirror of another configuration (a writable one, another upstream): replaced, its storage kept
      await docker.getContainer(o.name).remove({ force: true }).catch((err: unknown) => {
        if (!isNotFound(err)) throw err;
      });
      create = true;
    }
  }
  if (create) {
    const created = await docker
      .createContainer({
        name: o.name,
        Image: registryImage,
        Labels: { ...o.labels, [LABEL_MIRROR_CONFIG]: hash },
        Entrypoint: ['/usr/bin/docker-registry', 'serve', CONFIG_FILE],
        Cmd: [],
        ExposedPorts: { '5000/tcp': {} },
        HostConfig: {
          NetworkMode: o.network,
          // loopback only: the host pushes here
          PortBindings: o.publish ? { '5000/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] } : {},
          Mounts: [{ Type: 'volume', Source: o.volume, Target: '/var/lib/registry' }],
          RestartPolicy: { Name: 'unless-stopped' },
          Memory: 256 * 1024 * 1024,
          // the cache asks the upstream first for every tag: an upstream gone silent must fail in seconds, not after
          // Go's 30 s dial timeout (one SYN retry: ~3 s) or minutes of retransmits on a connection it pooled
          ...(o.proxy ? { Sysctls: { 'net.ipv4.tcp_syn_retries': '1', 'net.ipv4.tcp_retries2': '5' } } : {}),
        },
      })
      .catch((err: unknown) => {
        // another process created it between our inspect and create (and copies the config itself)
        if ((err as { statusCode?: number }).statusCode !== 409) throw err;
        return undefined;
      });
    if (created) {
      // the config (a password included) goes in through the archive API: in no env, label or bind of a host file
      await created.putArchive(singleFileTar(CONFIG_FILE.slice(1), config), { path: '/' });
      if (o.upstreamNetwork) await docker.getNetwork(o.upstreamNetwork).connect({ Container: created.id });
    }
  }
  await docker
    .getContainer(o.name)
    .start()
    .catch((err: unknown) => {
      if ((err as { statusCode?: number }).statusCode !== 304) throw err;
    });
}

/**
 * Starts (or adopts) both mirror instances from `registryImage`, sharing the named storage volume: the writable
 * one for the host's pushes, the read-only one for sandboxes (a pull-through cache of `wanted.proxy` when set).
 */
export async function ensureMirror(docker: Docker, registryImage: string, reach: RegistryReach = directReach, wanted: MirrorWanted = {}): Promise<MirrorState> {
  const n = wanted.names ?? DEFAULT_MIRROR_NAMES;
  let state = await inspectMirror(docker, wanted);
  if (!state) {
    await docker.createVolume({ Name: n.volume, Labels: { ...n.labels } }).catch((err: unknown) => {
      if ((err as { statusCode?: number }).statusCode !== 409) throw err;
    });
    await ensureNetwork(docker, n.network, true);
    await ensureNetwork(docker, n.pushNetwork, false);
    if (wanted.proxy) await ensureNetwork(docker, n.upstreamNetwork, false);
    await ensureInstance(docker, registryImage, { name: n.pushContainer, readonly: false, labels: n.pushLabels, network: n.pushNetwork, volume: n.volume, publish: true });
    await ensureInstance(docker, registryImage, {
      name: n.container,
      readonly: true,
      labels: n.labels,
      network: n.network,
      upstreamNetwork: wanted.proxy ? n.upstreamNetwork : undefined,
      volume: n.volume,
      publish: false,
      proxy: wanted.proxy,
    });
    const deadline = Date.now() + 10_000;
    while (!(state = await inspectMirror(docker, wanted))) {
      if (Date.now() > deadline) throw new AppError('MIRROR_NOT_READY', `${n.container}/${n.pushContainer} did not get an address within 10 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  await waitForRegistry(reach, state.pushHost, 15_000);
  return state;
}

/** What the registry holds for repo:tag: the image ID (config digest) and the manifest digest (what a pull pins to). */
export async function registryManifest(reach: RegistryReach, pushHost: string, repo: string, tag: string): Promise<{ imageId?: string; digest?: string } | undefined> {
  const res = await reach.get(pushHost, `/v2/${repo}/manifests/${tag}`, { accept: MANIFEST_ACCEPT, timeoutMs: 5000 });
  if (res.status === 404) return undefined;
  if (res.status !== 200) throw new AppError('MIRROR_QUERY_FAILED', `registry ${pushHost} answered ${res.status ? `HTTP ${res.status}` : (res.error ?? 'nothing')} for ${repo}:${tag}`);
  const manifest = JSON.parse(res.body) as { config?: { digest?: string } };
  return { imageId: manifest.config?.digest, digest: res.digest };
}

/** The image ID (config digest) the registry holds for repo:tag, or undefined. */
export async function registryImageId(pushHost: string, repo: string, tag: string, reach: RegistryReach = directReach): Promise<string | undefined> {
  return (await registryManifest(reach, pushHost, repo, tag))?.imageId;
}

/** Pushes a local image to the mirror as repo:tag through a temporary tag, removed afterwards. Returns the manifest digest the push reported. */
export async function pushToMirror(docker: Docker, pushHost: string, imageRef: string, repo: string, tag: string, tail: LogTail): Promise<string> {
  const target = `${pushHost}/${repo}`;
  await docker.getImage(imageRef).tag({ repo: target, tag });
  try {
    const events = await withTimeout(`docker push ${target}:${tag}`, 10 * 60_000, async (signal) => {
      const stream = await docker.getImage(`${target}:${tag}`).push({ tag, abortSignal: signal, authconfig: {} } as Record<string, unknown>);
      return followDockerStream(docker, stream, tail);
    });
    const digest = pushedDigest(events);
    if (!digest) throw new AppError('MIRROR_PUSH_FAILED', `docker push ${target}:${tag} reported no digest`);
    return digest;
  } finally {
    await docker
      .getImage(`${target}:${tag}`)
      .remove({ noprune: true })
      .catch(() => undefined);
  }
}

/** The manifest digest from a push's progress events (`aux.Digest`, or the final "digest: sha256:..." status line). */
export function pushedDigest(events: { aux?: { Digest?: string }; status?: string }[]): string | undefined {
  for (const e of [...events].reverse()) {
    if (e.aux?.Digest) return e.aux.Digest;
    const m = /digest: (sha256:[0-9a-f]{64})/.exec(e.status ?? '');
    if (m) return m[1];
  }
  return undefined;
}

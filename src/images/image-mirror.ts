import { createHash } from 'node:crypto';
import type Docker from 'dockerode';
import { AppError } from '../errors';
import { followDockerStream, LogTail, withTimeout } from './image-build';
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
export const MIRROR_LABELS = { 'dockhand.app': 'dockhand', 'dockhand.role': 'mirror' } as const;
export const MIRROR_PUSH_LABELS = { 'dockhand.app': 'dockhand', 'dockhand.role': 'mirror-push' } as const;
/** Hash of the registry config a mirror container runs; a different one (e.g. an older writable mirror) is replaced. */
export const LABEL_MIRROR_CONFIG = 'dockhand.mirror-config';
const CONFIG_ENV = 'DOCKHAND_REGISTRY_CONFIG';

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
 */
export function registryConfig(readonly: boolean): string {
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

function checkOurs(info: Docker.ContainerInspectInfo, role: string): void {
  if (info.Config.Labels?.['dockhand.role'] !== role || info.Config.Labels?.['dockhand.app'] !== 'dockhand') {
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

/**
 * Both instances' addresses, or undefined when either is missing, stopped, runs another config (an older
 * writable mirror) or has no address yet.
 */
export async function inspectMirror(docker: Docker): Promise<MirrorState | undefined> {
  const [ro, rw] = await Promise.all([inspectOrUndefined(docker, MIRROR_CONTAINER), inspectOrUndefined(docker, MIRROR_PUSH_CONTAINER)]);
  if (!ro || !rw) return undefined;
  checkOurs(ro, MIRROR_LABELS['dockhand.role']);
  checkOurs(rw, MIRROR_PUSH_LABELS['dockhand.role']);
  if (ro.Config.Labels?.[LABEL_MIRROR_CONFIG] !== configHash(registryConfig(true))) return undefined;
  if (rw.Config.Labels?.[LABEL_MIRROR_CONFIG] !== configHash(registryConfig(false))) return undefined;
  if (!ro.State.Running || !rw.State.Running) return undefined;
  const port = rw.NetworkSettings.Ports?.['5000/tcp']?.find((b) => b.HostIp === '127.0.0.1')?.HostPort;
  const ip = ro.NetworkSettings.Networks?.[MIRROR_NETWORK]?.IPAddress;
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

/** Creates (or replaces, when its config differs) and starts one registry instance. */
async function ensureInstance(docker: Docker, registryImage: string, o: { name: string; readonly: boolean; labels: Record<string, string>; network: string; publish: boolean }): Promise<void> {
  const config = registryConfig(o.readonly);
  const hash = configHash(config);
  const info = await inspectOrUndefined(docker, o.name);
  if (info) {
    checkOurs(info, o.labels['dockhand.role']!);
    if (info.Config.Labels?.[LABEL_MIRROR_CONFIG] !== hash) {
      // a mirror of another configuration (e.g. a writable one): replaced, its storage kept
      await docker.getContainer(o.name).remove({ force: true }).catch((err: unknown) => {
        if (!isNotFound(err)) throw err;
      });
    }
  }
  if (!info || info.Config.Labels?.[LABEL_MIRROR_CONFIG] !== hash) {
    await docker
      .createContainer({
        name: o.name,
        Image: registryImage,
        Labels: { ...o.labels, [LABEL_MIRROR_CONFIG]: hash },
        Env: [`${CONFIG_ENV}=${config}`],
        // the config travels in the environment: the engine may be remote, so no bind of a host file
        Entrypoint: ['/bin/sh', '-c', `printf '%s' "$${CONFIG_ENV}" > /tmp/registry.yml && exec /usr/bin/docker-registry serve /tmp/registry.yml`],
        Cmd: [],
        ExposedPorts: { '5000/tcp': {} },
        HostConfig: {
          NetworkMode: o.network,
          // loopback only: the host pushes here
          PortBindings: o.publish ? { '5000/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] } : {},
          Mounts: [{ Type: 'volume', Source: MIRROR_VOLUME, Target: '/var/lib/registry' }],
          RestartPolicy: { Name: 'unless-stopped' },
          Memory: 256 * 1024 * 1024,
        },
      })
      .catch((err: unknown) => {
        // another process created it between our inspect and create
        if ((err as { statusCode?: number }).statusCode !== 409) throw err;
      });
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
 * one for the host's pushes, the read-only one for sandboxes.
 */
export async function ensureMirror(docker: Docker, registryImage: string, reach: RegistryReach = directReach): Promise<MirrorState> {
  let state = await inspectMirror(docker);
  if (!state) {
    await docker.createVolume({ Name: MIRROR_VOLUME, Labels: { ...MIRROR_LABELS } }).catch((err: unknown) => {
      if ((err as { statusCode?: number }).statusCode !== 409) throw err;
    });
    await ensureNetwork(docker, MIRROR_NETWORK, true);
    await ensureNetwork(docker, MIRROR_PUSH_NETWORK, false);
    await ensureInstance(docker, registryImage, { name: MIRROR_PUSH_CONTAINER, readonly: false, labels: { ...MIRROR_PUSH_LABELS }, network: MIRROR_PUSH_NETWORK, publish: true });
    await ensureInstance(docker, registryImage, { name: MIRROR_CONTAINER, readonly: true, labels: { ...MIRROR_LABELS }, network: MIRROR_NETWORK, publish: false });
    const deadline = Date.now() + 10_000;
    while (!(state = await inspectMirror(docker))) {
      if (Date.now() > deadline) throw new AppError('MIRROR_NOT_READY', `${MIRROR_CONTAINER}/${MIRROR_PUSH_CONTAINER} did not get an address within 10 s`);
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

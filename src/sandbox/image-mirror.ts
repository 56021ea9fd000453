import type Docker from 'dockerode';
import { AppError } from '../errors';
import { followDockerStream, LogTail, withTimeout } from './image-build';

export const MIRROR_CONTAINER = 'dockhand-mirror';
export const MIRROR_VOLUME = 'dockhand-mirror-data';
export const MIRROR_LABELS = { 'dockhand.app': 'dockhand', 'dockhand.role': 'mirror' } as const;

export interface MirrorState {
  /** Where the host engine pushes: 127.0.0.1:PORT */
  pushHost: string;
  /** What sandboxes use as their registry mirror: http://BRIDGE_IP:5000 */
  mirrorUrl: string;
}

const MANIFEST_ACCEPT = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
].join(', ');

function isNotFound(err: unknown): boolean {
  return (err as { statusCode?: number }).statusCode === 404;
}

/** The running mirror's addresses, or undefined when it is missing, stopped or not yet answering on a port. */
export async function inspectMirror(docker: Docker): Promise<MirrorState | undefined> {
  let info: Docker.ContainerInspectInfo;
  try {
    info = await docker.getContainer(MIRROR_CONTAINER).inspect();
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
  if (info.Config.Labels?.['dockhand.role'] !== 'mirror' || info.Config.Labels?.['dockhand.app'] !== 'dockhand') {
    throw new AppError('MIRROR_NAME_TAKEN', `a container named ${MIRROR_CONTAINER} exists but is not Dockhand's mirror; rename or remove it`);
  }
  if (!info.State.Running) return undefined;
  const port = info.NetworkSettings.Ports?.['5000/tcp']?.find((b) => b.HostIp === '127.0.0.1')?.HostPort;
  const ip = info.NetworkSettings.Networks?.bridge?.IPAddress;
  if (!port || !ip) return undefined;
  return { pushHost: `127.0.0.1:${port}`, mirrorUrl: `http://${ip}:5000` };
}

async function waitForRegistry(pushHost: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`http://${pushHost}/v2/`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new AppError('MIRROR_NOT_READY', `the registry mirror at ${pushHost} did not answer within ${timeoutMs / 1000} s (${last})`);
}

/** Starts (or adopts) the labelled mirror container from `registryImage`, storage on a named volume. */
export async function ensureMirror(docker: Docker, registryImage: string): Promise<MirrorState> {
  let state = await inspectMirror(docker);
  if (!state) {
    const existing = docker.getContainer(MIRROR_CONTAINER);
    const info = await existing.inspect().catch((err: unknown) => {
      if (isNotFound(err)) return undefined;
      throw err;
    });
    if (!info) {
      await docker.createVolume({ Name: MIRROR_VOLUME, Labels: { ...MIRROR_LABELS } }).catch((err: unknown) => {
        if ((err as { statusCode?: number }).statusCode !== 409) throw err;
      });
      await docker
        .createContainer({
          name: MIRROR_CONTAINER,
          Image: registryImage,
          Labels: { ...MIRROR_LABELS },
          ExposedPorts: { '5000/tcp': {} },
          HostConfig: {
            // loopback only: the host pushes here; sandboxes use the bridge address
            PortBindings: { '5000/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] },
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
    await existing.start().catch((err: unknown) => {
      if ((err as { statusCode?: number }).statusCode !== 304) throw err;
    });
    const deadline = Date.now() + 10_000;
    while (!(state = await inspectMirror(docker))) {
      if (Date.now() > deadline) throw new AppError('MIRROR_NOT_READY', `${MIRROR_CONTAINER} did not get an address within 10 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  await waitForRegistry(state.pushHost, 15_000);
  return state;
}

/** The image ID (config digest) the registry holds for repo:tag, or undefined. */
export async function registryImageId(pushHost: string, repo: string, tag: string): Promise<string | undefined> {
  const res = await fetch(`http://${pushHost}/v2/${repo}/manifests/${tag}`, {
    headers: { Accept: MANIFEST_ACCEPT },
    signal: AbortSignal.timeout(5000),
  });
  if (res.status === 404) return undefined;
  if (!res.ok) throw new AppError('MIRROR_QUERY_FAILED', `registry ${pushHost} answered HTTP ${res.status} for ${repo}:${tag}`);
  const manifest = (await res.json()) as { config?: { digest?: string } };
  return manifest.config?.digest;
}

/** Pushes a local image to the mirror as repo:tag through a temporary tag, removed afterwards. */
export async function pushToMirror(docker: Docker, pushHost: string, imageRef: string, repo: string, tag: string, tail: LogTail): Promise<void> {
  const target = `${pushHost}/${repo}`;
  await docker.getImage(imageRef).tag({ repo: target, tag });
  try {
    await withTimeout(`docker push ${target}:${tag}`, 10 * 60_000, async (signal) => {
      const stream = await docker.getImage(`${target}:${tag}`).push({ tag, abortSignal: signal, authconfig: {} } as Record<string, unknown>);
      await followDockerStream(docker, stream, tail);
    });
  } finally {
    await docker
      .getImage(`${target}:${tag}`)
      .remove({ noprune: true })
      .catch(() => undefined);
  }
}

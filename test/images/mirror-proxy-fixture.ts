import { randomBytes } from 'node:crypto';
import { LogTail } from '../../src/images/image-build';
import { LESSON_IMAGES } from '../../src/images/image-catalog';
import { ensureMirror, pushToMirror, type MirrorNames, type MirrorState } from '../../src/images/image-mirror';
import type { MirrorProxy } from '../../src/images/mirror-proxy';
import { docker } from '../sandbox/sandbox-fixture';

/** Everything here is this test's own: names, labels and a volume no bot or other test uses. */
export const TEST_APP = 'dockhand-test-mirror-proxy';

export function lessonImage(id: string): string {
  const image = LESSON_IMAGES.find((l) => l.id === id);
  if (!image) throw new Error(`no lesson image ${id}`);
  return image.localImage;
}

export function testMirrorNames(tag = randomBytes(3).toString('hex')): MirrorNames & { upstreamNetwork: string } {
  const p = `dockhand-test-mproxy-${tag}`;
  return {
    container: `${p}-ro`,
    pushContainer: `${p}-push`,
    volume: `${p}-data`,
    network: `${p}-ronet`,
    pushNetwork: `${p}-pushnet`,
    upstreamNetwork: `${p}-upnet`,
    labels: { 'dockhand.app': TEST_APP, 'dockhand.role': 'mirror' },
    pushLabels: { 'dockhand.app': TEST_APP, 'dockhand.role': 'mirror-push' },
  };
}

/** The test's upstream network (a plain bridge), created before the mirror so the upstream can live on it. */
export async function createUpstreamNetwork(names: MirrorNames): Promise<void> {
  await docker.createNetwork({ Name: names.upstreamNetwork, CheckDuplicate: true, Labels: { 'dockhand.app': TEST_APP } });
}

/** A container on the upstream network; returns its address there. */
export async function startOnUpstream(names: MirrorNames, o: { name: string; image: string; cmd?: string[]; entrypoint?: string[]; publish?: boolean }): Promise<{ ip: string; hostPort?: string }> {
  const c = await docker.createContainer({
    name: o.name,
    Image: o.image,
    Labels: { 'dockhand.app': TEST_APP },
    ...(o.entrypoint ? { Entrypoint: o.entrypoint } : {}),
    ...(o.cmd ? { Cmd: o.cmd } : {}),
    ExposedPorts: { '5000/tcp': {} },
    HostConfig: { NetworkMode: names.upstreamNetwork, PortBindings: o.publish ? { '5000/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] } : {} },
  });
  await c.start();
  const info = await c.inspect();
  return { ip: info.NetworkSettings.Networks[names.upstreamNetwork]!.IPAddress, hostPort: info.NetworkSettings.Ports?.['5000/tcp']?.[0]?.HostPort };
}

/** Waits until a registry answers /v2/ on the host's loopback. */
export async function waitForV2(hostPort: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const ok = await fetch(`http://127.0.0.1:${hostPort}/v2/`, { signal: AbortSignal.timeout(2000) }).then((r) => r.status === 200, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no registry on 127.0.0.1:${hostPort}`);
}

/** Pushes a local image to a registry as repo:tag; returns the manifest digest. */
export async function seed(pushHost: string, image: string, repo: string, tag: string): Promise<string> {
  return pushToMirror(docker, pushHost, image, repo, tag, new LogTail());
}

export async function startTestMirror(names: MirrorNames, proxy: MirrorProxy | undefined): Promise<MirrorState> {
  return ensureMirror(docker, lessonImage('registry'), undefined, { names, proxy });
}

/** Removes every container, network and the volume of this test's pair and upstream. */
export async function removeTestMirror(names: MirrorNames, extraContainers: string[] = []): Promise<void> {
  for (const name of [names.container, names.pushContainer, ...extraContainers]) {
    await docker.getContainer(name).remove({ force: true }).catch(() => undefined);
  }
  for (const net of [names.network, names.pushNetwork, names.upstreamNetwork]) {
    await docker.getNetwork(net).remove().catch(() => undefined);
  }
  await docker.getVolume(names.volume).remove().catch(() => undefined);
}

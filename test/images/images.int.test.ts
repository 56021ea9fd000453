import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Docker from 'dockerode';
import pino from 'pino';
import {
  ensureImages,
  LESSON_IMAGES,
  MIRROR_CONTAINER,
  MIRROR_PUSH_CONTAINER,
  MIRROR_VOLUME,
  SANDBOX_IMAGE,
  type EnsureImagesResult,
} from '../../src/images/images';
import { acquireImageLock } from '../../src/images/image-lock';
import type { SandboxManager } from '../../src/sandbox/lifecycle/sandbox-manager';
import { newManager } from '../sandbox/sandbox-fixture';

const docker = new Docker();
const log = pino({ level: 'silent' });

let first: EnsureImagesResult;

beforeAll(async () => {
  // builds whatever is missing (about 2 min on a fresh machine); later runs only inspect
  first = await ensureImages({ docker, log });
}, 30 * 60_000);

describe('ensureImages', () => {
  test('returns the sandbox image, present in the engine, and a mirror URL on the bridge network', async () => {
    expect(first.sandboxImage).toBe(SANDBOX_IMAGE);
    expect(SANDBOX_IMAGE).toMatch(/^dockhand\/sandbox:[0-9a-f]{12}$/);
    const info = await docker.getImage(first.sandboxImage).inspect();
    expect(info.Config.Labels?.['dockhand.app']).toBe('dockhand');
    expect(first.mirrorUrl).toMatch(/^http:\/\/\d+\.\d+\.\d+\.\d+:5000$/);
  });

  test('a second call builds and pushes nothing (its speed is measured in the bench, not here)', async () => {
    const progress: string[] = [];
    const again = await ensureImages({ docker, log, onProgress: (l) => progress.push(l) });
    expect(again).toEqual({ sandboxImage: first.sandboxImage, mirrorUrl: first.mirrorUrl, mirrorDigests: first.mirrorDigests, built: [], pushed: [] });
    expect(Object.keys(first.mirrorDigests)).toEqual(expect.arrayContaining(['nginx:latest', 'hello-world:latest', 'debian:bookworm-slim']));
    for (const digest of Object.values(first.mirrorDigests)) expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(progress).toEqual([]);
  });

  test('with an operator mirror it returns that URL and neither needs nor touches the built-in mirror', async () => {
    const r = await ensureImages({ docker, log, registryMirror: 'http://10.9.8.7:5000' });
    expect(r).toEqual({ sandboxImage: SANDBOX_IMAGE, mirrorUrl: 'http://10.9.8.7:5000', mirrorDigests: {}, built: [], pushed: [] });
  });

  test('the read-only mirror publishes no port; the writable one only on loopback; both store on the named volume', async () => {
    const info = await docker.getContainer(MIRROR_CONTAINER).inspect();
    expect(info.State.Running).toBe(true);
    expect(info.Config.Labels).toMatchObject({ 'dockhand.app': 'dockhand', 'dockhand.role': 'mirror' });
    expect(Object.values(info.HostConfig.PortBindings ?? {}).flat().filter(Boolean)).toEqual([]);
    expect(info.Mounts.find((m) => m.Destination === '/var/lib/registry')?.Name).toBe(MIRROR_VOLUME);
    const push = await docker.getContainer(MIRROR_PUSH_CONTAINER).inspect();
    const bindings = push.HostConfig.PortBindings?.['5000/tcp'] as { HostIp: string }[];
    expect(bindings.map((b) => b.HostIp)).toEqual(['127.0.0.1']);
    expect(push.Mounts.find((m) => m.Destination === '/var/lib/registry')?.Name).toBe(MIRROR_VOLUME);
    const port = push.NetworkSettings.Ports['5000/tcp']?.[0]?.HostPort;
    const catalog = (await (await fetch(`http://127.0.0.1:${port}/v2/_catalog`)).json()) as { repositories: string[] };
    expect(catalog.repositories).toEqual(expect.arrayContaining(['library/debian', 'library/nginx', 'library/hello-world', 'library/registry']));
  });
});

describe('the sandbox image', () => {
  // Sandboxes made the way the bot makes them (the test profile, own network, read-only mirror).
  let manager: SandboxManager;
  const key = 'T1:images';
  const sh = (script: string, timeoutMs = 60_000) => manager.execScript(key, script, { timeoutMs });

  beforeAll(async () => {
    ({ manager } = await newManager('images'));
    await manager.start({ isKnown: () => false });
  }, 120_000);
  afterAll(async () => {
    await manager?.destroyAll();
  });

  test('becomes ready with a nested engine that answers and uses the mirror', async () => {
    const v = await sh("docker version --format '{{.Server.Version}}'");
    expect(v.exitCode).toBe(0);
    expect(v.output.trim()).toMatch(/^\d+\.\d+\./);
    const mirrors = await sh("docker info --format '{{json .RegistryConfig.Mirrors}}'");
    expect(JSON.parse(mirrors.output.trim())).toEqual([expect.stringMatching(/^http:\/\/[\d.]+:5000\/$/)]);
  });

  test('has the tools the lessons use and a short plain prompt', async () => {
    const r = await sh('for t in curl git vi nano ip ps less tini iptables jq; do command -v $t >/dev/null || echo missing $t; done; . /root/.bashrc; echo "$PS1"');
    expect(r.output.trim()).toBe('sandbox$');
  });

  test('runs hello-world and pulls nginx from the offline mirror, getting the images built on the host', async () => {
    const hello = await sh('docker run --rm hello-world', 120_000);
    expect(hello.exitCode).toBe(0);
    expect(hello.output).toContain('Hello from Docker!');

    const pull = await sh('docker pull nginx:latest', 120_000);
    expect(pull.exitCode).toBe(0);
    // the same image ID as the host's local build proves it came from our mirror, not from Docker Hub
    const nested = await sh("docker image inspect --format '{{.Id}}' nginx:latest");
    const nginx = LESSON_IMAGES.find((l) => l.id === 'nginx');
    expect(nested.output.trim()).toBe((await docker.getImage(nginx?.localImage ?? '').inspect()).Id);

    const web = await sh('docker run -d --rm --name web -p 8080:80 nginx >/dev/null && for i in $(seq 50); do curl -s localhost:8080 && break; sleep 0.1; done', 60_000);
    expect(web.output).toContain('Welcome to nginx!');
  }, 240_000);

  test('runs a current Docker: Engine 26, BuildKit builds FROM mirror images, Compose v2 brings a project up and down', async () => {
    const v = await sh("docker version --format '{{.Server.Version}}' && docker compose version --short && docker buildx version");
    expect(v.exitCode).toBe(0);
    expect(v.output).toMatch(/^26\.1\./);
    expect(v.output).toMatch(/^2\.26\./m);
    expect(v.output).toContain('buildx');

    const build = await sh(
      `mkdir -p /tmp/bk && cd /tmp/bk && printf 'FROM busybox\\nRUN echo built-by-buildkit > /built\\nCMD ["cat", "/built"]\\n' > Dockerfile && docker build -t bk . 2>&1 && docker run --rm bk`,
      180_000,
    );
    expect(build.exitCode).toBe(0);
    // BuildKit's progress output names its steps (#N); the classic builder's says "Step 1/3"
    expect(build.output).toMatch(/^#\d+ naming to docker\.io\/library\/bk/m);
    expect(build.output).not.toContain('Step 1/');
    expect(build.output).toContain('built-by-buildkit');

    const compose = await sh(
      `mkdir -p /tmp/cp && cd /tmp/cp && printf 'services:\\n  web:\\n    image: nginx\\n    ports: ["8089:80"]\\n' > compose.yaml && docker compose up -d 2>&1 && curl -s --retry 20 --retry-all-errors --retry-delay 1 localhost:8089 && docker compose down 2>&1 && docker ps -aq --filter label=com.docker.compose.project=cp | wc -l`,
      180_000,
    );
    expect(compose.exitCode).toBe(0);
    expect(compose.output).toContain('Welcome to nginx!');
    expect(compose.output.trim().split('\n').pop()).toBe('0');
  }, 400_000);

  test('exits non-zero when its nested dockerd dies', async () => {
    await sh('true');
    const container = docker.getContainer(manager.containerIdOf(key)!);
    const stopped = container.wait({ condition: 'not-running' }) as Promise<{ StatusCode: number }>;
    await sh('kill -9 $(pidof dockerd)').catch(() => undefined);
    expect((await stopped).StatusCode).not.toBe(0);
  }, 60_000);
});

describe('the image build lock', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dockhand-lock-'));
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  test('a second holder waits until the first releases', async () => {
    const file = path.join(dir, 'build.lock');
    const release1 = await acquireImageLock(file, { pollMs: 20 });
    const waited: string[] = [];
    let got = false;
    const second = acquireImageLock(file, { pollMs: 20, onWait: (o) => waited.push(o) }).then((r) => {
      got = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 150));
    expect(got).toBe(false);
    expect(waited).toEqual([`pid ${process.pid} on ${os.hostname()}`]);
    await release1();
    const release2 = await second;
    expect(got).toBe(true);
    await release2();
  });

  test('a lock left by a dead process is taken over at once', async () => {
    const file = path.join(dir, 'build.lock');
    // pid 2^22 + 1 is above Linux's pid_max ceiling, so it cannot be alive
    await fs.writeFile(file, JSON.stringify({ pid: 4194305, host: os.hostname(), at: Date.now() }));
    const t0 = Date.now();
    const release = await acquireImageLock(file, { timeoutMs: 2000, pollMs: 20 });
    expect(Date.now() - t0).toBeLessThan(500);
    expect(JSON.parse(await fs.readFile(file, 'utf8')).pid).toBe(process.pid);
    await release();
  });

  test('gives up with IMAGE_LOCK_TIMEOUT when the holder never releases', async () => {
    const file = path.join(dir, 'build.lock');
    const release = await acquireImageLock(file);
    await expect(acquireImageLock(file, { timeoutMs: 200, pollMs: 20 })).rejects.toMatchObject({ code: 'IMAGE_LOCK_TIMEOUT' });
    await release();
  });
});

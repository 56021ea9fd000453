import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import Docker from 'dockerode';
import pino from 'pino';
import {
  ensureImages,
  LESSON_IMAGES,
  MIRROR_CONTAINER,
  MIRROR_VOLUME,
  SANDBOX_IMAGE,
  SANDBOX_MIRROR_ENV,
  SANDBOX_READY_FILE,
  type EnsureImagesResult,
} from '../../src/sandbox/images';
import { acquireImageLock } from '../../src/sandbox/image-lock';
import { profileHostConfig } from '../../src/sandbox/sandbox-profile';

const docker = new Docker();
const log = pino({ level: 'silent' });
const TEST_LABELS = { 'dockhand.app': 'dockhand', 'dockhand.role': 'images-test' };

interface ExecResult {
  exitCode: number | null;
  output: string;
}

async function exec(container: Docker.Container, cmd: string[], timeoutMs = 60_000): Promise<ExecResult> {
  const ex = await container.exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const stream = await ex.start({ hijack: true, stdin: false });
  const out = new PassThrough();
  let output = '';
  out.on('data', (d: Buffer) => (output += d.toString()));
  docker.modem.demuxStream(stream, out, out);
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      new Promise<void>((resolve, reject) => {
        stream.on('end', () => resolve());
        stream.on('close', () => resolve());
        stream.on('error', reject);
      }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`exec ${cmd.join(' ')} timed out\n${output}`)), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    stream.destroy();
  }
  return { exitCode: (await ex.inspect()).ExitCode, output };
}

/** The test-machine DinD profile from docs/platform-facts.md (no --privileged here). */
async function startSandbox(mirrorUrl: string): Promise<Docker.Container> {
  const container = await docker.createContainer({
    Image: SANDBOX_IMAGE,
    Labels: TEST_LABELS,
    Env: [`${SANDBOX_MIRROR_ENV}=${mirrorUrl}`],
    HostConfig: {
      ...profileHostConfig('test-host-cgroup'),
      // /var/lib/docker is a VOLUME in the image: an anonymous volume, removed with the container
      Memory: 1024 * 1024 * 1024,
    },
  });
  await container.start();
  return container;
}

async function waitReady(container: Docker.Container, timeoutMs: number): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    const r = await exec(container, ['test', '-f', SANDBOX_READY_FILE], 10_000);
    if (r.exitCode === 0) return Date.now() - t0;
    const state = (await container.inspect()).State;
    if (!state.Running) throw new Error(`sandbox exited (${state.ExitCode}) before it was ready`);
    if (Date.now() - t0 > timeoutMs) throw new Error(`sandbox not ready within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const started: Docker.Container[] = [];
let first: EnsureImagesResult;

beforeAll(async () => {
  // builds whatever is missing (about 2 min on a fresh machine); later runs only inspect
  first = await ensureImages({ docker, log });
}, 30 * 60_000);

afterAll(async () => {
  await Promise.all(started.map((c) => c.remove({ force: true, v: true }).catch(() => undefined)));
});

describe('ensureImages', () => {
  test('returns the sandbox image, present in the engine, and a mirror URL on the bridge network', async () => {
    expect(first.sandboxImage).toBe(SANDBOX_IMAGE);
    expect(SANDBOX_IMAGE).toMatch(/^dockhand\/sandbox:[0-9a-f]{12}$/);
    const info = await docker.getImage(first.sandboxImage).inspect();
    expect(info.Config.Labels?.['dockhand.app']).toBe('dockhand');
    expect(first.mirrorUrl).toMatch(/^http:\/\/\d+\.\d+\.\d+\.\d+:5000$/);
  });

  test('a second call builds and pushes nothing and answers within a second', async () => {
    const progress: string[] = [];
    const t0 = Date.now();
    const again = await ensureImages({ docker, log, onProgress: (l) => progress.push(l) });
    const ms = Date.now() - t0;
    expect(again).toEqual({ sandboxImage: first.sandboxImage, mirrorUrl: first.mirrorUrl, built: [], pushed: [] });
    expect(progress).toEqual([]);
    expect(ms).toBeLessThan(1000);
  });

  test('with an operator mirror it returns that URL and neither needs nor touches the built-in mirror', async () => {
    const r = await ensureImages({ docker, log, registryMirror: 'http://10.9.8.7:5000' });
    expect(r).toEqual({ sandboxImage: SANDBOX_IMAGE, mirrorUrl: 'http://10.9.8.7:5000', built: [], pushed: [] });
  });

  test('the mirror is labelled, published on loopback only, and stores on its named volume', async () => {
    const info = await docker.getContainer(MIRROR_CONTAINER).inspect();
    expect(info.State.Running).toBe(true);
    expect(info.Config.Labels).toMatchObject({ 'dockhand.app': 'dockhand', 'dockhand.role': 'mirror' });
    const bindings = info.HostConfig.PortBindings?.['5000/tcp'] as { HostIp: string }[];
    expect(bindings.map((b) => b.HostIp)).toEqual(['127.0.0.1']);
    expect(info.Mounts.find((m) => m.Destination === '/var/lib/registry')?.Name).toBe(MIRROR_VOLUME);
    const port = info.NetworkSettings.Ports['5000/tcp']?.[0]?.HostPort;
    const catalog = (await (await fetch(`http://127.0.0.1:${port}/v2/_catalog`)).json()) as { repositories: string[] };
    expect(catalog.repositories).toEqual(expect.arrayContaining(['library/debian', 'library/nginx', 'library/hello-world', 'library/registry']));
  });
});

describe('the sandbox image', () => {
  let sandbox: Docker.Container;

  beforeAll(async () => {
    sandbox = await startSandbox(first.mirrorUrl);
    started.push(sandbox);
    await waitReady(sandbox, 30_000);
  }, 60_000);

  test('becomes ready with a nested engine that answers and uses the mirror', async () => {
    const v = await exec(sandbox, ['docker', 'version', '--format', '{{.Server.Version}}']);
    expect(v.exitCode).toBe(0);
    expect(v.output).toMatch(/^20\.10\./);
    const mirrors = await exec(sandbox, ['docker', 'info', '--format', '{{json .RegistryConfig.Mirrors}}']);
    expect(JSON.parse(mirrors.output)).toEqual([`${first.mirrorUrl}/`]);
  });

  test('has the tools the lessons use and a short plain prompt', async () => {
    const r = await exec(sandbox, ['bash', '-c', 'for t in curl git vi nano ip ps less tini iptables; do command -v $t >/dev/null || echo missing $t; done; . /root/.bashrc; echo "$PS1"']);
    expect(r.output.trim()).toBe('sandbox$');
  });

  test('runs hello-world and pulls nginx from the offline mirror, getting the images built on the host', async () => {
    const hello = await exec(sandbox, ['docker', 'run', '--rm', 'hello-world'], 120_000);
    expect(hello.exitCode).toBe(0);
    expect(hello.output).toContain('Hello from Docker!');

    const pull = await exec(sandbox, ['docker', 'pull', 'nginx:latest'], 120_000);
    expect(pull.exitCode).toBe(0);
    // the same image ID as the host's local build proves it came from our mirror, not from Docker Hub
    const nested = await exec(sandbox, ['docker', 'image', 'inspect', '--format', '{{.Id}}', 'nginx:latest']);
    const nginx = LESSON_IMAGES.find((l) => l.id === 'nginx');
    expect(nested.output.trim()).toBe((await docker.getImage(nginx?.localImage ?? '').inspect()).Id);

    const web = await exec(
      sandbox,
      ['sh', '-c', 'docker run -d --rm --name web -p 8080:80 nginx >/dev/null && for i in $(seq 50); do curl -s localhost:8080 && break; sleep 0.1; done'],
      60_000,
    );
    expect(web.output).toContain('Welcome to nginx!');
  }, 240_000);

  test('exits non-zero when its nested dockerd dies', async () => {
    const doomed = await startSandbox(first.mirrorUrl);
    started.push(doomed);
    await waitReady(doomed, 30_000);
    await exec(doomed, ['sh', '-c', 'kill -9 $(pidof dockerd)']);
    const result = (await doomed.wait({ condition: 'not-running' })) as { StatusCode: number };
    expect(result.StatusCode).not.toBe(0);
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

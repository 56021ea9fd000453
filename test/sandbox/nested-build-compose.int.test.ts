import type { SandboxManager } from '../../src/sandbox/lifecycle/sandbox-manager';
import { IMAGES_TIMEOUT_MS, newManager, sandboxImages } from './sandbox-fixture';

// Nested `docker build` FROM lines (BuildKit and the classic builder) and `docker compose up` take the lesson images
// from the host's mirror, with egress blocked and open: the builds and the services work, and the nested engine's
// log shows it never went to Docker Hub for them (a fallback there is what used to cost seconds per pull).
jest.setTimeout(600_000);

const FILES = [
  'mkdir -p /tmp/d /tmp/p /tmp/c',
  `printf 'FROM debian:bookworm-slim\\nRUN echo built > /built\\n' > /tmp/d/Dockerfile`,
  `printf 'FROM python:3.11-slim\\nRUN python3 -c "print(6*7)" > /answer\\n' > /tmp/p/Dockerfile`,
  `printf 'services:\\n  web:\\n    image: nginx:latest\\n  box:\\n    image: busybox:latest\\n    command: sleep 300\\n' > /tmp/c/compose.yaml`,
].join(' && ');

describe.each([
  ['egress blocked', true],
  ['egress open', false],
])('nested builds and compose from the mirror, %s', (_, blockEgress) => {
  let manager: SandboxManager;
  const L = `T1:nested-${blockEgress ? 'blocked' : 'open'}`;
  const run = async (command: string) => {
    const r = await manager.run(L, command, { timeoutMs: 240_000 });
    return { ...r, text: r.output.trim() };
  };

  beforeAll(async () => {
    await sandboxImages();
    ({ manager } = await newManager(blockEgress ? 'nested-blocked' : 'nested-open', { blockEgress, maxSandboxes: 2, commandTimeoutSeconds: 240, commandMaxTimeoutSeconds: 300 }));
    await manager.start();
    expect((await run(FILES)).exitCode).toBe(0);
  }, IMAGES_TIMEOUT_MS);

  afterAll(async () => {
    await manager?.destroyAll();
  });

  it('BuildKit builds FROM debian:bookworm-slim and FROM python:3.11-slim', async () => {
    const d = await run('cd /tmp/d && docker build -q -t mine-debian . && docker run --rm mine-debian cat /built');
    expect(d.exitCode).toBe(0);
    expect(d.text).toMatch(/(^|\n)built$/);
    const p = await run('cd /tmp/p && docker build -q -t mine-python . && docker run --rm mine-python cat /answer');
    expect(p.exitCode).toBe(0);
    expect(p.text).toMatch(/(^|\n)42$/);
  });

  it('the classic builder pulls its FROM through the engine as well', async () => {
    const r = await run('docker rmi -f debian:bookworm-slim >/dev/null 2>&1; cd /tmp/d && DOCKER_BUILDKIT=0 docker build -q --no-cache -t mine-classic . 2>/dev/null && docker run --rm mine-classic cat /built');
    expect(r.exitCode).toBe(0);
    expect(r.text).toMatch(/(^|\n)built$/);
  });

  it('docker compose up -d starts services whose images are stand-ins', async () => {
    const up = await run('cd /tmp/c && docker compose up -d --quiet-pull 2>&1');
    expect(up.exitCode).toBe(0);
    const ps = await run('cd /tmp/c && docker compose ps --services --status running | sort');
    expect(ps.text.split('\n')).toEqual(['box', 'web']);
    const down = await run('cd /tmp/c && docker compose down -t 0 >/dev/null 2>&1; echo down');
    expect(down.text).toBe('down');
  });

  it('none of it went to Docker Hub: every image came from the mirror', async () => {
    // dockerd logs each fallback from the mirror ("Attempting next endpoint", BuildKit's "trying next host").
    const fallbacks = 'grep -c -e registry-1.docker.io -e "trying next host" -e "Attempting next endpoint" /var/log/dockerd.log; true';
    expect((await run(fallbacks)).text).toBe('0');
    // The same count sees a fallback when there is one (a name the mirror lacks), so the zero above means something.
    await run('docker pull nosuchimage; true');
    expect(Number((await run(fallbacks)).text)).toBeGreaterThan(0);
  });
});

import { writeFileSync } from 'node:fs';
import type { MirrorState } from '../../src/images/image-mirror';
import type { SandboxManager } from '../../src/sandbox/lifecycle/sandbox-manager';
import { docker, IMAGES_TIMEOUT_MS, newManager, sandboxImages } from '../sandbox/sandbox-fixture';
import { FAKE_UPSTREAM_PY } from './mirror-proxy-fake-upstream';
import { createUpstreamNetwork, lessonImage, removeTestMirror, startOnUpstream, startTestMirror, testMirrorNames } from './mirror-proxy-fixture';

// What a learner sees when the cache's upstream refuses or fails: one daemon line, in bounded time, and a sandbox
// that still works. The upstream is a fake this test starts (mirror-proxy-fake-upstream.ts), never Docker Hub.
const names = testMirrorNames();
const UPSTREAM = `${names.container.replace(/-ro$/, '')}-fake`;
let mirror: MirrorState;
let manager: SandboxManager;
const L = 'T1:unlucky';
const seen: Record<string, { output: string; ms: number }> = {};

beforeAll(async () => {
  await sandboxImages();
  await createUpstreamNetwork(names);
  const up = await startOnUpstream(names, { name: UPSTREAM, image: lessonImage('python'), entrypoint: ['python3', '-c', FAKE_UPSTREAM_PY] });
  mirror = await startTestMirror(names, { remoteurl: `http://${up.ip}:5000` });
  ({ manager } = await newManager('mproxy-bad', { blockEgress: true, maxSandboxes: 2 }, { mirrorUrl: mirror.mirrorUrl, mirrorContainer: names.container }));
  await manager.start();
  await manager.run(L, 'docker info --format "{{.Name}}"', { timeoutMs: 60_000 });
}, IMAGES_TIMEOUT_MS);

afterAll(async () => {
  if (process.env.MIRROR_PROXY_TEXTS) writeFileSync(process.env.MIRROR_PROXY_TEXTS, JSON.stringify(seen, null, 2));
  await manager?.destroyAll();
  await removeTestMirror(names, [UPSTREAM]);
}, 120_000);

/**
 * Every refusal reaches the learner as the same daemon line: the cache answers "manifest unknown" whatever the
 * upstream said (401, 404, 429), and the nested engine then tries Docker Hub itself, refused inside the sandbox.
 */
const HUB_LINE =
  'Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io on 127.0.0.11:53: write udp 127.0.0.1:PORT->127.0.0.11:53: write: operation not permitted';
const PORTLESS = (s: string) => s.replace(/127\.0\.0\.1:\d+->/g, '127.0.0.1:PORT->');

/** Pulls as the learner; returns the output's lines (ports masked), records how long it took (for the report, never asserted). */
async function pull(label: string, ref: string): Promise<string[]> {
  const t0 = Date.now();
  const r = await manager.run(L, `docker pull ${ref}`, { timeoutMs: 60_000 });
  seen[label] = { output: r.output, ms: Date.now() - t0 };
  expect(r.timedOut).toBe(false);
  expect(r.exitCode).not.toBe(0);
  // the sandbox is still usable: its engine answers and the next command runs
  expect((await manager.run(L, 'docker image ls -q | wc -l && echo usable')).output).toMatch(/^0\nusable$/);
  return PORTLESS(r.output).split('\n');
}

describe('upstream failures through the cache', () => {
  it('a private image (upstream 401)', async () => {
    expect(await pull('private', 'private-app:1')).toEqual([`Error response from daemon: ${HUB_LINE}`]);
  }, 120_000);

  it('an image the upstream does not have (404)', async () => {
    expect(await pull('notfound', 'refused-app:1')).toEqual([`Error response from daemon: ${HUB_LINE}`]);
  }, 120_000);

  it("the upstream's rate limit (429)", async () => {
    expect(await pull('ratelimit', 'limited-app:1')).toEqual([`Error response from daemon: ${HUB_LINE}`]);
  }, 120_000);

  it("answers the sandbox 404 whatever the upstream said: Distribution 2.8's cache drops the upstream's reason", async () => {
    const logs = (await docker.getContainer(names.container).logs({ stdout: true, stderr: true, tail: 400 })).toString('utf8');
    for (const repo of ['private-app', 'refused-app', 'limited-app']) {
      expect(logs).toMatch(new RegExp(`"GET /v2/library/${repo}/manifests/1 HTTP/1.1" 404 `));
    }
    expect(logs).not.toMatch(/TOOMANYREQUESTS|UNAUTHORIZED/);
  });

  it('the upstream gone halfway through a layer: one attempt, then the same line without the prefix', async () => {
    const lines = await pull('halfway', 'halfway-app:1');
    expect(lines[0]).toBe('1: Pulling from library/halfway-app');
    expect(lines.some((l) => /^[0-9a-f]{12}: Downloading /.test(l))).toBe(true);
    expect(lines.at(-1)).toBe(HUB_LINE);
    // one attempt (entrypoint.sh): dockerd's default retried 4 more times, 5 to 20 s apart, for the same end
    expect((await manager.run(L, "grep -c 'Download failed after 1 attempts' /var/log/dockerd.log")).output).toBe('1');
  }, 120_000);

  it('the mirror down', async () => {
    await docker.getContainer(names.container).stop({ t: 0 });
    try {
      expect(await pull('mirrordown', 'hello-world')).toEqual(['Using default tag: latest', `Error response from daemon: ${HUB_LINE}`]);
    } finally {
      await docker.getContainer(names.container).start();
    }
  }, 120_000);
});

import { runOnEngineHost } from '../../../src/sandbox/engine/host-exec';
import { IMAGES_TIMEOUT_MS, docker, logger, sandboxImages } from '../sandbox-fixture';

let image: string;
beforeAll(async () => {
  image = (await sandboxImages()).sandboxImage;
}, IMAGES_TIMEOUT_MS);

/** Helper containers still on the engine that ran this script (other processes run helpers of their own meanwhile). */
const leftOver = async (marker: string) =>
  (await docker.listContainers({ all: true, filters: { label: ['dockhand.role=host-exec'] } })).filter((c) => c.Command.includes(marker)).length;
const marker = () => `marker-${Math.random().toString(36).slice(2)}`;

describe('runOnEngineHost', () => {
  it("runs in the host's network namespace with the capabilities asked for, returns exit code and output, removes its container", async () => {
    const m = marker();
    // a network namespace of its own would list only lo (and eth0); the host's lists docker0
    const r = await runOnEngineHost(docker, { image, script: `: ${m}; ip -o link show docker0 >/dev/null && echo on-host; iptables -S INPUT >/dev/null && echo can-iptables; echo err >&2; exit 3`, capAdd: ['NET_ADMIN'], timeoutMs: 30_000, logger });
    expect(r.exitCode).toBe(3);
    expect(r.output).toContain('on-host');
    expect(r.output).toContain('can-iptables');
    expect(r.output).toContain('err');
    expect(await leftOver(m)).toBe(0);
  });

  it("leaves no anonymous volume behind (the sandbox image declares VOLUME /var/lib/docker)", async () => {
    // the helper's own /var/lib/docker mount names its volume: .../volumes/<name>/_data
    const r = await runOnEngineHost(docker, { image, script: `awk '$5 == "/var/lib/docker" { print $4 }' /proc/self/mountinfo`, timeoutMs: 30_000, logger });
    const volume = /volumes\/([^/]+)\/_data/.exec(r.output)?.[1];
    expect(volume).toBeDefined();
    await expect(docker.getVolume(volume!).inspect()).rejects.toMatchObject({ statusCode: 404 });
  });

  it('without NET_ADMIN iptables is refused (the capability is really what grants it)', async () => {
    const r = await runOnEngineHost(docker, { image, script: 'iptables -S INPUT', timeoutMs: 30_000, logger });
    expect(r.exitCode).not.toBe(0);
  });

  it('a script that outlives its timeout is killed and removed, and the call fails within the bound', async () => {
    const m = marker();
    // Rejected by the 3 s bound (the script would sleep 60 s, past this test's timeout).
    await expect(runOnEngineHost(docker, { image, script: `echo ${m}; sleep 60`, timeoutMs: 3000, logger })).rejects.toMatchObject({ code: 'HOST_EXEC_FAILED' });
    expect(await leftOver(m)).toBe(0);
  });
});

import Docker from 'dockerode';
import { decodeSlackText } from '../../src/slack/render/slack-text';
import { LearnerDriver } from '../support/learner-driver';
import { startTestBot, uniqueId, type TestBot } from '../support/start-test-bot';
import { startTlsEngine, type TlsEngine } from '../support/tls-engine';

/**
 * Issue 10, part 7: DOCKER_HOST puts every sandbox on another engine, reached over TCP with mutual TLS. The
 * second engine runs on this machine in its own network namespace (test/support/tls-engine.ts). A learner's
 * command runs there end to end through the Slack stand-in; the bot's own engine holds none of its sandboxes;
 * the disk cap and the read-only mirror work on the remote engine; the TLS keys never reach the sandbox.
 */
const say = (c: { args: { text?: unknown; blocks?: unknown } }) => decodeSlackText(`${String(c.args.text)}\n${LearnerDriver.blocksText(c as never)}`);
const INSTANCE = uniqueId('remote').toLowerCase();

describe('sandboxes on a separate engine over TLS', () => {
  let engine: TlsEngine;
  let t: TestBot;
  beforeAll(async () => {
    engine = await startTlsEngine();
    t = await startTestBot({ env: { ...engine.env, SANDBOX_INSTANCE: INSTANCE, SANDBOX_DISK_MB: '600', SANDBOX_PROFILE: 'userns' } });
  }, 600_000);
  afterAll(async () => {
    await t?.stop();
    await engine?.stop();
  }, 120_000);

  it('a learner\'s command runs in a sandbox on the remote engine, with its nested engine and the mirror', async () => {
    const a = new LearnerDriver(t, uniqueId('U'));
    const r = await a.run('echo remote-ok && docker run --rm hello-world | grep -m1 Hello && echo disk=$(df -m --output=size /var/lib/docker | tail -1 | tr -d " ")', 240_000);
    const text = say(r.final);
    expect(text).toContain('remote-ok');
    expect(text).toContain('Hello from Docker!');
    expect(text).toMatch(/: exit 0/);
    // the capped disk (600 MiB) is set up on the remote engine's host
    const size = Number(/disk=(\d+)/.exec(text)?.[1]);
    expect(size).toBeGreaterThan(400);
    expect(size).toBeLessThanOrEqual(600);

    // a check runs on the remote engine too: its inspector reaches the nested engine by the locked socket and
    // the sandbox through its link, both set up by helpers of that engine
    const key = `${t.teamId}:${a.user}`;
    const seen = await t.bot.sandboxes.checkScript(key, 'docker image ls -q hello-world | wc -l; stat -c %u /dockhand-engine; cat /sys/class/net/dh-check0/operstate');
    expect(seen.output).toBe('1\n65534\nup\n');

    const label = { label: [`dockhand.instance=${INSTANCE}`, 'dockhand.role=learner'] };
    const remote = await engine.docker.listContainers({ filters: label });
    expect(remote).toHaveLength(1);
    expect(await new Docker().listContainers({ all: true, filters: label })).toEqual([]);

    // nothing of the bot's TLS material is handed to the sandbox
    const info = await engine.docker.getContainer(remote[0]!.Id).inspect();
    const env = (info.Config.Env ?? []).join('\n');
    expect(env).not.toMatch(/DOCKER_CERT_PATH|DOCKER_TLS|BEGIN (RSA |EC )?PRIVATE KEY/);
    expect(JSON.stringify(info.HostConfig.Binds ?? [])).not.toContain(engine.env.DOCKER_CERT_PATH);
  }, 300_000);
});

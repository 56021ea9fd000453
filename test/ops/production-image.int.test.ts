import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { SlackStandIn } from '../../src/slack/stand-in/slack-stand-in';
import { LearnerDriver } from '../support/learner-driver';
import { IMAGE, ROOT, docker, run, until } from './ops-helpers';
import { newManager } from '../sandbox/sandbox-fixture';
import { testProfileEnv, uniqueId, type TestBot } from '../support/start-test-bot';
import { freePort } from '../../src/store/embedded-postgres';

/**
 * The production image, as an operator runs it: built offline here (scripts/build-image.sh: the project's
 * Debian base, Node 24 from the npm registry), started as a container with the engine's socket, talking to
 * a Slack stand-in and the test Postgres on this machine (host network: the bot reaches both and the
 * built-in mirror's push port on 127.0.0.1). It must start, connect, run a learner's command in a real
 * sandbox, answer /healthz and /readyz, turn healthy for Docker, and stop cleanly on SIGTERM. The release
 * it is: tagged with package.json's version and `latest` (under a repository of this run's own, so a shared
 * engine's `dockhand:latest` is left alone), OCI labels naming that version and commit, and the same two in
 * `dockhand_build_info`.
 */
describe('the production image', () => {
  const standIn = new SlackStandIn({ teamId: uniqueId('T') });
  const name = `dockhand-smoke-${uniqueId('').toLowerCase()}`;
  const instance = uniqueId('img').toLowerCase();
  let metricsPort = 0;
  let logs = '';
  const { version, name: title, description, license } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as Record<string, string>;
  const repo = `dockhand-test/release-${instance}`;
  const versionTag = `${repo}:${version}`;
  let commit = '';

  beforeAll(async () => {
    const t0 = Date.now();
    // a source URL with credentials in it, as a cloned remote may have: the label must not carry them
    const source = 'https://ci-user:s3cret-token@git.example.invalid/dockhand.git';
    const build = await run('bash', ['scripts/build-image.sh'], { env: { ...process.env, DOCKHAND_IMAGE: IMAGE, DOCKHAND_IMAGE_REPO: repo, DOCKHAND_SOURCE_URL: source }, timeoutMs: 25 * 60_000 });
    if (build.code !== 0) throw new Error(`image build failed:\n${build.output.slice(-4000)}`);
    commit = (await run('git', ['rev-parse', '--short=12', 'HEAD'], { timeoutMs: 30_000 })).output.trim();
    process.stderr.write(`[image] ${build.output.trim().split('\n').pop()} (test saw ${Math.round((Date.now() - t0) / 1000)} s)\n`);

    const apiUrl = await standIn.start();
    metricsPort = await freePort();
    const socketGid = String(statSync('/var/run/docker.sock').gid);
    const env = {
      SLACK_BOT_TOKEN: standIn.botToken,
      SLACK_APP_TOKEN: standIn.appToken,
      SLACK_API_URL: apiUrl,
      DATABASE_URL: process.env.DATABASE_URL!,
      METRICS_PORT: String(metricsPort),
      METRICS_HOST: '127.0.0.1',
      ...testProfileEnv(),
      SANDBOX_INSTANCE: instance,
      LOG_LEVEL: 'info',
    };
    const envArgs = Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    // The name and labels let a failed run's container be found and removed.
    await docker('run', '-d', '--name', name, '--label', 'dockhand.app=dockhand', '--label', 'dockhand.role=bot-smoke', '--network', 'host', '--userns', 'host', '--group-add', socketGid, '-v', '/var/run/docker.sock:/var/run/docker.sock', ...envArgs, versionTag);
  }, 30 * 60_000);

  afterAll(async () => {
    logs = await docker('logs', '--tail', '40', name).catch(() => '');
    await docker('rm', '-f', name).catch(() => undefined);
    // only this run's tags go (IMAGE keeps the image for the compose test)
    await docker('image', 'rm', versionTag, `${repo}:latest`).catch(() => undefined);
    const { manager } = await newManager('image', {}, { instance });
    await manager.destroyAll();
    await standIn.stop();
  }, 120_000);

  it('is tagged with the version and latest, with OCI labels naming that version, commit, time and source', async () => {
    const id = await docker('image', 'inspect', versionTag, '--format', '{{.Id}}');
    expect(await docker('image', 'inspect', `${repo}:latest`, '--format', '{{.Id}}')).toBe(id);
    expect(await docker('image', 'inspect', IMAGE, '--format', '{{.Id}}')).toBe(id);
    const labels = JSON.parse(await docker('image', 'inspect', versionTag, '--format', '{{json .Config.Labels}}')) as Record<string, string>;
    const oci = Object.fromEntries(Object.entries(labels).filter(([k]) => k.startsWith('org.opencontainers.image.')).map(([k, v]) => [k.slice('org.opencontainers.image.'.length), v]));
    expect(commit).toMatch(/^[0-9a-f]{12}$/);
    expect(oci).toEqual({
      title,
      description,
      licenses: license,
      version,
      revision: commit,
      created: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      source: 'https://git.example.invalid/dockhand.git',
    });
    expect(JSON.stringify(labels)).not.toContain('s3cret');
  });

  it('runs as a non-root user with a HEALTHCHECK, starts, answers /healthz, connects to Slack and is ready', async () => {
    const user = await docker('image', 'inspect', IMAGE, '--format', '{{.Config.User}}');
    expect(user).toBe('dockhand');
    expect(await docker('image', 'inspect', IMAGE, '--format', '{{json .Config.Healthcheck.Test}}')).toContain('scripts/healthcheck.js');

    const t0 = Date.now();
    await until('/healthz', 120_000, async () => ((await fetch(`http://127.0.0.1:${metricsPort}/healthz`)).ok ? true : undefined));
    await standIn.waitForConnection(240_000);
    const ready = await until('/readyz 200', 240_000, async () => {
      const res = await fetch(`http://127.0.0.1:${metricsPort}/readyz`);
      return res.status === 200 ? ((await res.json()) as { parts: unknown }) : undefined;
    });
    process.stderr.write(`[image] container ready ${Math.round((Date.now() - t0) / 1000)} s after /healthz polling began\n`);
    expect(ready.parts).toEqual({ database: { ok: true }, docker: { ok: true }, slack: { ok: true } });
  }, 600_000);

  it("runs a learner's command in a sandbox, through the stand-in", async () => {
    const learner = new LearnerDriver({ standIn } as unknown as TestBot, uniqueId('U'));
    const { final } = await learner.run('echo smoke-$((6*7)) && id -u', 180_000);
    expect(String(final.args.text)).toContain('exit 0');
    expect(JSON.stringify(final.args)).toContain('smoke-42');
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(metrics).toMatch(/^dockhand_command_duration_seconds_count\{outcome="ok"\} 1$/m);
    // which build runs: package.json's version and the commit scripts/build-image.sh built from
    expect(metrics).toContain(`dockhand_build_info{version="${version}",commit="${commit}"} 1\n`);
    expect(metrics).toMatch(/^process_resident_memory_bytes \d+/m);
  }, 300_000);

  it("turns healthy for Docker's HEALTHCHECK, and a SIGTERM (docker stop) ends the bot cleanly with exit 0", async () => {
    const health = await until('Docker health status healthy', 120_000, async () => ((await docker('inspect', name, '--format', '{{.State.Health.Status}}')) === 'healthy' ? 'healthy' : undefined));
    expect(health).toBe('healthy');
    await docker('stop', '-t', '30', name);
    expect(await docker('inspect', name, '--format', '{{.State.ExitCode}}')).toBe('0');
    expect(await docker('logs', name)).toContain('bot stopped');
  }, 300_000);

  afterAll(() => {
    if (logs) process.stderr.write(`[image] last container log lines:\n${logs}\n`);
  });
});

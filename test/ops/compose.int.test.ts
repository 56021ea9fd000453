import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readConfig } from '../../src/config';
import { SlackStandIn } from '../../src/slack/stand-in/slack-stand-in';
import { freePort } from '../../src/store/embedded-postgres';
import { newManager } from '../sandbox/sandbox-fixture';
import { LearnerDriver } from '../support/learner-driver';
import { POSTGRES_IMAGE, postgresWithFileSecrets } from './compose-support';
import { IMAGE, docker, leftovers, run, until } from './ops-helpers';
import { testProfileEnv, uniqueId, type TestBot } from '../support/start-test-bot';

/**
 * compose.yaml as an operator runs it on a host that refuses privileged containers: with the single-engine
 * override (compose.host-engine.yaml), so the `db` service and the `bot` service (the production image) run,
 * and the bot drives this host's engine through its socket. The Slack stand-in runs in this process; the bot
 * uses the host's network, so it reaches it on 127.0.0.1. A unique project name and a temp env file keep the
 * run apart from anything else on the engine.
 */
describe('docker compose (compose.yaml + compose.host-engine.yaml)', () => {
  const standIn = new SlackStandIn({ teamId: uniqueId('T') });
  const project = `dockhand-compose-${uniqueId('').toLowerCase()}`;
  const instance = uniqueId('cmp').toLowerCase();
  const learner = new LearnerDriver({ standIn } as unknown as TestBot, uniqueId('U'));
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dockhand-compose-'));
  const envFile = path.join(dir, 'compose.env');
  // compose secrets, as compose.yaml's header tells an operator to make them: 700 folder, 644 files, unused ones empty
  const secretsDir = path.join(dir, 'secrets');
  const secrets: Record<string, string> = {};
  let metricsPort = 0;
  let downDone = false;
  let postgresImage = '';

  const compose = (args: string[], timeoutMs: number) =>
    run('docker', ['compose', '-p', project, '--env-file', envFile, '-f', 'compose.yaml', '-f', 'compose.host-engine.yaml', ...args], { env: { ...process.env, DOCKHAND_ENV_FILE: envFile }, timeoutMs });
  const mustCompose = async (args: string[], timeoutMs: number) => {
    const r = await compose(args, timeoutMs);
    if (r.code !== 0) throw new Error(`docker compose ${args.join(' ')} failed (${r.code}):\n${r.output.slice(-3000)}`);
    return r.output;
  };
  /** One SQL query in the compose `db` (psql in the db container), rows as `a|b` lines. */
  const sql = async (query: string) => (await mustCompose(['exec', '-T', 'db', 'psql', '-U', 'dockhand', '-d', 'dockhand', '-At', '-c', query], 60_000)).trim();
  const readyz = async () => {
    const res = await fetch(`http://127.0.0.1:${metricsPort}/readyz`, { signal: AbortSignal.timeout(5000) });
    return res.status === 200 ? ((await res.json()) as { parts: unknown }) : undefined;
  };
  const learnerRow = `"teamId" = '${standIn.teamId}' and "userId" = '${learner.user}'`;

  beforeAll(async () => {
    // CI installs the Compose v2 plugin (.ci/run); a machine without it must fail here, not skip.
    const version = await run('docker', ['compose', 'version'], { timeoutMs: 30_000 });
    if (version.code !== 0) throw new Error(`this test needs Docker Compose v2 ("docker compose"), which is not installed: .ci/run installs it into /usr/local/lib/docker/cli-plugins.\n${version.output}`);
    if (!POSTGRES_IMAGE) throw new Error('no `postgres` lesson image in LESSON_IMAGES (src/images/image-catalog.ts): the compose db has no image offline');
    await docker('image', 'inspect', POSTGRES_IMAGE).catch(() => {
      throw new Error(`${POSTGRES_IMAGE} is missing (the integration global set-up builds the lesson images)`);
    });
    postgresImage = process.env.DOCKHAND_POSTGRES_IMAGE ? POSTGRES_IMAGE : await postgresWithFileSecrets(POSTGRES_IMAGE, path.join(dir, 'postgres'), `dockhand-test/compose-postgres:${project}`);
    const build = await run('bash', ['scripts/build-image.sh'], { env: { ...process.env, DOCKHAND_IMAGE: IMAGE }, timeoutMs: 25 * 60_000 });
    if (build.code !== 0) throw new Error(`image build failed:\n${build.output.slice(-4000)}`);

    const apiUrl = await standIn.start();
    metricsPort = await freePort();
    Object.assign(secrets, {
      postgres_password: `${uniqueId('pw')}\n`,
      slack_bot_token: `${standIn.botToken}\n`,
      slack_app_token: standIn.appToken,
      slack_signing_secret: '',
      slack_client_secret: '',
      slack_state_secret: '',
      slack_token_key: '',
    });
    mkdirSync(secretsDir, { mode: 0o700 });
    for (const [name, value] of Object.entries(secrets)) writeFileSync(path.join(secretsDir, name), value, { mode: 0o644 });
    const env = {
      DOCKHAND_SECRETS_DIR: secretsDir,
      DOCKHAND_IMAGE: IMAGE,
      DOCKHAND_POSTGRES_IMAGE: postgresImage,
      DOCKER_SOCKET_GID: String(statSync('/var/run/docker.sock').gid),
      DOCKHAND_DB_PORT: String(await freePort()),
      DOCKHAND_METRICS_PORT: String(metricsPort),
      DOCKHAND_HTTP_PORT: String(await freePort()),
      DOCKHAND_INSTALL_PORT: String(await freePort()),
      SLACK_API_URL: apiUrl,
      ...testProfileEnv(),
      SANDBOX_INSTANCE: instance,
      SANDBOX_MAX_COUNT: '2',
      // No loop-mounted disk image: the test removes the sandboxes itself at the end (a disk is released by the bot only).
      SANDBOX_DISK_MB: '0',
      LOG_LEVEL: 'info',
    };
    writeFileSync(envFile, Object.entries(env).map(([k, v]) => `${k}=${v}\n`).join(''), { mode: 0o600 });
  }, 30 * 60_000);

  afterAll(async () => {
    if (!downDone) {
      const logs = await compose(['logs', '--no-color', '--tail', '60', 'bot'], 60_000);
      process.stderr.write(`[compose] last bot log lines:\n${logs.output}\n`);
      await compose(['down', '-v', '--timeout', '30'], 180_000);
    }
    const { manager } = await newManager('compose', {}, { instance });
    await manager.destroyAll();
    await standIn.stop();
    if (postgresImage && postgresImage !== POSTGRES_IMAGE) await docker('rmi', postgresImage).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }, 300_000);

  it('compose.yaml alone (the two-engine topology, which cannot run here) is a valid model publishing every port of the bot', async () => {
    const r = await run('docker', ['compose', '-p', project, '--env-file', envFile, '-f', 'compose.yaml', 'config', '--format', 'json'], { env: { ...process.env, DOCKHAND_ENV_FILE: envFile }, timeoutMs: 60_000 });
    expect(r.code).toBe(0);
    type Service = {
      privileged?: boolean;
      network_mode?: string;
      ports?: { target: number }[];
      environment?: Record<string, string>;
      secrets?: { source: string; target: string }[];
      logging?: { driver: string; options: Record<string, string> };
      deploy?: { resources?: { limits?: { cpus?: number | string; memory?: string } } };
      stop_grace_period?: string;
    };
    const model = JSON.parse(r.output) as { services: Record<string, Service>; secrets: Record<string, { file: string }> };
    expect(model.services.engine!.privileged).toBe(true);
    expect(model.services.bot!.network_mode).toBe('service:engine');
    expect(model.services.bot!.environment).toMatchObject({ PORT: '3000', SLACK_INSTALL_PORT: '3001', METRICS_PORT: '9464', DOCKER_HOST: 'tcp://127.0.0.1:2375' });
    // The bot lives in the engine's network namespace, so the engine publishes the bot's ports.
    expect(model.services.engine!.ports!.map((p) => p.target).sort()).toEqual([3000, 3001, 9464]);

    // Secrets are files under /run/secrets read through *_FILE, never values in the bot's or the db's environment.
    const bot = model.services.bot!;
    const secretVars = Object.keys(bot.environment!).filter((k) => k.endsWith('_FILE'));
    expect(secretVars.sort()).toEqual(
      ['DATABASE_PASSWORD_FILE', 'SLACK_APP_TOKEN_FILE', 'SLACK_BOT_TOKEN_FILE', 'SLACK_CLIENT_SECRET_FILE', 'SLACK_SIGNING_SECRET_FILE', 'SLACK_STATE_SECRET_FILE', 'SLACK_TOKEN_KEY_FILE'].sort(),
    );
    for (const v of secretVars) expect(bot.secrets!.map((x) => x.target)).toContain(bot.environment![v]);
    expect(bot.environment!.DATABASE_URL).toBe('postgresql://dockhand@db:5432/dockhand');
    expect(model.services.db!.environment).toEqual({ POSTGRES_USER: 'dockhand', POSTGRES_DB: 'dockhand', POSTGRES_PASSWORD_FILE: '/run/secrets/postgres_password' });
    expect(Object.values(model.secrets).map((x) => path.dirname(x.file))).toEqual(Object.keys(secrets).map(() => secretsDir));
    // Rotated logs everywhere; the bot and the db have memory and CPU limits; SHUTDOWN_DEADLINE_MS's default (25 s) fits the grace.
    for (const name of ['engine', 'db', 'bot']) expect(model.services[name]!.logging).toEqual({ driver: 'json-file', options: { 'max-size': '10m', 'max-file': '5' } });
    for (const name of ['db', 'bot']) expect(model.services[name]!.deploy!.resources!.limits).toEqual({ cpus: 1, memory: expect.stringMatching(/^\d+$/) });
    expect(model.services.bot!.stop_grace_period).toBe('30s');
    expect(readConfig({}).shutdownDeadlineMs).toBeLessThan(30_000);
  }, 120_000);

  it('starts db and bot (no engine service) with --wait; the bot answers /readyz 200 on its metrics port', async () => {
    const t0 = Date.now();
    const up = await compose(['up', '-d', '--wait', '--wait-timeout', '420', '--no-build', '--pull', 'never'], 480_000);
    // When the bot never gets healthy, its own log says why (the compose output only says "unhealthy").
    if (up.code !== 0) throw new Error(`docker compose up failed (${up.code}):\n${up.output.slice(-2000)}\nthe bot's log:\n${(await compose(['logs', '--no-color', '--tail', '60', 'bot'], 60_000)).output}`);
    process.stderr.write(`[compose] up --wait returned after ${Math.round((Date.now() - t0) / 1000)} s\n`);
    const services = (await mustCompose(['ps', '--format', '{{.Service}} {{.State}}'], 60_000)).trim().split('\n').sort();
    expect(services).toEqual(['bot running', 'db running']);
    const ready = await until('/readyz 200', 300_000, readyz);
    expect(ready.parts).toEqual({ database: { ok: true }, docker: { ok: true }, slack: { ok: true } });
  }, 600_000);

  it('the bot got its tokens and the database password from compose secrets: none is in `docker inspect`', async () => {
    const [bot, db] = [(await mustCompose(['ps', '-q', 'bot'], 60_000)).trim(), (await mustCompose(['ps', '-q', 'db'], 60_000)).trim()];
    const inspected = await docker('inspect', bot, db);
    for (const value of Object.values(secrets).map((v) => v.trim()).filter(Boolean)) expect(inspected).not.toContain(value);
    expect(await docker('inspect', bot, '--format', '{{.HostConfig.LogConfig.Type}} {{.HostConfig.LogConfig.Config}} {{.HostConfig.Memory}} {{.HostConfig.NanoCpus}}')).toBe(
      'json-file map[max-file:5 max-size:10m] 2147483648 1000000000',
    );
    // BOT_NICE's default, refused (the bot is not root there, and compose's nice limit is left commented): one line
    // saying how to allow it, and the bot runs on at normal priority
    expect((await compose(['logs', '--no-color', 'bot'], 60_000)).output).toMatch(/BOT_NICE=-10 not applied \(EACCES\)/);
    expect(await docker('top', bot, '-eo', 'pid,ni,args')).toMatch(/^\s*\d+\s+0\s+node\b/m);
  }, 120_000);

  it("runs a learner's DM command in a sandbox and records the learner's progress in the compose db", async () => {
    const since = learner.mark;
    await learner.say('start running-containers');
    await learner.waitForPost(/./, since, 120_000);
    const { final } = await learner.run('echo compose-$((6*7)) | tee /root/marker', 240_000);
    expect(String(final.args.text)).toContain('exit 0');
    expect(JSON.stringify(final.args)).toContain('compose-42');

    // The rows are in the compose `db` service (the bot has DATABASE_URL, so no embedded PostgreSQL).
    expect(await sql(`select "activeLessonId" from "Learner" where ${learnerRow}`)).toBe('running-containers');
    expect(await sql(`select count(*) from "LessonProgress" p join "Learner" l on l.id = p."learnerId" where ${learnerRow}`)).toBe('1');
    expect(await sql(`select "exitCode" from "CommandRun" r join "Learner" l on l.id = r."learnerId" where ${learnerRow} and command like 'echo compose-%'`)).toBe('0');
    const sandbox = await sql(`select "containerId" from "Sandbox" s join "Learner" l on l.id = s."learnerId" where ${learnerRow} and state = 'ready'`);
    expect(sandbox).toMatch(/^[0-9a-f]{64}$/);
    expect(await docker('inspect', sandbox, '--format', '{{index .Config.Labels "dockhand.instance"}}')).toBe(instance);
  }, 600_000);

  it("`docker compose restart bot` keeps the learner's progress and adopts the running sandbox", async () => {
    const before = await sql(`select s."containerId", p.id from "Sandbox" s join "Learner" l on l.id = s."learnerId" join "LessonProgress" p on p."learnerId" = l.id where ${learnerRow} and s.state = 'ready'`);
    const startedAt = await docker('inspect', before.split('|')[0]!, '--format', '{{.State.StartedAt}}');
    await mustCompose(['restart', '--timeout', '30', 'bot'], 180_000);
    await until('/readyz 200 after the restart', 300_000, readyz);

    // The same sandbox, never restarted, still has the file written before; the progress row is the same one.
    const { final } = await learner.run('cat /root/marker', 240_000);
    expect(JSON.stringify(final.args)).toContain('compose-42');
    expect(await sql(`select s."containerId", p.id from "Sandbox" s join "Learner" l on l.id = s."learnerId" join "LessonProgress" p on p."learnerId" = l.id where ${learnerRow} and s.state = 'ready'`)).toBe(before);
    expect(await docker('inspect', before.split('|')[0]!, '--format', '{{.State.StartedAt}}')).toBe(startedAt);
    expect(await sql(`select "activeLessonId" from "Learner" where ${learnerRow}`)).toBe('running-containers');
  }, 600_000);

  it('`down -v` removes the project; with the sandboxes the bot started, nothing of the run is left', async () => {
    await mustCompose(['down', '-v', '--timeout', '30'], 180_000);
    downDone = true;
    const left = leftovers;
    const none = { containers: '', volumes: '', networks: '' };
    expect(await left(`label=com.docker.compose.project=${project}`)).toEqual(none);
    // Sandboxes outlive the bot on purpose (a restart adopts them): removing them is the operator's step.
    const { manager } = await newManager('compose', {}, { instance });
    await manager.destroyAll();
    expect(await left(`label=dockhand.instance=${instance}`)).toEqual(none);
  }, 400_000);
});

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { ensureEngineImage, SANDBOX_IMAGE } from '../../src/images';
import { SlackStandIn } from '../../src/slack/stand-in/slack-stand-in';
import { freePort } from '../../src/store/embedded-postgres';
import { LearnerDriver } from '../support/learner-driver';
import { uniqueId, type TestBot } from '../support/start-test-bot';
import { POSTGRES_IMAGE, postgresWithFileSecrets } from './compose-support';
import { IMAGE, docker, leftovers, run, until } from './ops-helpers';

/**
 * compose.yaml's recommended topology: the bot, `db`, and the separate sandbox `engine`, so the sandboxes nest
 * three deep (this host's engine -> the engine container -> sandboxes -> learners' containers). Offline the engine
 * is the locally built dockhand/engine image (DOCKHAND_ENGINE_IMAGE; `docker:27-dind` cannot be pulled here), and
 * this machine refuses `privileged: true` ("unable to apply caps", docs/platform-facts.md), so the test adds
 * compose.engine-test-host.yaml: the same powers minus CAP_SYS_RESOURCE. Everything else is compose.yaml as an
 * operator runs it. The engine starts first and gets the sandbox image loaded (an offline engine pulls nothing),
 * then the rest starts; the bot reaches the Slack stand-in on this host's address.
 */
const OVERRIDE = 'test/ops/compose.engine-test-host.yaml';
// No lesson images or built-in mirror in the engine: loading them would triple the test's time, and nothing here
// pulls. An address nothing listens on (the sandbox's own loopback), so a pull fails at once instead of leaving.
const NO_MIRROR = 'http://127.0.0.1:9';

/** This host's address on its default route: reachable from the engine's network namespace whatever its networks. */
function hostAddress(): string {
  const route = readFileSync('/proc/net/route', 'utf8').split('\n').map((l) => l.trim().split(/\s+/)).find((f) => f[1] === '00000000');
  const address = route && os.networkInterfaces()[route[0]!]?.find((a) => a.family === 'IPv4' && !a.internal)?.address;
  if (!address) throw new Error('this host has no IPv4 default route: the bot in the engine service could not reach the Slack stand-in');
  return address;
}

describe('docker compose (compose.yaml: the separate sandbox engine)', () => {
  const standIn = new SlackStandIn({ teamId: uniqueId('T') });
  const project = `dockhand-sep-${uniqueId('').toLowerCase()}`;
  const instance = uniqueId('sep').toLowerCase();
  const learner = new LearnerDriver({ standIn } as unknown as TestBot, uniqueId('U'));
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dockhand-compose-sep-'));
  const envFile = path.join(dir, 'compose.env');
  const secretsDir = path.join(dir, 'secrets');
  let metricsPort = 0;
  let upDone = false;
  let downDone = false;
  let postgresImage = '';
  let engineImage = '';
  const env: Record<string, string> = {};
  const writeEnv = () => writeFileSync(envFile, Object.entries(env).map(([k, v]) => `${k}=${v}\n`).join(''), { mode: 0o600 });

  const compose = (args: string[], timeoutMs: number) =>
    run('docker', ['compose', '-p', project, '--env-file', envFile, '-f', 'compose.yaml', '-f', OVERRIDE, ...args], { env: { ...process.env, DOCKHAND_ENV_FILE: envFile }, timeoutMs });
  const mustCompose = async (args: string[], timeoutMs: number) => {
    const r = await compose(args, timeoutMs);
    if (r.code !== 0) throw new Error(`docker compose ${args.join(' ')} failed (${r.code}):\n${r.output.slice(-3000)}`);
    return r.output;
  };
  /** The docker CLI of the engine service (its own engine, not this host's). */
  const engine = async (...args: string[]) => (await mustCompose(['exec', '-T', 'engine', 'docker', ...args], 120_000)).trim();
  /** A shell in the engine's network namespace, which the bot shares. */
  const inEngineNetns = async (script: string) => (await compose(['exec', '-T', 'engine', 'bash', '-c', script], 60_000)).output.trim();
  const sql = async (query: string) => (await mustCompose(['exec', '-T', 'db', 'psql', '-U', 'dockhand', '-d', 'dockhand', '-At', '-c', query], 60_000)).trim();
  const readyz = async () => {
    const res = await fetch(`http://127.0.0.1:${metricsPort}/readyz`, { signal: AbortSignal.timeout(5000) });
    return res.status === 200 ? ((await res.json()) as { parts: unknown }) : undefined;
  };
  const containerOf = async (service: string) => (await mustCompose(['ps', '-q', service], 60_000)).trim();
  const learnerRow = `"teamId" = '${standIn.teamId}' and "userId" = '${learner.user}'`;
  const sandboxRow = () => sql(`select s."containerId", p.id from "Sandbox" s join "Learner" l on l.id = s."learnerId" join "LessonProgress" p on p."learnerId" = l.id where ${learnerRow} and s.state = 'ready'`);
  const upAll = async (what: string) => {
    const t0 = Date.now();
    // A bot that cannot start says why in its log (e.g. the sandbox profile probe): the failure quotes it.
    const botSays = async () => (await compose(['logs', '--no-color', '--tail', '200', 'bot'], 60_000)).output.split('\n').filter((l) => !l.includes('"level":30')).slice(-12).join('\n');
    const up = await compose(['up', '-d', '--wait', '--wait-timeout', '420', '--no-build', '--pull', 'never'], 480_000);
    if (up.code !== 0) throw new Error(`docker compose up (${what}) failed (${up.code}):\n${up.output.slice(-1500)}\nthe bot's log:\n${await botSays()}`);
    process.stderr.write(`[compose-sep] ${what}: ${up.output.split('\n').filter((l) => /Recreat|Creat|Start(ing|ed)$/.test(l)).join('; ')}\n`);
    try {
      await until(`/readyz 200 (${what})`, 300_000, readyz);
    } catch (err) {
      throw new Error(`${(err as Error).message}; the bot's log:\n${await botSays()}`, { cause: err });
    }
    process.stderr.write(`[compose-sep] ${what}: up and ready after ${Math.round((Date.now() - t0) / 1000)} s\n`);
  };

  beforeAll(async () => {
    const t0 = Date.now();
    const version = await run('docker', ['compose', 'version'], { timeoutMs: 30_000 });
    if (version.code !== 0) throw new Error(`this test needs Docker Compose v2 ("docker compose"), which is not installed: .ci/run installs it into /usr/local/lib/docker/cli-plugins.\n${version.output}`);
    if (!POSTGRES_IMAGE) throw new Error('no `postgres` lesson image in LESSON_IMAGES (src/images/image-catalog.ts): the compose db has no image offline');
    for (const image of [POSTGRES_IMAGE, SANDBOX_IMAGE]) {
      await docker('image', 'inspect', image).catch(() => {
        throw new Error(`${image} is missing (the integration global set-up builds the sandbox and lesson images)`);
      });
    }
    postgresImage = process.env.DOCKHAND_POSTGRES_IMAGE ? POSTGRES_IMAGE : await postgresWithFileSecrets(POSTGRES_IMAGE, path.join(dir, 'postgres'), `dockhand-test/compose-postgres:${project}`);
    engineImage = await ensureEngineImage(new Docker());
    const build = await run('bash', ['scripts/build-image.sh'], { env: { ...process.env, DOCKHAND_IMAGE: IMAGE }, timeoutMs: 25 * 60_000 });
    if (build.code !== 0) throw new Error(`image build failed:\n${build.output.slice(-4000)}`);

    metricsPort = await freePort();
    mkdirSync(secretsDir, { mode: 0o700 });
    const secrets = { postgres_password: `${uniqueId('pw')}\n`, slack_bot_token: `${standIn.botToken}\n`, slack_app_token: standIn.appToken };
    for (const name of ['postgres_password', 'slack_bot_token', 'slack_app_token', 'slack_signing_secret', 'slack_client_secret', 'slack_state_secret', 'slack_token_key']) {
      writeFileSync(path.join(secretsDir, name), secrets[name as keyof typeof secrets] ?? '', { mode: 0o644 });
    }
    Object.assign(env, {
      DOCKHAND_SECRETS_DIR: secretsDir,
      DOCKHAND_IMAGE: IMAGE,
      DOCKHAND_POSTGRES_IMAGE: postgresImage,
      DOCKHAND_ENGINE_IMAGE: engineImage,
      DOCKHAND_METRICS_PORT: String(metricsPort),
      DOCKHAND_HTTP_PORT: String(await freePort()),
      DOCKHAND_INSTALL_PORT: String(await freePort()),
      SANDBOX_PROFILE: 'userns', // the engine service runs --userns-remap=default, as compose.yaml has it
      SANDBOX_INSTANCE: instance,
      SANDBOX_MAX_COUNT: '2',
      SANDBOX_DISK_MB: '0', // a loop-mounted disk needs the engine host's devices, which the engine container has not
      SANDBOX_REGISTRY_MIRROR: NO_MIRROR,
      LOG_LEVEL: 'info',
    });
    writeEnv();

    // The engine first, with the sandbox image loaded into it (what docs/operating.md tells an offline operator).
    await mustCompose(['up', '-d', '--wait', '--wait-timeout', '300', '--no-build', '--pull', 'never', 'engine'], 360_000);
    upDone = true;
    const t1 = Date.now();
    const load = await run('bash', ['-c', `set -o pipefail; docker save ${SANDBOX_IMAGE} | docker compose -p ${project} --env-file ${envFile} -f compose.yaml -f ${OVERRIDE} exec -T engine docker load -q`], {
      env: { ...process.env, DOCKHAND_ENV_FILE: envFile },
      timeoutMs: 15 * 60_000,
    });
    if (load.code !== 0) throw new Error(`loading ${SANDBOX_IMAGE} into the engine service failed:\n${load.output.slice(-3000)}`);
    process.stderr.write(`[compose-sep] sandbox image loaded into the engine in ${Math.round((Date.now() - t1) / 1000)} s\n`);

    // The bot reaches this process on this host's own address (127.0.0.1 is the bot's own loopback there).
    env.SLACK_API_URL = await standIn.start(0, hostAddress());
    writeEnv();
    process.stderr.write(`[compose-sep] set-up done in ${Math.round((Date.now() - t0) / 1000)} s\n`);
  }, 40 * 60_000);

  afterAll(async () => {
    if (upDone && !downDone) {
      const logs = await compose(['logs', '--no-color', '--tail', '60', 'bot', 'engine'], 60_000);
      process.stderr.write(`[compose-sep] last log lines:\n${logs.output}\n`);
      await compose(['down', '-v', '--timeout', '30'], 300_000);
    }
    await standIn.stop();
    if (postgresImage && postgresImage !== POSTGRES_IMAGE) await docker('rmi', postgresImage).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }, 400_000);

  it('starts engine (the local engine image), db and bot; the bot drives the engine service and answers /readyz 200', async () => {
    await upAll('first start');
    const services = (await mustCompose(['ps', '--format', '{{.Service}} {{.State}}'], 60_000)).trim().split('\n').sort();
    expect(services).toEqual(['bot running', 'db running', 'engine running']);
    expect(await docker('inspect', await containerOf('engine'), '--format', '{{.Config.Image}}')).toBe(engineImage);
    // The engine service is its own Docker 26 engine with --userns-remap, and the sandbox image is there, not pulled.
    expect(await engine('info', '--format', '{{.ServerVersion}} {{.SecurityOptions}}')).toMatch(/^26\.1\.\d.* name=userns/);
    expect(await engine('image', 'inspect', SANDBOX_IMAGE, '--format', 'present')).toBe('present');
    expect((await readyz())!.parts).toEqual({ database: { ok: true }, docker: { ok: true }, slack: { ok: true } });
  }, 900_000);

  it("runs a learner's command in a sandbox on the engine service, and a container of the learner's in that sandbox", async () => {
    const since = learner.mark;
    await learner.say('start running-containers');
    await learner.waitForPost(/./, since, 180_000);
    const { final } = await learner.run('echo sep-$((6*7)) | tee /root/marker', 300_000);
    expect(String(final.args.text)).toContain('exit 0');
    expect(JSON.stringify(final.args)).toContain('sep-42');

    const [sandbox] = (await sandboxRow()).split('|');
    expect(sandbox).toMatch(/^[0-9a-f]{64}$/);
    // On the engine service, labelled with this instance; this host's engine has no such container.
    expect(await engine('inspect', sandbox!, '--format', '{{index .Config.Labels "dockhand.instance"}} {{.State.Running}}')).toBe(`${instance} true`);
    await expect(docker('inspect', sandbox!)).rejects.toThrow(/No such/i);
    expect(await sql(`select "activeLessonId" from "Learner" where ${learnerRow}`)).toBe('running-containers');

    // Four deep: a learner's own container in the sandbox's engine (an image made from the sandbox's bash, offline).
    const inner = await learner.run(
      "tar -ch -C / usr/bin/bash $(ldd /usr/bin/bash | grep -o '/[^ ]*' | sed 's#^/##') 2>/dev/null | docker import - mini >/dev/null && docker run --rm mini /usr/bin/bash -c 'echo inner-$((6*7))'",
      300_000,
    );
    expect(String(inner.final.args.text)).toContain('exit 0');
    expect(JSON.stringify(inner.final.args)).toContain('inner-42');
  }, 900_000);

  it("a sandbox cannot reach the bot's ports or the database; the engine's own namespace can (so the port is live)", async () => {
    const [sandbox] = (await sandboxRow()).split('|');
    const botAddress = await docker('inspect', await containerOf('engine'), '--format', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}');
    const dbAddress = await docker('inspect', await containerOf('db'), '--format', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}');
    // Every address of the bot's network namespace but loopback: the compose network's, each sandbox bridge's (dh-*).
    const addresses = (await inEngineNetns("ip -4 -o addr show | awk '$2 != \"lo\" {split($4, a, \"/\"); print a[1]}'")).split('\n').filter((a) => /^\d+\.\d+\.\d+\.\d+$/.test(a));
    expect(addresses).toContain(botAddress);
    expect(addresses.length).toBeGreaterThan(1);

    // The rules the bot installed in the engine's network namespace: sandbox bridges (dh+) get nothing from it.
    expect(await inEngineNetns('iptables -S INPUT')).toContain('-A INPUT -i dh+ -j DOCKHAND-INPUT');
    expect(await inEngineNetns('iptables -S DOCKHAND-INPUT')).toMatch(/-A DOCKHAND-INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN\n-A DOCKHAND-INPUT -j DROP/);

    // The bot listens on the metrics port in that namespace: reachable from there...
    expect(await inEngineNetns(`curl -s -o /dev/null -w '%{http_code}' -m 10 http://${botAddress}:9464/healthz`)).toBe('200');
    expect(await inEngineNetns(`timeout 10 bash -c '</dev/tcp/${dbAddress}/5432' && echo open`)).toBe('open');
    // ...and not from the sandbox, on any address of the bot's namespace, nor the database.
    // Every try at once, from the sandbox (a dropped SYN only times out): each must end closed.
    const targets = [...addresses.flatMap((a) => [9464, 3000, 3001, 2375].map((p) => `${a}/${p}`)), `${dbAddress}/5432`];
    const tries = targets.map((t) => `(timeout 8 bash -c '</dev/tcp/${t}' 2>/dev/null && echo '${t} open' || echo '${t} closed') &`).join(' ');
    const seen = (await engine('exec', sandbox!, 'bash', '-c', `${tries} wait`)).split('\n').sort();
    expect(seen).toEqual(targets.map((t) => `${t} closed`).sort());
  }, 600_000);

  it('`down bot` then `up`: the new bot adopts the running sandbox and the progress is the same', async () => {
    const before = await sandboxRow();
    const sandbox = before.split('|')[0]!;
    const startedAt = await engine('inspect', sandbox, '--format', '{{.State.StartedAt}}');
    await mustCompose(['down', '--timeout', '30', 'bot'], 180_000);
    expect((await mustCompose(['ps', '--format', '{{.Service}}'], 60_000)).trim().split('\n').sort()).toEqual(['db', 'engine']);
    await upAll('bot recreated');

    const { final } = await learner.run('cat /root/marker', 300_000);
    expect(JSON.stringify(final.args)).toContain('sep-42');
    expect(await sandboxRow()).toBe(before);
    expect(await engine('inspect', sandbox, '--format', '{{.State.StartedAt}} {{index .Config.Labels "dockhand.instance"}}')).toBe(`${startedAt} ${instance}`);
  }, 900_000);

  it('`down` then `up` (volumes kept): the progress is kept; the sandboxes stopped with the engine, so the learner gets a new one', async () => {
    const [oldSandbox, progressId] = (await sandboxRow()).split('|');
    await mustCompose(['down', '--timeout', '30'], 300_000);
    expect((await mustCompose(['ps', '-a', '-q'], 60_000)).trim()).toBe('');
    await upAll('whole project again');

    // The engine's volume kept its images (nothing loaded again); the stopped sandbox is gone, the learner's lesson is not.
    expect(await engine('image', 'inspect', SANDBOX_IMAGE, '--format', 'present')).toBe('present');
    const { final } = await learner.run('echo again-$((6*7))', 300_000);
    expect(JSON.stringify(final.args)).toContain('again-42');
    const [newSandbox, sameProgress] = (await sandboxRow()).split('|');
    expect(sameProgress).toBe(progressId);
    expect(newSandbox).not.toBe(oldSandbox);
    expect(await engine('inspect', newSandbox!, '--format', '{{index .Config.Labels "dockhand.instance"}}')).toBe(instance);
    expect(await engine('ps', '-a', '-q', '--no-trunc', '--filter', `id=${oldSandbox}`)).toBe('');
    expect(await sql(`select "activeLessonId" from "Learner" where ${learnerRow}`)).toBe('running-containers');
  }, 900_000);

  it('`down -v` removes the project; the sandboxes lived in the engine volume, so nothing of the run is left', async () => {
    await mustCompose(['down', '-v', '--timeout', '30'], 300_000);
    downDone = true;
    const left = leftovers;
    const none = { containers: '', volumes: '', networks: '' };
    expect(await left(`label=com.docker.compose.project=${project}`)).toEqual(none);
    expect(await left(`label=dockhand.instance=${instance}`)).toEqual(none);
  }, 400_000);
});

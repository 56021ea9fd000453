import Docker from 'dockerode';
import pino from 'pino';
import { ensureImages, LESSON_IMAGES, MIRROR_PUSH_CONTAINER } from '../../src/images/images';
import type { SandboxManager } from '../../src/sandbox/lifecycle/sandbox-manager';
import { newManager } from '../sandbox/sandbox-fixture';

/**
 * The stand-ins imported Killercoda scenarios are mapped onto (src/lessons/import/image-mapping.ts): built from
 * Debian packages, served by the offline mirror under their own names, and doing inside a real sandbox (no internet)
 * what the scenarios rely on.
 */
const docker = new Docker();
const log = pino({ level: 'silent' });
const STAND_INS = ['nginx:alpine', 'bash:latest', 'python:3.11-bookworm', 'postgres:15', 'redis:7.0'];

let manager: SandboxManager;
const key = 'T1:stand-ins';
const sh = (script: string, timeoutMs = 120_000) => manager.execScript(key, script, { timeoutMs });

beforeAll(async () => {
  await ensureImages({ docker, log });
  ({ manager } = await newManager('stand-ins'));
  await manager.start({ isKnown: () => false });
}, 30 * 60_000);
afterAll(async () => {
  await manager?.destroyAll();
});

test('the mirror serves every stand-in under its names, as the image built on the host', async () => {
  const push = await docker.getContainer(MIRROR_PUSH_CONTAINER).inspect();
  const port = push.NetworkSettings.Ports['5000/tcp']?.[0]?.HostPort;
  const catalog = (await (await fetch(`http://127.0.0.1:${port}/v2/_catalog`)).json()) as { repositories: string[] };
  expect(catalog.repositories).toEqual(expect.arrayContaining(['library/nginx', 'library/bash', 'library/python', 'library/postgres', 'library/redis']));
  const pulled = await sh(`for i in ${STAND_INS.join(' ')}; do docker pull -q $i >/dev/null && docker image inspect --format "$i {{.Id}}" $i; done`, 300_000);
  expect(pulled.exitCode).toBe(0);
  const ids = Object.fromEntries(pulled.output.trim().split('\n').map((l) => l.split(' ') as [string, string]));
  for (const name of STAND_INS) {
    const image = LESSON_IMAGES.find((l) => l.names.includes(name))!;
    expect(ids[name]).toBe((await docker.getImage(image.localImage).inspect()).Id);
  }
}, 400_000);

test('nginx:alpine serves the usual page and has curl and ping inside, as the Alpine one has through busybox', async () => {
  const r = await sh(
    [
      'docker network create standins >/dev/null',
      'docker run -d --name web --network standins nginx:alpine >/dev/null && docker run -d --name api --network standins nginx:alpine >/dev/null',
      'docker exec web sh -c "curl -sS --retry 20 --retry-all-errors --retry-delay 1 api" | grep -o "Welcome to nginx!"',
      'docker exec web ping -c 1 api >/dev/null && echo ping-ok',
      'docker rm -f web api >/dev/null; docker network rm standins >/dev/null',
    ].join('\n'),
  );
  expect(r.output).toContain('Welcome to nginx!');
  expect(r.output).toContain('ping-ok');
}, 200_000);

test('bash:latest has bash 5.2, ping, wget and nc', async () => {
  const r = await sh("docker run --rm bash:latest bash -c 'echo $BASH_VERSION; ping -c 1 127.0.0.1 >/dev/null && echo ping-ok; command -v wget nc'");
  expect(r.exitCode).toBe(0);
  expect(r.output).toMatch(/^5\.2\./m);
  expect(r.output).toContain('ping-ok');
  expect(r.output).toContain('/usr/bin/wget');
}, 200_000);

test('python:3.11-bookworm: pip install of Flask from a requirements file is satisfied offline in a docker build', async () => {
  const r = await sh(
    [
      'mkdir -p /tmp/pyapp && cd /tmp/pyapp',
      'printf "flask\\n" > requirements.txt',
      "printf 'FROM python:3.11-bookworm\\nCOPY requirements.txt .\\nRUN pip3 install -r requirements.txt\\nCMD [\"python3\", \"-c\", \"import flask; print(flask.__name__)\"]\\n' > Dockerfile",
      'docker build --progress=plain -t pyapp . 2>&1 && docker run --rm pyapp',
    ].join('\n'),
    300_000,
  );
  expect(r.exitCode).toBe(0);
  expect(r.output).toContain('Requirement already satisfied: flask');
  expect(r.output.trim().split('\n').pop()).toBe('flask');
}, 400_000);

test('postgres:15 initialises from POSTGRES_* in a compose project, answers pg_isready, and checks the password over TCP', async () => {
  const compose = [
    'services:',
    '  db:',
    '    image: postgres:15',
    '    environment: { POSTGRES_USER: admin, POSTGRES_PASSWORD: secret, POSTGRES_DB: myapp }',
    '    healthcheck: { test: ["CMD", "pg_isready", "-U", "admin", "-d", "myapp"], interval: 1s, retries: 60 }',
  ].join('\\n');
  const r = await sh(
    [
      `mkdir -p /tmp/pg && cd /tmp/pg && printf '${compose}\\n' > compose.yaml`,
      'docker compose up -d --wait 2>&1 | tail -1',
      "docker compose exec -T db pg_isready -U admin -d myapp",
      'net=$(docker network ls -q --filter name=pg_default)',
      "docker run --rm --network $net -e PGPASSWORD=secret postgres:15 psql -h db -U admin -d myapp -tAc 'select current_user || chr(47) || current_database()'",
      "docker run --rm --network $net -e PGPASSWORD=wrong postgres:15 psql -h db -U admin -d myapp -tAc 'select 1' 2>&1 | grep -o 'password authentication failed'",
      'docker compose down -v 2>&1 | tail -1',
    ].join('\n'),
    300_000,
  );
  expect(r.exitCode).toBe(0);
  expect(r.output).toContain('accepting connections');
  expect(r.output).toContain('admin/myapp');
  expect(r.output).toContain('password authentication failed');
}, 400_000);

test('redis:7.0 answers other containers on 6379 by service name and keeps its data in /data', async () => {
  const r = await sh(
    [
      'docker network create redisnet >/dev/null',
      'docker run -d --name cache --network redisnet redis:7.0 >/dev/null',
      'for i in $(seq 30); do docker run --rm --network redisnet redis:7.0 redis-cli -h cache ping 2>/dev/null | grep -q PONG && break; sleep 1; done',
      'docker run --rm --network redisnet redis:7.0 redis-cli -h cache set visits 41 >/dev/null',
      'docker run --rm --network redisnet redis:7.0 redis-cli -h cache incr visits',
      'docker exec cache redis-cli save >/dev/null && docker exec cache ls /data',
      'docker rm -f cache >/dev/null; docker network rm redisnet >/dev/null',
    ].join('\n'),
  );
  expect(r.exitCode).toBe(0);
  expect(r.output).toContain('42');
  expect(r.output).toContain('dump.rdb');
}, 200_000);

import { readConfig } from '../../src/config';
import { problemsOf } from './config-problems';


describe('readConfig', () => {
  it('sizes the PostgreSQL pool from DATABASE_POOL_SIZE, 10 by default, and refuses a size that is not a whole number from 1', () => {
    expect(readConfig({}).databasePoolSize).toBe(10);
    expect(readConfig({ DATABASE_POOL_SIZE: '30' }).databasePoolSize).toBe(30);
    expect(() => readConfig({ DATABASE_POOL_SIZE: '0' })).toThrow(/DATABASE_POOL_SIZE/);
    expect(() => readConfig({ DATABASE_POOL_SIZE: 'many' })).toThrow(/DATABASE_POOL_SIZE/);
  });

  it('with no Slack tokens runs in local mode with documented defaults', () => {
    const c = readConfig({});
    expect(c.mode).toBe('local');
    expect(c.slack.apiUrl).toBe('https://slack.com/api/');
    expect(c.databaseUrl).toBeUndefined();
    expect(c.logLevel).toBe('warn');
    expect(c.sandbox).toMatchObject({ profile: 'userns', diskMb: 8192, diskAuto: true, diskDir: '/var/lib/dockhand/disks', memoryMb: 1024, cpus: 1, pidsLimit: 1024, idleMinutes: 20, maxLifetimeMinutes: 240, commandTimeoutSeconds: 60, outputCapBytes: 1048576 });
  });

  it('refuses the test-host-cgroup profile unless SANDBOX_ALLOW_TEST_HOST_CGROUP acknowledges it (each profile its own variable)', () => {
    const refusal =
      'SANDBOX_PROFILE: test-host-cgroup makes every learner root on the host (no user namespace, the host cgroup tree writable, every device) and exists for test machines only; set SANDBOX_ALLOW_TEST_HOST_CGROUP=true to accept that on a test machine, or restart dockerd with --userns-remap=default and use userns (the default)';
    expect(problemsOf({ SANDBOX_PROFILE: 'test-host-cgroup' })).toEqual([refusal]);
    // the privileged acknowledgement does not stand in for this one, nor the reverse
    expect(problemsOf({ SANDBOX_PROFILE: 'test-host-cgroup', SANDBOX_ALLOW_PRIVILEGED: 'true' })).toEqual([refusal]);
    expect(problemsOf({ SANDBOX_PROFILE: 'privileged', SANDBOX_ALLOW_TEST_HOST_CGROUP: 'true' })[0]).toMatch(/^SANDBOX_PROFILE: privileged makes every learner root/);
    expect(problemsOf({ SANDBOX_PROFILE: 'test-host-cgroup', SANDBOX_ALLOW_TEST_HOST_CGROUP: 'false' })).toEqual([refusal]);
    expect(readConfig({ SANDBOX_PROFILE: 'test-host-cgroup', SANDBOX_ALLOW_TEST_HOST_CGROUP: 'true' }).sandbox.profile).toBe('test-host-cgroup');
  });

  it('refuses the privileged profile unless SANDBOX_ALLOW_PRIVILEGED acknowledges it; caps the disk by default', () => {
    expect(problemsOf({ SANDBOX_PROFILE: 'privileged' })).toEqual([
      'SANDBOX_PROFILE: privileged makes every learner root on the host; set SANDBOX_ALLOW_PRIVILEGED=true to accept that, or use userns (the default)',
    ]);
    expect(readConfig({ SANDBOX_PROFILE: 'privileged', SANDBOX_ALLOW_PRIVILEGED: 'true' }).sandbox.profile).toBe('privileged');
    expect(readConfig({ SANDBOX_PROFILE: 'test-host-cgroup', SANDBOX_ALLOW_TEST_HOST_CGROUP: 'true' }).sandbox.profile).toBe('test-host-cgroup');
    expect(readConfig({ SANDBOX_DISK_MB: '0' }).sandbox).toMatchObject({ diskMb: 0, diskAuto: false });
    expect(readConfig({ SANDBOX_DISK_MB: '300', SANDBOX_DISK_DIR: '/srv/disks' }).sandbox).toMatchObject({ diskMb: 300, diskAuto: false, diskDir: '/srv/disks' });
    // auto (the default): the ceiling until the sandboxes start and size it to the host (size-disks.ts)
    expect(readConfig({ SANDBOX_DISK_MB: 'auto' }).sandbox).toMatchObject({ diskMb: 8192, diskAuto: true });
    expect(readConfig({ SANDBOX_DISK_MB: ' auto ' }).sandbox.diskAuto).toBe(true);
    expect(problemsOf({ SANDBOX_DISK_MB: '10' })[0]).toMatch(/^SANDBOX_DISK_MB: expected auto, or the disk cap per sandbox in MiB/);
    expect(problemsOf({ SANDBOX_DISK_MB: 'Auto-ish' })[0]).toMatch(/^SANDBOX_DISK_MB: expected auto, or the disk cap per sandbox in MiB .*got "Auto-ish"/);
    expect(problemsOf({ SANDBOX_DISK_DIR: 'relative' })[0]).toMatch(/^SANDBOX_DISK_DIR: expected an absolute folder/);
  });

  it('blocks sandbox egress by default; SANDBOX_BLOCK_EGRESS=false is the explicit way to open it', () => {
    expect(readConfig({}).sandbox.blockEgress).toBe(true);
    expect(readConfig({ SANDBOX_BLOCK_EGRESS: 'false' }).sandbox.blockEgress).toBe(false);
    expect(readConfig({ SANDBOX_BLOCK_EGRESS: 'true' }).sandbox.blockEgress).toBe(true);
  });

  it('chooses Socket Mode with a bot and an app token, and HTTP mode with a signing secret', () => {
    expect(readConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1' }).mode).toBe('socket');
    const http = readConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 'abcdef0123456789abcdef', PORT: '8080' });
    expect(http.mode).toBe('http');
    expect(http.slack.port).toBe(8080);
  });

  it('normalises SLACK_API_URL to end in a slash and parses ADMIN_USER_IDS', () => {
    const c = readConfig({ SLACK_API_URL: 'http://127.0.0.1:9999/api', ADMIN_USER_IDS: 'U012ABC, W034DEF' });
    expect(c.slack.apiUrl).toBe('http://127.0.0.1:9999/api/');
    expect(c.adminUserIds).toEqual(['U012ABC', 'W034DEF']);
  });

  it('defaults the log level to warn in local mode (the chat owns the terminal) and info with Slack; LOG_LEVEL wins', () => {
    expect(readConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1' }).logLevel).toBe('info');
    expect(readConfig({ LOG_LEVEL: 'debug' }).logLevel).toBe('debug');
  });

  it('reads a remote sandbox engine with TLS from DOCKER_HOST, DOCKER_CERT_PATH and DOCKER_TLS_VERIFY', () => {
    expect(readConfig({}).docker).toEqual({ host: undefined, tls: undefined });
    const c = readConfig({ DOCKER_HOST: 'tcp://sandboxes.internal:2376', DOCKER_CERT_PATH: '/certs', DOCKER_TLS_VERIFY: '1' });
    expect(c.docker).toEqual({ host: 'tcp://sandboxes.internal:2376', tls: { caPath: '/certs/ca.pem', certPath: '/certs/cert.pem', keyPath: '/certs/key.pem', verify: true } });
  });

  it('refuses TLS settings that cannot apply: no cert folder, or a non-tcp DOCKER_HOST', () => {
    expect(problemsOf({ DOCKER_HOST: 'tcp://h:2376', DOCKER_TLS_VERIFY: 'true' })).toEqual([expect.stringMatching(/^DOCKER_CERT_PATH: missing/)]);
    expect(problemsOf({ DOCKER_HOST: 'unix:///var/run/docker.sock', DOCKER_CERT_PATH: '/certs' })).toEqual([expect.stringMatching(/only to DOCKER_HOST=tcp/)]);
  });

  it('treats blank values as unset', () => {
    expect(readConfig({ SLACK_BOT_TOKEN: '', DATABASE_URL: '  ', PORT: '' }).mode).toBe('local');
  });

  it('names every bad variable at once, each with what it expects', () => {
    const problems = problemsOf({
      SLACK_BOT_TOKEN: 'xoxp-user-token',
      SLACK_APP_TOKEN: 'nope',
      PORT: '70000',
      DATABASE_URL: 'mysql://x',
      LOG_LEVEL: 'loud',
      SANDBOX_MEMORY_MB: 'lots',
      SANDBOX_PROFILE: 'root',
      ADMIN_USER_IDS: 'bob',
      SANDBOX_BLOCK_EGRESS: 'maybe',
      SLACK_API_URL: 'not a url',
    });
    const byVar = Object.fromEntries(problems.map((p) => [p.split(':')[0], p]));
    expect(Object.keys(byVar).sort()).toEqual(
      ['ADMIN_USER_IDS', 'DATABASE_URL', 'LOG_LEVEL', 'PORT', 'SANDBOX_BLOCK_EGRESS', 'SANDBOX_MEMORY_MB', 'SANDBOX_PROFILE', 'SLACK_API_URL', 'SLACK_APP_TOKEN', 'SLACK_BOT_TOKEN'].sort(),
    );
    expect(byVar.SLACK_BOT_TOKEN).toMatch(/xoxb-/);
    expect(byVar.PORT).toMatch(/1 to 65535.*"70000"/);
    expect(byVar.DATABASE_URL).toMatch(/PostgreSQL URL/);
    expect(byVar.LOG_LEVEL).toMatch(/one of fatal, error/);
    expect(byVar.SANDBOX_MEMORY_MB).toMatch(/whole number.*"lots"/);
  });

  it('reports a bot token without an app token or signing secret, and tokens without a bot token', () => {
    expect(problemsOf({ SLACK_BOT_TOKEN: 'xoxb-1' })[0]).toMatch(/^SLACK_APP_TOKEN: missing/);
    expect(problemsOf({ SLACK_APP_TOKEN: 'xapp-1' })[0]).toMatch(/^SLACK_BOT_TOKEN: missing/);
  });

  it('rejects a default command timeout above the maximum', () => {
    expect(problemsOf({ COMMAND_TIMEOUT_SECONDS: '900', COMMAND_MAX_TIMEOUT_SECONDS: '600' })[0]).toMatch(/^COMMAND_TIMEOUT_SECONDS: expected at most/);
  });

  it('never puts a token value in its error message', () => {
    const err = (() => {
      try {
        readConfig({ SLACK_BOT_TOKEN: 'xoxb-secret-value', SLACK_APP_TOKEN: 'bad-secret-value' });
      } catch (e) {
        return e as Error;
      }
    })();
    expect(err?.message).toMatch(/SLACK_APP_TOKEN/);
    expect(err?.message).not.toContain('secret-value');
  });
});

describe('host-derived sandbox defaults', () => {
  it('derives SANDBOX_MAX_COUNT and parallel starts from the host given to readConfig, unless set', () => {
    expect(readConfig({}, { cpus: 2, memoryMb: 24 * 1024 }).sandbox).toMatchObject({ maxSandboxes: 48, parallelStarts: 32 });
    expect(readConfig({}, { cpus: 1, memoryMb: 2048 }).sandbox).toMatchObject({ maxSandboxes: 4, parallelStarts: 16 });
    // CPUs cap it on a big-memory machine: 25 learners a core.
    expect(readConfig({}, { cpus: 4, memoryMb: 512 * 1024 }).sandbox.maxSandboxes).toBe(100);
    expect(readConfig({ SANDBOX_MAX_COUNT: '35', SANDBOX_PARALLEL_STARTS: '3' }, { cpus: 2, memoryMb: 24 * 1024 }).sandbox).toMatchObject({ maxSandboxes: 35, parallelStarts: 3 });
    expect(problemsOf({ SANDBOX_MAX_COUNT: '0' })).toEqual([expect.stringMatching(/^SANDBOX_MAX_COUNT: expected/)]);
  });

  it('reads SANDBOX_WARM_POOL=auto: sized by demand, up to a quarter of the cap', () => {
    expect(readConfig({ SANDBOX_WARM_POOL: 'auto', SANDBOX_MAX_COUNT: '40' }).sandbox).toMatchObject({ warmPool: 10, warmPoolAuto: true });
    expect(readConfig({ SANDBOX_WARM_POOL: '3' }).sandbox).toMatchObject({ warmPool: 3, warmPoolAuto: false });
    expect(problemsOf({ SANDBOX_WARM_POOL: 'lots' })).toEqual([expect.stringMatching(/^SANDBOX_WARM_POOL: expected .* or auto/)]);
  });

  it('reads CHALLENGE_WARM_SANDBOXES: auto is two per CPU, at most a quarter of the cap, at least one', () => {
    expect(readConfig({}, { cpus: 2, memoryMb: 24 * 1024 }).challengeWarmSandboxes).toBe(4);
    expect(readConfig({ SANDBOX_MAX_COUNT: '8' }, { cpus: 8, memoryMb: 64 * 1024 }).challengeWarmSandboxes).toBe(2);
    expect(readConfig({ SANDBOX_MAX_COUNT: '2' }, { cpus: 2, memoryMb: 8 * 1024 }).challengeWarmSandboxes).toBe(1);
    expect(readConfig({ CHALLENGE_WARM_SANDBOXES: '0' }).challengeWarmSandboxes).toBe(0);
    expect(readConfig({ CHALLENGE_WARM_SANDBOXES: '7' }).challengeWarmSandboxes).toBe(7);
    expect(problemsOf({ CHALLENGE_WARM_SANDBOXES: 'many' })).toEqual([expect.stringMatching(/^CHALLENGE_WARM_SANDBOXES: expected .* or auto/)]);
  });
});

describe('the ops endpoints (METRICS_PORT)', () => {
  const socket = { SLACK_BOT_TOKEN: 'xoxb-1-2', SLACK_APP_TOKEN: 'xapp-1-2' };
  const http = { SLACK_BOT_TOKEN: 'xoxb-1-2', SLACK_SIGNING_SECRET: 'abcdef0123456789abcdef' };

  it('serves them on 9464 on every interface with Slack tokens, not in local mode unless asked; off turns them off', () => {
    expect(readConfig(socket).metrics).toEqual({ port: 9464, host: '0.0.0.0' });
    expect(readConfig(http).metrics).toEqual({ port: 9464, host: '0.0.0.0' });
    expect(readConfig({}).metrics).toBeUndefined();
    expect(readConfig({ METRICS_PORT: '9100', METRICS_HOST: '127.0.0.1' }).metrics).toEqual({ port: 9100, host: '127.0.0.1' });
    expect(readConfig({ ...socket, METRICS_PORT: 'off' }).metrics).toBeUndefined();
  });

  it('refuses a bad port, a host name, and the port HTTP mode already uses for Slack', () => {
    expect(problemsOf({ METRICS_PORT: '70000' })).toEqual(['METRICS_PORT: expected a TCP port for /healthz, /readyz and /metrics (1 to 65535, or off), got "70000"']);
    expect(problemsOf({ METRICS_HOST: 'eth0; rm' })).toEqual(['METRICS_HOST: expected an IP address to listen on, e.g. 0.0.0.0 or 127.0.0.1']);
    expect(problemsOf({ ...http, PORT: '8080', METRICS_PORT: '8080' })).toEqual(["METRICS_PORT: expected a port other than PORT (8080), which HTTP mode uses for Slack's requests"]);
  });
});

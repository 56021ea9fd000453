import { z } from 'zod';
import { ConfigError } from './config-error';
import { readOAuthConfig, type OAuthConfig } from './oauth-config';
import { readPlaygroundConfig, type PlaygroundConfig } from './playground-config';
import { blankToUndefined, boolVar, intVar, numVar, opt, parsedVar, urlVar } from './config-vars';
import { labelSecretProblem, readSecretFiles } from './secret-files';
import type { SandboxConfig } from './sandbox-config';
import { AUTO_DISK_CEILING_MB, FALLBACK_HOST, sandboxLimitsFor, type HostFacts } from './sandbox-limits';

export { ConfigError } from './config-error';
export type { OAuthConfig } from './oauth-config';
export type { PlaygroundConfig } from './playground-config';
export type { SandboxConfig, SandboxProfile } from './sandbox-config';

export type SlackMode = 'local' | 'socket' | 'http';
export interface Config {
  mode: SlackMode;
  slack: {
    botToken?: string;
    appToken?: string;
    signingSecret?: string;
    apiUrl: string;
    port: number;
  };
  /** Unset: an embedded PostgreSQL is started in `dataDir`. */
  databaseUrl?: string;
  /** `DATABASE_POOL_SIZE`: pooled connections to PostgreSQL (a class opening a lesson at once queues for them). */
  databasePoolSize: number;
  /** `BOT_NICE`: the CPU priority of the bot's threads and what it starts (ops/cpu-priority.ts); 0 leaves it alone. */
  botNice: number;
  /** The engine that runs sandboxes (`DOCKER_HOST`, TLS from `DOCKER_CERT_PATH`/`DOCKER_TLS_VERIFY`); unset: the local socket. */
  docker: DockerEndpoint;
  /** `LOG_LEVEL`, else `warn` in local mode (the chat owns the terminal) and `info` otherwise. */
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  adminUserIds: string[];
  /** `ADMIN_USERGROUP`: members of this Slack user group (an id like S0123ABCD, or its handle) are admins too. */
  adminUsergroup?: string;
  /** `ALLOWED_TEAM_IDS`: the only workspaces served (installs and requests); undefined: any. */
  allowedTeamIds?: string[];
  dataDir: string;
  eventRetentionHours: number;
  /** Database backups: BACKUP_DIR (default `<dataDir>/backups`), BACKUP_KEEP of each kind, BACKUP_BEFORE_MIGRATIONS. */
  backup: { dir: string; keep: number; beforeMigrations: boolean };
  shutdownDeadlineMs: number;
  /** Seconds added to a challenge solver's time for each hint. */
  challengeHintPenaltySeconds: number;
  /** Challenge solves faster than this many seconds from the solver's start are flagged for an admin's review (0: never). */
  challengeMinSolveSeconds: number;
  /** The class view marks a learner stuck after this many minutes on one step with a failed check or a hint. */
  classStuckMinutes: number;
  /** Fresh sandboxes kept ready, the exercise's images pulled in, while a challenge runs (within the sandbox caps). */
  challengeWarmSandboxes: number;
  sandbox: SandboxConfig;
  /** `/healthz`, `/readyz`, `/metrics` (METRICS_PORT, METRICS_HOST); undefined: not served. */
  metrics?: { port: number; host: string };
  /** Multi-workspace installs (OAuth v2); undefined: one workspace, SLACK_BOT_TOKEN. */
  oauth?: OAuthConfig;
  /** The web playground (WEB_PORT, PUBLIC_URL, PLAYGROUND_SECRET); undefined: not served. */
  playground?: PlaygroundConfig;
}

export interface DockerEndpoint {
  host?: string;
  tls?: { caPath: string; certPath: string; keyPath: string; verify: boolean };
}

const schema = z.object({
  SLACK_BOT_TOKEN: opt(z.string().regex(/^xoxb-\S+$/, 'expected a bot token starting with "xoxb-"')),
  SLACK_APP_TOKEN: opt(z.string().regex(/^xapp-\S+$/, 'expected an app-level token starting with "xapp-" (scope connections:write)')),
  SLACK_SIGNING_SECRET: opt(z.string().regex(/^[0-9a-f]{16,}$/i, 'expected the app\'s signing secret (hexadecimal)')),
  PORT: intVar('a TCP port for HTTP mode', 1, 65535, 3000),
  // Unset: 9464 with Slack tokens, off in local mode (a terminal chat needs no probes); `off` turns it off.
  METRICS_PORT: parsedVar<number | 'off' | undefined>(undefined, (v) =>
    v.trim().toLowerCase() === 'off' ? 'off' : /^\d+$/.test(v.trim()) && Number(v) >= 1 && Number(v) <= 65535 ? Number(v) : { problem: `expected a TCP port for /healthz, /readyz and /metrics (1 to 65535, or off), got "${v}"` },
  ),
  METRICS_HOST: z.preprocess(blankToUndefined, z.string().regex(/^[0-9a-fA-F.:]+$|^localhost$/, 'expected an IP address to listen on, e.g. 0.0.0.0 or 127.0.0.1').default('0.0.0.0')),
  SLACK_API_URL: opt(urlVar('an http(s) URL ending in /api/, e.g. https://slack.com/api/', ['http:', 'https:'])),
  DATABASE_URL: opt(urlVar('a PostgreSQL URL such as postgresql://user:pass@host:5432/db', ['postgres:', 'postgresql:'])),
  DATABASE_POOL_SIZE: intVar('connections to PostgreSQL per bot process', 1, 1000, 10),
  BOT_NICE: parsedVar(-10, (v) => (/^-?\d+$/.test(v.trim()) && Number(v) >= -20 && Number(v) <= 19 ? Number(v) : { problem: `expected the bot's nice value (a whole number from -20 to 19), got "${v}"` })),
  DOCKER_HOST: opt(z.string().regex(/^(unix|tcp|npipe|ssh):\/\/\S+$/, 'expected unix:///path, tcp://host:port or ssh://host')),
  DOCKER_CERT_PATH: opt(z.string()),
  DOCKER_TLS_VERIFY: boolVar(false),
  LOG_LEVEL: opt(
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      error: 'expected one of fatal, error, warn, info, debug, trace, silent',
    }),
  ),
  ADMIN_USER_IDS: parsedVar<string[]>([], (v) => {
    const ids = v
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean);
    // `T…:U…` makes a user an admin of that one workspace (multi-workspace installs need that form).
    const bad = ids.filter((id) => !/^([T][A-Z0-9]{2,}:)?[UW][A-Z0-9]{2,}$/.test(id));
    return bad.length ? { problem: `expected comma-separated Slack user ids like U012ABCDEF or T012TEAM:U012ABCDEF, got "${bad.join(', ')}"` } : ids;
  }),
  // An id (S…) names one group in one workspace; a handle is looked up in each workspace (multi-workspace installs).
  ADMIN_USERGROUP: opt(z.string().trim().regex(/^(S[A-Z0-9]{2,}|@?[a-z0-9][a-z0-9._-]{0,79})$/, 'expected a Slack user group id like S0123ABCD or its handle like docker-admins')),
  // Unset: any workspace may install and use the bot (as before); set: only these.
  ALLOWED_TEAM_IDS: parsedVar<string[] | undefined>(undefined, (v) => {
    const ids = v
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean);
    const bad = ids.filter((id) => !/^T[A-Z0-9]{2,}$/.test(id));
    return bad.length || !ids.length ? { problem: `expected comma-separated Slack workspace (team) ids like T012ABCDEF, got "${bad.join(', ') || v}"` } : ids;
  }),
  DOCKHAND_DATA_DIR: z.preprocess(blankToUndefined, z.string().default('.data')),
  EVENT_RETENTION_HOURS: intVar('hours to remember processed Slack event ids', 1, 24 * 90, 72),
  BACKUP_DIR: opt(z.string()),
  BACKUP_KEEP: intVar('how many backups of each kind to keep', 1, 1000, 5),
  BACKUP_BEFORE_MIGRATIONS: boolVar(true),
  // Under compose's stop_grace_period for the bot (30 s, compose.yaml): after the drain the bot still closes the
  // database and stops the embedded PostgreSQL, so 5 s are left for that before Docker's SIGKILL.
  SHUTDOWN_DEADLINE_MS: intVar('milliseconds to let in-flight work finish on shutdown', 100, 600000, 25000),
  CHALLENGE_HINT_PENALTY_SECONDS: intVar('seconds added to a challenge time per hint', 0, 3600, 60),
  CLASS_STUCK_MINUTES: intVar('minutes on one step, with a failed check or a hint, before the class view marks a learner stuck', 1, 600, 10),
  CHALLENGE_MIN_SOLVE_SECONDS: intVar('seconds under which a challenge solve is flagged for review (0: never)', 0, 3600, 5),
  CHALLENGE_WARM_SANDBOXES: parsedVar<number | 'auto'>('auto', (v) =>
    v.trim() === 'auto' ? 'auto' : /^\d+$/.test(v.trim()) && Number(v) <= 100 ? Number(v) : { problem: `expected fresh sandboxes kept ready per running challenge (a whole number from 0 to 100, or auto), got "${v}"` },
  ),
  SANDBOX_PROFILE: z.preprocess(
    blankToUndefined,
    z
      .enum(['userns', 'privileged', 'sysbox', 'test-host-cgroup'], {
        error: 'expected userns, sysbox, privileged or test-host-cgroup (the last only for test machines)',
      })
      .default('userns'),
  ),
  SANDBOX_ALLOW_PRIVILEGED: boolVar(false),
  SANDBOX_ALLOW_TEST_HOST_CGROUP: boolVar(false),
  SANDBOX_DISK_MB: parsedVar<number | 'auto'>('auto', (v) =>
    v.trim() === 'auto' ? 'auto' : /^\d+$/.test(v.trim()) && (Number(v) === 0 || (Number(v) >= 256 && Number(v) <= 1048576)) ? Number(v) : { problem: `expected auto, or the disk cap per sandbox in MiB (256 to 1048576, or 0 for no cap), got "${v}"` },
  ),
  SANDBOX_DISK_DIR: z.preprocess(blankToUndefined, z.string().regex(/^\/\S*$/, 'expected an absolute folder on the engine host').default('/var/lib/dockhand/disks')),
  SANDBOX_MEMORY_MB: intVar('sandbox memory in MiB, nested containers included', 128, 65536, 1024),
  SANDBOX_CPUS: numVar('CPUs per sandbox', 0.1, 64, 1),
  SANDBOX_PIDS_LIMIT: intVar('max processes per sandbox', 64, 65536, 1024),
  SANDBOX_IDLE_MINUTES: intVar('minutes before an idle sandbox is removed', 1, 1440, 20),
  SANDBOX_MAX_LIFETIME_MINUTES: intVar('hard lifetime of a sandbox in minutes', 1, 10080, 240),
  // 0 (never a valid value) means unset: derived from the host (sandboxLimitsFor).
  SANDBOX_MAX_COUNT: intVar('the most sandboxes running at once', 1, 10000, 0),
  // 0 (never a valid value) means unset: in multi-workspace mode half the cap (at least 2), else no quota.
  SANDBOX_MAX_PER_WORKSPACE: intVar('the most sandboxes one workspace holds at once', 1, 10000, 0),
  SANDBOX_WARM_POOL: parsedVar<number | 'auto'>(0, (v) =>
    v.trim() === 'auto' ? 'auto' : /^\d+$/.test(v.trim()) && Number(v) <= 100 ? Number(v) : { problem: `expected ready sandboxes kept waiting (a whole number from 0 to 100, or auto), got "${v}"` },
  ),
  SANDBOX_PARALLEL_STARTS: intVar('sandbox starts at once', 1, 256, 0),
  COMMAND_TIMEOUT_SECONDS: intVar('the default command timeout in seconds', 1, 3600, 60),
  COMMAND_MAX_TIMEOUT_SECONDS: intVar('the longest command timeout allowed in seconds', 1, 7200, 600),
  COMMAND_OUTPUT_CAP_BYTES: intVar('bytes of output kept per command', 1024, 64 * 1024 * 1024, 1024 * 1024),
  COMMANDS_PER_MINUTE: intVar('commands a learner may send per minute', 1, 600, 30),
  SANDBOX_NEW_PER_LEARNER_10MIN: intVar('fresh sandboxes (reset, challenge accept) a learner may ask for in ten minutes', 1, 1000, 6),
  SANDBOX_REGISTRY_MIRROR: opt(urlVar('an http(s) URL of a registry mirror, e.g. http://10.0.0.5:5000', ['http:', 'https:'])),
  MIRROR_UPSTREAM: parsedVar<string>('auto', (v) => {
    const s = v.trim();
    if (s === 'auto' || s === 'off') return s;
    try {
      if (['http:', 'https:'].includes(new URL(s).protocol)) return s.replace(/\/+$/, '');
    } catch {
      // not a URL: named below
    }
    return { problem: `expected auto, off or an http(s) URL of the registry the mirror caches, e.g. https://registry.example.com, got "${v}"` };
  }),
  MIRROR_UPSTREAM_USERNAME: opt(z.string()),
  MIRROR_UPSTREAM_PASSWORD: opt(z.string()),
  SANDBOX_BLOCK_EGRESS: boolVar(true),
  SANDBOX_INSTANCE: z.preprocess(blankToUndefined, z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,62}$/, 'expected a short name of lowercase letters, digits, ".", "_" or "-"').default('main')),
});

/**
 * Reads and validates the whole environment at once; throws ConfigError listing every problem. A secret may
 * come from a file instead (`SLACK_BOT_TOKEN_FILE=/run/secrets/...`, secret-files.ts), read here first.
 */
export function readConfig(env: Record<string, string | undefined>, host: HostFacts = FALLBACK_HOST): Config {
  const secrets = readSecretFiles(env);
  if (secrets.problems.length) throw new ConfigError(secrets.problems);
  try {
    return readEnv(secrets.env, host);
  } catch (err) {
    if (err instanceof ConfigError && secrets.fromFile.size) throw new ConfigError(err.problems.map((p) => labelSecretProblem(p, secrets.fromFile)));
    throw err;
  }
}

function readEnv(env: Record<string, string | undefined>, host: HostFacts): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${String(i.path[0] ?? '?')}: ${i.message}`);
    throw new ConfigError(problems);
  }
  const v = parsed.data;
  const problems: string[] = [];
  const oauth = readOAuthConfig(env, problems);
  const playground = readPlaygroundConfig(env, problems);
  if (!v.MIRROR_UPSTREAM_USERNAME !== !v.MIRROR_UPSTREAM_PASSWORD) problems.push('MIRROR_UPSTREAM_USERNAME: set it together with MIRROR_UPSTREAM_PASSWORD_FILE (a file holding the password), or neither');

  let mode: SlackMode;
  if (!v.SLACK_BOT_TOKEN && !v.SLACK_APP_TOKEN && !v.SLACK_SIGNING_SECRET) {
    mode = 'local';
    if (oauth) problems.push('SLACK_CLIENT_ID: multi-workspace installs need SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP mode)');
  } else if (oauth && !v.SLACK_BOT_TOKEN) {
    mode = v.SLACK_APP_TOKEN ? 'socket' : 'http';
    const plain = v.ADMIN_USER_IDS.filter((id) => !id.includes(':'));
    // A user id is unique only within its workspace: a bare one would make that id an admin everywhere.
    if (plain.length) problems.push(`ADMIN_USER_IDS: with multi-workspace installs write each admin as TEAM_ID:USER_ID, got "${plain.join(', ')}"`);
  } else if (!v.SLACK_BOT_TOKEN) {
    problems.push('SLACK_BOT_TOKEN: missing; expected a bot token starting with "xoxb-" when SLACK_APP_TOKEN or SLACK_SIGNING_SECRET is set');
    mode = 'local';
  } else if (v.SLACK_APP_TOKEN) {
    mode = 'socket';
  } else if (v.SLACK_SIGNING_SECRET) {
    mode = 'http';
  } else {
    problems.push('SLACK_APP_TOKEN: missing; expected an "xapp-" token for Socket Mode (or set SLACK_SIGNING_SECRET for HTTP mode)');
    mode = 'local';
  }
  if (v.COMMAND_TIMEOUT_SECONDS > v.COMMAND_MAX_TIMEOUT_SECONDS) {
    problems.push(
      `COMMAND_TIMEOUT_SECONDS: expected at most COMMAND_MAX_TIMEOUT_SECONDS (${v.COMMAND_MAX_TIMEOUT_SECONDS}), got ${v.COMMAND_TIMEOUT_SECONDS}`,
    );
  }
  const tlsWanted = v.DOCKER_TLS_VERIFY || v.DOCKER_CERT_PATH !== undefined;
  if (tlsWanted && !v.DOCKER_HOST?.startsWith('tcp://')) problems.push('DOCKER_CERT_PATH / DOCKER_TLS_VERIFY: TLS applies only to DOCKER_HOST=tcp://host:port');
  if (v.DOCKER_TLS_VERIFY && !v.DOCKER_CERT_PATH) problems.push('DOCKER_CERT_PATH: missing; expected the folder holding ca.pem, cert.pem and key.pem when DOCKER_TLS_VERIFY is set');
  if (v.SANDBOX_PROFILE === 'privileged' && !v.SANDBOX_ALLOW_PRIVILEGED) {
    problems.push('SANDBOX_PROFILE: privileged makes every learner root on the host; set SANDBOX_ALLOW_PRIVILEGED=true to accept that, or use userns (the default)');
  }
  if (v.SANDBOX_PROFILE === 'test-host-cgroup' && !v.SANDBOX_ALLOW_TEST_HOST_CGROUP) {
    problems.push(
      'SANDBOX_PROFILE: test-host-cgroup makes every learner root on the host (no user namespace, the host cgroup tree writable, every device) and exists for test machines only; set SANDBOX_ALLOW_TEST_HOST_CGROUP=true to accept that on a test machine, or restart dockerd with --userns-remap=default and use userns (the default)',
    );
  }
  if (v.METRICS_PORT !== undefined && v.METRICS_PORT !== 'off' && mode === 'http' && v.METRICS_PORT === v.PORT) {
    problems.push(`METRICS_PORT: expected a port other than PORT (${v.PORT}), which HTTP mode uses for Slack's requests`);
  }
  if (problems.length) throw new ConfigError(problems);

  const hostLimits = sandboxLimitsFor(host);
  const warmAuto = v.SANDBOX_WARM_POOL === 'auto';
  const maxSandboxes = v.SANDBOX_MAX_COUNT || hostLimits.maxSandboxes;

  let apiUrl = v.SLACK_API_URL ?? 'https://slack.com/api/';
  if (!apiUrl.endsWith('/')) apiUrl += '/';

  return {
    mode,
    slack: {
      botToken: v.SLACK_BOT_TOKEN,
      appToken: v.SLACK_APP_TOKEN,
      signingSecret: v.SLACK_SIGNING_SECRET,
      apiUrl,
      port: v.PORT,
    },
    databaseUrl: v.DATABASE_URL,
    databasePoolSize: v.DATABASE_POOL_SIZE,
    botNice: v.BOT_NICE,
    docker: {
      host: v.DOCKER_HOST,
      tls:
        tlsWanted && v.DOCKER_CERT_PATH
          ? { caPath: `${v.DOCKER_CERT_PATH}/ca.pem`, certPath: `${v.DOCKER_CERT_PATH}/cert.pem`, keyPath: `${v.DOCKER_CERT_PATH}/key.pem`, verify: v.DOCKER_TLS_VERIFY }
          : undefined,
    },
    logLevel: v.LOG_LEVEL ?? (mode === 'local' ? 'warn' : 'info'),
    adminUserIds: v.ADMIN_USER_IDS,
    adminUsergroup: v.ADMIN_USERGROUP,
    allowedTeamIds: v.ALLOWED_TEAM_IDS,
    dataDir: v.DOCKHAND_DATA_DIR,
    eventRetentionHours: v.EVENT_RETENTION_HOURS,
    backup: { dir: v.BACKUP_DIR ?? `${v.DOCKHAND_DATA_DIR.replace(/\/+$/, '')}/backups`, keep: v.BACKUP_KEEP, beforeMigrations: v.BACKUP_BEFORE_MIGRATIONS },
    shutdownDeadlineMs: v.SHUTDOWN_DEADLINE_MS,
    challengeHintPenaltySeconds: v.CHALLENGE_HINT_PENALTY_SECONDS,
    challengeMinSolveSeconds: v.CHALLENGE_MIN_SOLVE_SECONDS,
    classStuckMinutes: v.CLASS_STUCK_MINUTES,
    // auto: two per CPU (a sandbox start is CPU-bound: refills beside a race must not slow it), at most a quarter of the cap
    challengeWarmSandboxes: v.CHALLENGE_WARM_SANDBOXES === 'auto' ? Math.max(1, Math.min(2 * Math.max(1, Math.floor(host.cpus)), Math.floor(maxSandboxes / 4))) : v.CHALLENGE_WARM_SANDBOXES,
    metrics: metricsEndpoint(v.METRICS_PORT, v.METRICS_HOST, mode),
    oauth,
    playground,
    sandbox: {
      profile: v.SANDBOX_PROFILE,
      // auto: sized from the host's free space at start (disk-sizing.ts); until then the ceiling.
      diskMb: v.SANDBOX_DISK_MB === 'auto' ? AUTO_DISK_CEILING_MB : v.SANDBOX_DISK_MB,
      diskAuto: v.SANDBOX_DISK_MB === 'auto',
      diskDir: v.SANDBOX_DISK_DIR,
      memoryMb: v.SANDBOX_MEMORY_MB,
      cpus: v.SANDBOX_CPUS,
      pidsLimit: v.SANDBOX_PIDS_LIMIT,
      idleMinutes: v.SANDBOX_IDLE_MINUTES,
      maxLifetimeMinutes: v.SANDBOX_MAX_LIFETIME_MINUTES,
      maxSandboxes,
      maxPerWorkspace: v.SANDBOX_MAX_PER_WORKSPACE || (oauth ? Math.max(2, Math.ceil(maxSandboxes / 2)) : undefined),
      // auto: up to a quarter of the sandboxes may wait warm, sized by recent demand.
      warmPool: warmAuto ? Math.max(1, Math.floor(maxSandboxes / 4)) : (v.SANDBOX_WARM_POOL as number),
      warmPoolAuto: warmAuto,
      parallelStarts: v.SANDBOX_PARALLEL_STARTS || hostLimits.parallelStarts,
      commandTimeoutSeconds: v.COMMAND_TIMEOUT_SECONDS,
      commandMaxTimeoutSeconds: v.COMMAND_MAX_TIMEOUT_SECONDS,
      outputCapBytes: v.COMMAND_OUTPUT_CAP_BYTES,
      commandsPerMinute: v.COMMANDS_PER_MINUTE,
      newPerLearnerPerTenMinutes: v.SANDBOX_NEW_PER_LEARNER_10MIN,
      registryMirror: v.SANDBOX_REGISTRY_MIRROR,
      mirrorUpstream: { setting: v.MIRROR_UPSTREAM, username: v.MIRROR_UPSTREAM_USERNAME, password: v.MIRROR_UPSTREAM_PASSWORD },
      blockEgress: v.SANDBOX_BLOCK_EGRESS,
      instance: v.SANDBOX_INSTANCE,
    },
  };
}

function metricsEndpoint(port: number | 'off' | undefined, host: string, mode: SlackMode): Config['metrics'] {
  if (port === 'off' || (port === undefined && mode === 'local')) return undefined;
  return { port: port ?? DEFAULT_METRICS_PORT, host };
}

/** The Prometheus exporters' customary port range; 9464 is the OpenTelemetry Prometheus exporter's. */
export const DEFAULT_METRICS_PORT = 9464;

import path from 'node:path';
import type { App } from '@slack/bolt';
import { assemble, type Assembly } from './assemble';
import { botSettings } from './bot-settings';
import type { Config } from './config';
import { formatProblem, LessonCatalog } from './lessons';
import type { Clock } from './kit';
import type { Logger } from './logger';
import { applyCpuPriority, Lifecycles, type BotMetrics, type Readiness } from './ops';
import type { Playground } from './playground';
import { PROJECT_ROOT } from './project-root';
import { ensureImages } from './images';
import { createDockerClient, createSandboxFiles, createSandboxPreviews, createSandboxService, createSandboxTerminals, logProbe, runOnEngineHost, type SandboxManager } from './sandbox';
import { createSlackApp, InFlight, multiWorkspace, singleWorkspace, verifySlackToken, type SlackApp, type SlackIdentity } from './slack';
import { openDatabase, PrismaChallengeStore, PrismaEventLedger, PrismaLearnerStore, PrismaTeamStore, PrismaClassStore, PrismaTutorStore, type Database, type EventLedger } from './store';
import { sandboxOwnership, type ChallengeClock, type ChallengeService, type Tutor } from './tutor';

export interface Bot {
  app: App;
  db: Database;
  identity: SlackIdentity;
  inFlight: InFlight;
  sandboxes: SandboxManager;
  tutor: Tutor;
  challenges: ChallengeService;
  /** The web playground, when WEB_PORT is set. */
  playground?: Playground;
  /** Stops receiving, lets in-flight work finish (up to the deadline), then closes the database. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Image build progress (first start builds the sandbox and lesson images). */
  onProgress?: (line: string) => void;
  lessonsDir?: string;
  /** The ops endpoints' state (main starts their server before the bot): start-bot binds each part as it comes up. */
  ops?: { metrics?: BotMetrics; readiness?: Readiness };
  /** Where challenge times come from instead of the database clock (tests: times decided by the test). */
  challengeClock?: ChallengeClock;
  /** Due dates, assignment reminders and the class view run on this clock (tests: a virtual one). */
  classClock?: Clock;
}

const PRUNE_EVERY_MS = 60 * 60 * 1000;

/**
 * The entry point's half of the composition root: makes the infrastructure (database, engine client, images,
 * sandbox service, Slack app), hands it to assemble() as ports, then runs the parts as an ordered list of
 * lifecycles: started in order, stopped in reverse by one path, on a failed start as on shutdown.
 */
export async function startBot(config: Config, log: Logger, opts: StartOptions = {}): Promise<Bot> {
  // first: what the bot starts from here on (embedded PostgreSQL, the shells' clients) takes the priority with it
  if (config.botNice !== 0) applyCpuPriority(config.botNice, log);
  // Multi-workspace (OAuth): no one identity; each request's comes from its workspace's installation.
  const identity: SlackIdentity = config.oauth ? { teamId: '', botUserId: '' } : await verifySlackToken(config.slack.botToken!, config.slack.apiUrl, config.allowedTeamIds);
  if (config.oauth) log.info({ mode: config.mode }, 'multi-workspace installs: tokens come from the installation store');
  else log.info({ team: identity.teamId, bot: identity.botUserId, mode: config.mode }, 'Slack accepted the bot token');

  const db = await openDatabase({ databaseUrl: config.databaseUrl, poolSize: config.databasePoolSize, dataDir: config.dataDir, log, backup: config.backup });
  const { metrics, readiness } = opts.ops ?? {};
  readiness?.set('database', async () => {
    await db.prisma.$queryRawUnsafe('SELECT 1');
  });
  // Parts are added in start order; stopping runs them in reverse, which is the shutdown order: readiness down,
  // pruning, App Homes, challenges, the Slack app, in-flight work (one deadline), sandboxes, the database.
  const lifecycles = new Lifecycles(log);
  lifecycles.add({ name: 'database', stop: () => db.close() });

  try {
    const { catalog, errors } = await LessonCatalog.load(opts.lessonsDir ?? path.join(PROJECT_ROOT, 'lessons'));
    for (const e of errors) log.error({ problem: formatProblem(e) }, 'lesson left out');
    log.info({ lessons: catalog.list().length, problems: errors.length }, 'lessons loaded');

    // DOCKER_HOST (and TLS) put every sandbox on another engine, away from the bot's tokens and database.
    const docker = createDockerClient({ host: config.docker.host, tls: config.docker.tls });
    readiness?.set('docker', async () => {
      await docker.ping();
    });
    const images = await ensureImages({ docker, log, onProgress: opts.onProgress, registryMirror: config.sandbox.registryMirror, mirrorUpstream: config.sandbox.mirrorUpstream, dockerHost: config.docker.host, runOnEngineHost });
    const stores = { learners: new PrismaLearnerStore(db.prisma), tutor: new PrismaTutorStore(db.prisma), challenges: new PrismaChallengeStore(db.prisma), ledger: new PrismaEventLedger(db.prisma), team: new PrismaTeamStore(db.prisma), class: new PrismaClassStore(db.prisma) };
    const sandboxes = createSandboxService(config, images, { docker, logger: log });
    lifecycles.add({
      name: 'sandboxes',
      async start() {
        // One tiny sandbox before any learner's: a profile this engine refuses stops start-up with one line.
        const probe = await sandboxes.probe();
        logProbe(log, config.sandbox.profile, probe);
        // whose a sandbox is comes from its labels (durable at creation); the store only vetoes (sandbox-ownership.ts)
        await sandboxes.start({ isKnown: sandboxOwnership(stores.tutor) });
      },
      // Containers stay: the next start adopts them, with what runs inside.
      stop: () => sandboxes.stop(),
    });

    const inFlight = new InFlight();
    const observer = metrics && { apiCall: metrics.slackCall.bind(metrics), request: metrics.slackRequest.bind(metrics) };
    const workspaces = config.oauth ? multiWorkspace(db.prisma, config.oauth) : singleWorkspace(identity.teamId);
    const slack = createSlackApp({ config, log, identity, ledger: stores.ledger, inFlight, observer, workspaces: workspaces.slack });
    const bot = assemble({ stores, sandboxes, slack, workspaces, identity, inFlight, catalog, clock: opts.challengeClock, classClock: opts.classClock, imagesCached: images.cacheOf !== undefined, metrics, terminals: createSandboxTerminals(config, sandboxes), files: createSandboxFiles(docker, sandboxes), previews: createSandboxPreviews(config, sandboxes, { logger: log }), log }, botSettings(config));

    lifecycles.add({ name: 'in-flight work', stop: () => drainWork(config, log, inFlight, bot.tutor, slack) });
    // Before Slack: a `playground` answered right after start needs the server's address.
    const playground = bot.playground;
    if (playground) lifecycles.add({ name: 'web playground', start: () => playground.start(), stop: () => playground.stop() });
    let slackStarted = false;
    lifecycles.add({
      name: 'slack',
      async start() {
        slackStarted = true;
        await slack.start();
        readiness?.set('slack', () => {
          if (!slack.isOpen()) throw new Error(config.mode === 'http' ? 'the HTTP listener is closed' : 'the Socket Mode connection is not open');
        });
      },
      stop: async () => {
        if (slackStarted) await slack.app.stop().catch((err: unknown) => log.warn({ err }, 'stopping the Slack app failed'));
      },
    });
    lifecycles.add({
      name: 'challenges',
      // Deadlines live in the database: those that passed while the bot was down end now.
      async start() {
        const recovered = await bot.recover();
        if (recovered) log.info({ recovered }, 'told learners about commands interrupted by the restart');
      },
      stop: () => bot.challenges.stop(),
    });
    lifecycles.add({ name: 'app homes', stop: () => bot.homes.stop() });
    lifecycles.add({ name: 'assignment reminders', start: async () => bot.classroom?.reminders.start(), stop: () => bot.classroom?.reminders.stop() });
    lifecycles.add(eventPruning(stores.ledger, config.eventRetentionHours, log));
    // Not ready from the first moment of shutdown: load balancers stop sending before the drain.
    lifecycles.add({ name: 'readiness', stop: () => ['slack', 'docker', 'database'].forEach((part) => readiness?.set(part, () => Promise.reject(new Error('shutting down')))) });

    await lifecycles.start();
    log.info({ mode: config.mode, database: db.embedded ? 'embedded' : 'external' }, 'bot started');
    return botHandle(bot, { app: slack.app, db, identity, inFlight, sandboxes }, lifecycles, log);
  } catch (err) {
    await lifecycles.stop();
    throw err;
  }
}

function botHandle(bot: Assembly, parts: Pick<Bot, 'app' | 'db' | 'identity' | 'inFlight' | 'sandboxes'>, lifecycles: Lifecycles, log: Logger): Bot {
  let stopping: Promise<void> | undefined;
  return {
    ...parts,
    tutor: bot.tutor,
    challenges: bot.challenges,
    playground: bot.playground,
    stop() {
      stopping ??= lifecycles.stop().then(() => log.info('bot stopped'));
      return stopping;
    },
  };
}

/** One deadline for every wait: requests, then the commands they started, then the last message edits. */
async function drainWork(config: Config, log: Logger, inFlight: InFlight, tutor: Tutor, slack: SlackApp): Promise<void> {
  const deadline = Date.now() + config.shutdownDeadlineMs;
  const signal = AbortSignal.timeout(config.shutdownDeadlineMs);
  // Both always run: the tutor's drain also marks it as shutting down.
  const requestsDone = await inFlight.drain(signal);
  const commandsDone = await tutor.drain(signal);
  if (!(requestsDone && commandsDone)) log.warn({ pending: inFlight.size }, 'shutdown deadline passed with work still in flight');
  await slack.streamer.close(Math.max(0, deadline - Date.now())).catch(() => undefined);
}

/** The dedupe ledger's event ids older than EVENT_RETENTION_HOURS go: once at start, then hourly. */
function eventPruning(ledger: EventLedger, retentionHours: number, log: Logger) {
  let timer: NodeJS.Timeout | undefined;
  const prune = async () => {
    const cutoff = new Date(Date.now() - retentionHours * 3600 * 1000);
    const removed = await ledger.prune(cutoff).catch((err) => log.warn({ err }, 'pruning processed events failed'));
    if (removed) log.info({ removed }, 'pruned processed event ids');
  };
  return {
    name: 'event pruning',
    async start() {
      await prune();
      timer = setInterval(() => prune().catch((err: unknown) => log.warn({ err }, 'pruning processed events failed')), PRUNE_EVERY_MS).unref();
    },
    stop: () => clearInterval(timer),
  };
}

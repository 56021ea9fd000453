import path from 'node:path';
import type { App } from '@slack/bolt';
import type { Config } from './config';
import { LessonCatalog } from './lessons';
import { formatProblem } from './lessons';
import type { Logger } from './logger';
import { countedChecks, timedSandboxPort } from './ops';
import type { BotMetrics } from './ops';
import type { Readiness } from './ops';
import { PROJECT_ROOT } from './project-root';
import { ensureImages } from './images';
import { createDockerClient, createSandboxService, diskSizeText, runOnEngineHost, type SandboxEvent, type SandboxManager } from './sandbox';
import { createSlackApp, InFlight, multiWorkspace, registerListeners, singleWorkspace, verifySlackToken, WorkspaceRemoval, type SlackIdentity } from './slack';
import { openDatabase, type Database } from './store';
import { PrismaEventLedger } from './store';
import { PrismaLearnerStore } from './store';
import { PrismaChallengeStore } from './store';
import { PrismaTutorStore } from './store';
import type { SandboxRowState } from './store';
import { ChallengeRaces, ChallengeService, type ChallengeClock } from './tutor';
import { parseLearnerKey } from './tutor';
import { Tutor } from './tutor';
import { TutorEvents } from './tutor';

export interface Bot {
  app: App;
  db: Database;
  identity: SlackIdentity;
  inFlight: InFlight;
  sandboxes: SandboxManager;
  tutor: Tutor;
  challenges: ChallengeService;
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
}

const PRUNE_EVERY_MS = 60 * 60 * 1000;

const SANDBOX_STATES: Partial<Record<SandboxEvent['type'], SandboxRowState>> = {
  created: 'ready',
  adopted: 'ready',
  removed: 'removed',
  reaped: 'removed',
  expired: 'removed',
  crashed: 'crashed',
  'oom-killed': 'crashed',
};

/** The composition root: wires the store, the sandboxes, the lessons, the tutor and the Slack app. */
export async function startBot(config: Config, log: Logger, opts: StartOptions = {}): Promise<Bot> {
  // Multi-workspace (OAuth): no one identity; each request's comes from its workspace's installation.
  const identity: SlackIdentity = config.oauth ? { teamId: '', botUserId: '' } : await verifySlackToken(config.slack.botToken!, config.slack.apiUrl);
  if (config.oauth) log.info({ mode: config.mode }, 'multi-workspace installs: tokens come from the installation store');
  else log.info({ team: identity.teamId, bot: identity.botUserId, mode: config.mode }, 'Slack accepted the bot token');

  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, log });
  const { metrics, readiness } = opts.ops ?? {};
  readiness?.set('database', async () => {
    await db.prisma.$queryRawUnsafe('SELECT 1');
  });
  const cleanups: (() => Promise<unknown>)[] = [() => db.close()];
  const fail = async (err: unknown) => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    throw err;
  };

  try {
    const { catalog, errors } = await LessonCatalog.load(opts.lessonsDir ?? path.join(PROJECT_ROOT, 'lessons'));
    for (const e of errors) log.error({ problem: formatProblem(e) }, 'lesson left out');
    log.info({ lessons: catalog.list().length, problems: errors.length }, 'lessons loaded');

    // DOCKER_HOST (and TLS) put every sandbox on another engine, away from the bot's tokens and database.
    const docker = createDockerClient({ host: config.docker.host, tls: config.docker.tls });
    readiness?.set('docker', async () => {
      await docker.ping();
    });
    const images = await ensureImages({ docker, log, onProgress: opts.onProgress, registryMirror: config.sandbox.registryMirror, dockerHost: config.docker.host, runOnEngineHost });
    const store = new PrismaTutorStore(db.prisma);
    const sandboxes = createSandboxService(config, images, { docker, logger: log });
    cleanups.push(() => sandboxes.stop());

    const ledger = new PrismaEventLedger(db.prisma);
    const learners = new PrismaLearnerStore(db.prisma);
    const inFlight = new InFlight();
    // Built in dependency order, each with what it needs: the Slack ports, the race rules (which the
    // tutor consults), the tutor, the challenge service (which starts attempts through the tutor), then
    // the listeners. Progress reaches the App Home through the tutor's events.
    const observer = metrics && { apiCall: metrics.slackCall.bind(metrics), request: metrics.slackRequest.bind(metrics) };
    const workspaces = config.oauth ? multiWorkspace(db.prisma, config.oauth) : singleWorkspace(identity.teamId);
    const slack = createSlackApp({ config, log, identity, ledger, inFlight, observer, workspaces: workspaces.slack });
    const challengeBase = { store: new PrismaChallengeStore(db.prisma), catalog, channels: slack.channels, log, clock: opts.challengeClock };
    const races = new ChallengeRaces(challengeBase);
    const events = new TutorEvents((err) => log.error({ err }, 'a tutor event listener failed'));
    const limits = { commandsPerMinute: config.sandbox.commandsPerMinute, actionsPerMinute: 2 * config.sandbox.commandsPerMinute };
    const tutor = new Tutor({
      learners,
      store,
      catalog,
      sandboxes: metrics ? timedSandboxPort(sandboxes, metrics) : sandboxes,
      log,
      events,
      challenges: metrics ? countedChecks(races, metrics) : races,
      limits,
    });
    const challenges = new ChallengeService({
      ...challengeBase,
      teamId: identity.teamId,
      learners,
      races,
      tutor,
      dmFor: (userId) => slack.conversations.forUser(userId),
      adminUserIds: config.adminUserIds,
      hintPenaltySeconds: config.challengeHintPenaltySeconds,
      minSolveSeconds: config.challengeMinSolveSeconds,
      // Each racer's exercise images are pulled into their fresh sandbox before the task is shown.
      sandboxes,
      userNames: (userId) => slack.channels.userNames(userId),
    });
    cleanups.push(async () => challenges.stop());
    const remover = workspaces.slack && new WorkspaceRemoval({ installs: workspaces.slack.installs, learnersOf: (teamId) => learners.userIdsOf(teamId), removeSandbox: (key) => sandboxes.reset(key), log });
    const { homes } = registerListeners(slack, { config, log, identity, ledger, inFlight, tutor, challenges, events, remover });
    cleanups.push(async () => homes.stop());

    metrics?.bind({
      sandboxes: () => sandboxes.stats(),
      sandboxLimits: { maxSandboxes: config.sandbox.maxSandboxes, warmPool: config.sandbox.warmPool },
      commandsRunning: () => tutor.commandsRunning,
      updateBudget: () => slack.budgets.summary(),
      activeChallenges: async () => {
        let n = 0;
        for (const teamId of await workspaces.teamIds()) n += (await challengeBase.store.running(teamId)).length;
        return n;
      },
    });
    // The sandbox reports; the bot persists and tells the learner in plain words.
    sandboxes.on((e) => {
      metrics?.sandboxEvent(e.type);
      // Sandbox keys are plain strings (the sandbox layer knows nothing of learners); ours are LearnerKeys.
      const learner = parseLearnerKey(e.learnerKey);
      if (!learner) return;
      const { teamId, userId } = learner;
      const state = SANDBOX_STATES[e.type];
      if (state && 'containerId' in e) void store.recordSandbox(teamId, userId, e.containerId, state).catch((err) => log.warn({ err }, 'could not record sandbox state'));
      const say = (text: string) =>
        void workspaces
          .run(teamId, async () => {
            const channel = await store.dmChannelOf(teamId, userId);
            if (channel) await slack.conversations.forChannel(channel).say({ text });
          })
          .catch((err: unknown) => log.warn({ err }, 'could not tell a learner about their sandbox'));
      if (e.type === 'queued') say(`All sandboxes are busy right now: you are number ${e.position} in line. Your command will run as soon as one is free.`);
      if (e.type === 'crashed') say('Your sandbox stopped unexpectedly. Your next command gets a fresh one; your lesson progress is kept.');
      if (e.type === 'oom-killed') say(`Your sandbox ran out of memory (limit ${config.sandbox.memoryMb} MiB) and was stopped. Your next command gets a fresh one; your lesson progress is kept.`);
      if (e.type === 'disk-full') {
        const size = config.sandbox.diskMb ? ` (${diskSizeText(config.sandbox.diskMb)})` : '';
        say(`Your sandbox's disk is full${size}: \`reset\` or remove images (\`$ docker system prune -af\`).`);
      }
    });
    // One tiny sandbox before any learner's: a profile this engine refuses stops start-up with one line.
    const probe = await sandboxes.probe();
    log.info({ profile: config.sandbox.profile, readyMs: probe.readyMs }, 'sandbox profile works on this engine');
    await sandboxes.start({ isKnown: (_key, containerId) => store.knownSandbox(containerId) });

    const prune = async () => {
      const cutoff = new Date(Date.now() - config.eventRetentionHours * 3600 * 1000);
      const removed = await ledger.prune(cutoff).catch((err) => log.warn({ err }, 'pruning processed events failed'));
      if (removed) log.info({ removed }, 'pruned processed event ids');
    };
    await prune();
    const pruneTimer = setInterval(() => prune().catch((err: unknown) => log.warn({ err }, 'pruning processed events failed')), PRUNE_EVERY_MS).unref();
    cleanups.push(async () => clearInterval(pruneTimer));

    await slack.start();
    readiness?.set('slack', () => {
      if (!slack.isOpen()) throw new Error(config.mode === 'http' ? 'the HTTP listener is closed' : 'the Socket Mode connection is not open');
    });
    // Deadlines live in the database: those that passed while the bot was down end now.
    let recovered = 0;
    for (const teamId of await workspaces.teamIds()) {
      await workspaces.run(teamId, async () => {
        await challenges.restore(teamId);
        recovered += await tutor.recoverAfterRestart(teamId, (_t, _u, channel) => slack.conversations.forChannel(channel));
      });
    }
    if (recovered) log.info({ recovered }, 'told learners about commands interrupted by the restart');
    log.info({ mode: config.mode, database: db.embedded ? 'embedded' : 'external' }, 'bot started');

    let stopping: Promise<void> | undefined;
    return {
      app: slack.app,
      db,
      identity,
      inFlight,
      sandboxes,
      tutor,
      challenges,
      stop() {
        stopping ??= (async () => {
          // Not ready from the first moment of shutdown: load balancers stop sending before the drain.
          for (const part of ['slack', 'docker', 'database']) readiness?.set(part, () => Promise.reject(new Error('shutting down')));
          clearInterval(pruneTimer);
          homes.stop();
          challenges.stop();
          await slack.app.stop().catch((err: unknown) => log.warn({ err }, 'stopping the Slack app failed'));
          // One deadline for every wait: requests, then the commands they started, then the last message edits.
          const deadline = Date.now() + config.shutdownDeadlineMs;
          const signal = AbortSignal.timeout(config.shutdownDeadlineMs);
          // Both always run: the tutor's drain also marks it as shutting down.
          const requestsDone = await inFlight.drain(signal);
          const commandsDone = await tutor.drain(signal);
          const drained = requestsDone && commandsDone;
          if (!drained) log.warn({ pending: inFlight.size }, 'shutdown deadline passed with work still in flight');
          await slack.streamer.close(Math.max(0, deadline - Date.now())).catch(() => undefined);
          // Containers stay: the next start adopts them, with what runs inside.
          await sandboxes.stop();
          await db.close();
          log.info('bot stopped');
        })();
        return stopping;
      },
    };
  } catch (err) {
    return fail(err);
  }
}

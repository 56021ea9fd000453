import type { BotSettings } from './bot-settings';
import type { Clock } from './kit';
import type { LessonCatalog } from './lessons';
import type { Logger } from './logger';
import { countedChecks, countedLessons, timedSandboxPort, type BotMetrics } from './ops';
import { createPlayground, type Playground, type PlaygroundLearner } from './playground';
import type { SandboxFiles, SandboxPort, SandboxPreviews, SandboxStats, SandboxTerminals } from './sandbox';
import { COMMAND_END_MARK, latestKeyQuota } from './sandbox';
import { registerListeners, SlackAdminGroup, WorkspaceRemoval, type HomePublisher, type InFlight, type SlackApp, type SlackIdentity, type Workspaces } from './slack';
import type { ChallengeStore, ClassStore, EventLedger, LearnerStore, TeamStore, TutorStore } from './store';
import { AdminDirectory, WatchCommand, ChallengeRaces, ChallengeService, ClassReport, ForgetMe, learnerKeyOf, MessagesWelcome, sandboxNotices, Tutor, TutorEvents, type ChallengeClock, type ConversationPort } from './tutor';
import { classroom, type Classroom } from './assemble-class';

/** The outside systems the bot's parts talk to, already made: real ones in start-bot, fakes in tests. */
export interface BotPorts {
  stores: {
    /** The learner store, plus the one query uninstalling a workspace needs (its learners' sandboxes go). */
    learners: LearnerStore & { userIdsOf(teamId: string): Promise<string[]> };
    tutor: TutorStore;
    challenges: ChallengeStore;
    ledger: EventLedger;
    /** Class reports, `forget me` and the Messages tab welcome; left out, those are off. */
    team?: TeamStore;
    /** Assignments and the class view; without it `/tutor assign` and the class view are off (in-process tests). */
    class?: ClassStore;
  };
  /** The sandbox contract; stats() feeds the metrics. */
  sandboxes: SandboxPort & { stats(): SandboxStats };
  /** createSlackApp's result: the Bolt app and the ports the tutor and challenges talk through. */
  slack: SlackApp;
  /** The workspaces served and how work the bot starts by itself runs as one's (multi-workspace tokens). */
  workspaces: Workspaces;
  identity: SlackIdentity;
  /** The Slack requests being handled (the same one createSlackApp counts). */
  inFlight: InFlight;
  catalog: LessonCatalog;
  /** Due dates, reminders and the class view's time (tests: a virtual clock). */
  classClock?: Clock;
  /** Where challenge times come from instead of the store's clock (tests). */
  clock?: ChallengeClock;
  /** The sandboxes' mirror caches a real registry (MIRROR_UPSTREAM) rather than serving the offline stand-ins. */
  imagesCached?: boolean;
  metrics?: BotMetrics;
  /** Second, interactive shells in the sandboxes: the web playground's terminal (served when WEB_PORT is set). */
  terminals?: SandboxTerminals;
  /** The learners' files in their sandboxes: the playground's editor. */
  files?: SandboxFiles;
  /** The playground's port previews: published ports and a stream to one, in the learner's own sandbox. */
  previews?: SandboxPreviews;
  log: Logger;
}

/** The services, built and wired; the caller starts and stops them (start-bot's lifecycles, the test bot). */
export interface Assembly {
  tutor: Tutor;
  races: ChallengeRaces;
  challenges: ChallengeService;
  events: TutorEvents;
  homes: HomePublisher;
  /** Assignments, their reminders and the class view (when the class store is given). */
  classroom?: Classroom;
  /** The web playground (WEB_PORT); the caller starts it before Slack, so links can be made. */
  playground?: Playground;
  /**
   * After a restart, per workspace: challenges whose deadline passed while the bot was down end, and learners
   * whose commands the restart interrupted are told. Returns how many learners were told.
   */
  recover(): Promise<number>;
}

/**
 * The composition root every entry point uses: builds the tutor, the challenge races and service, registers the
 * Slack listeners and the sandbox-event notices, and binds the metrics. Pure wiring: nothing starts here.
 */
export function assemble(ports: BotPorts, settings: BotSettings): Assembly {
  const { stores, sandboxes, slack, workspaces, identity, catalog, metrics, log } = ports;
  // Built in dependency order: the race rules (which the tutor consults), the tutor, the challenge service
  // (which starts attempts through the tutor), then the listeners. Progress reaches the App Home through events.
  const challengeBase = { store: stores.challenges, catalog, channels: slack.channels, log, clock: ports.clock };
  const races = new ChallengeRaces(challengeBase);
  const events = new TutorEvents((err) => log.error({ err }, 'a tutor event listener failed'));
  // eslint-disable-next-line prefer-const -- the playground's lesson side calls the tutor made just below
  let tutor: Tutor;
  const playground = settings.config.playground && ports.terminals && createPlayground({
    config: settings.config.playground,
    sessionMs: settings.config.sandbox.idleMinutes * 60_000,
    terminals: { open: (who, size) => ports.terminals!.open(learnerKeyOf(who), size), touch: (who) => ports.terminals!.touch(learnerKeyOf(who)) },
    mark: COMMAND_END_MARK,
    lessons: playgroundLessons(() => tutor, ports),
    ...(ports.files && { files: { of: (who: PlaygroundLearner) => ports.files!.of(learnerKeyOf(who)) } }),
    previewLimits: { maxMs: settings.config.playground.previewMaxSeconds * 1000 },
    previews: ports.previews && { ports: (who) => ports.previews!.ports(learnerKeyOf(who)), connect: (who, port, opts) => ports.previews!.connect(learnerKeyOf(who), port, opts) },
    log,
  });
  tutor = new Tutor({
    learners: stores.learners,
    store: metrics ? countedLessons(stores.tutor, metrics) : stores.tutor,
    catalog,
    sandboxes: metrics ? timedSandboxPort(sandboxes, metrics) : sandboxes,
    log,
    events,
    challenges: metrics ? countedChecks(races, metrics) : races,
    limits: settings.limits,
    imagesCached: ports.imagesCached,
    ...(playground && { playground: { linkFor: (ref: PlaygroundLearner) => playground.linkFor(ref) } }),
    ...(playground && ports.previews && { previews: previewOffers(playground, ports.previews) }),
  });
  // ADMIN_USER_IDS, plus the members of ADMIN_USERGROUP (read from Slack per workspace, cached).
  const group = settings.config.adminUsergroup;
  const admins = new AdminDirectory(settings.challenges.adminUserIds, group ? new SlackAdminGroup({ client: slack.app.client, group, log }) : undefined);
  if (playground) events.on('progress', (e) => playground.stepChanged({ teamId: e.teamId, userId: e.userId }));
  const challenges = new ChallengeService({
    ...challengeBase,
    teamId: identity.teamId,
    learners: stores.learners,
    races,
    tutor,
    dmFor: (userId) => slack.conversations.forUser(userId),
    adminUserIds: settings.challenges.adminUserIds,
    admins,
    hintPenaltySeconds: settings.challenges.hintPenaltySeconds,
    minSolveSeconds: settings.challenges.minSolveSeconds,
    warmSandboxes: settings.challenges.warmSandboxes,
    // Each racer's exercise images are pulled into their fresh sandbox before the task is shown.
    sandboxes,
    userNames: (userId) => slack.channels.userNames(userId),
  });
  const team = stores.team && {
    report: new ClassReport({ store: stores.team, admins }),
    welcome: new MessagesWelcome({ store: stores.team, learners: stores.learners }),
    forget: new ForgetMe({ store: stores.team, learners: stores.learners, challenges: stores.challenges, sandboxes, refreshBoard: (c) => races.boards.refresh(c), log }),
  };
  const remover =
    workspaces.slack && new WorkspaceRemoval({ installs: workspaces.slack.installs, learnersOf: (teamId) => stores.learners.userIdsOf(teamId), removeSandbox: (key) => sandboxes.reset(key), log });
  const exercises = () => catalog.list('exercise').map((l) => ({ id: l.id, title: l.title }));
  const room = classroom(ports, settings, tutor, admins);
  // `/tutor watch`: offered only when the operator enabled PLAYGROUND_ADMIN_VIEW; otherwise it says so
  const watchLinkFor = playground && settings.config.playground?.adminView ? (who: PlaygroundLearner, admin: string) => playground.watchLinkFor(who, admin)! : undefined;
  const watch = new WatchCommand({ admins, learners: stores.learners, watchLinkFor, log });
  const { homes } = registerListeners(slack, { config: settings.config, log, identity, ledger: stores.ledger, inFlight: ports.inFlight, tutor, challenges, events, remover, admins, team, exercises, classroom: room, watch });

  metrics?.bind({
    sandboxes: () => sandboxes.stats(),
    sandboxLimits: settings.sandboxLimits,
    commandsRunning: () => tutor.commandsRunning,
    learnerSandboxRefusals: () => tutor.sandboxRefusals,
    updateBudget: () => slack.budgets.summary(),
    kernelKeys: latestKeyQuota,
    assignments: stores.class && (async () => {
      const c = await stores.class!.counts(new Date());
      return { assigned: c.open + c.completed, completed: c.completed, overdue: c.overdue };
    }),
    activeChallenges: async () => {
      let n = 0;
      for (const teamId of await workspaces.teamIds()) n += (await stores.challenges.running(teamId)).length;
      return n;
    },
  });
  // The sandbox reports; the bot counts, persists and tells the learner in plain words.
  if (metrics) sandboxes.on((e) => metrics.sandboxEvent(e.type));
  // A sandbox made later in a lesson (after an idle removal, a crash) gets the lesson's images too.
  sandboxes.on((e) => e.type === 'created' && tutor.sandboxCreated(e.learnerKey));
  sandboxes.on(
    sandboxNotices({
      store: stores.tutor,
      conversationIn: (channel) => slack.conversations.forChannel(channel),
      asWorkspace: (teamId, fn) => workspaces.run(teamId, fn),
      limits: settings.notices,
      log,
    }),
  );

  return {
    tutor,
    races,
    challenges,
    events,
    homes,
    classroom: room,
    playground: playground || undefined,
    async recover() {
      let recovered = 0;
      for (const teamId of await workspaces.teamIds()) {
        await workspaces.run(teamId, async () => {
          // an unreadable ADMIN_USERGROUP is logged now rather than at the first admin command
          await admins.prime(teamId).catch((err: unknown) => log.warn({ err }, 'could not read ADMIN_USERGROUP at start'));
          await challenges.restore(teamId);
          recovered += await tutor.recoverAfterRestart(teamId, (_t, _u, channel) => slack.conversations.forChannel(channel));
        });
      }
      return recovered;
    },
  };
}

/** Port previews as the tutor offers them: the sandbox's published ports, the playground's landing links. */
function previewOffers(playground: Playground, previews: SandboxPreviews) {
  return { ports: async (key: string) => (await previews.ports(key)).map((p) => p.port), linkFor: (ref: PlaygroundLearner, port: number) => playground.previewLinkFor(ref, port) };
}

/** The playground's lesson side: the tutor, answering in the learner's DM (and, for the page, what it said). */
function playgroundLessons(tutor: () => Tutor, ports: BotPorts) {
  const inDm = <T>(who: PlaygroundLearner, fn: (ref: { teamId: string; userId: string; dmChannel: string }, port: ConversationPort, said: string[]) => Promise<T>) =>
    ports.workspaces.run(who.teamId, async () => {
      const dm = await ports.slack.conversations.forUser(who.userId);
      const said: string[] = [];
      const port: ConversationPort = { say: async (r) => {
        said.push(r.text);
        await dm.say(r);
      }, commandView: (c) => dm.commandView(c) };
      return fn({ teamId: who.teamId, userId: who.userId, dmChannel: dm.channel }, port, said);
    });
  const action = (name: string) => (who: PlaygroundLearner) => inDm(who, async (ref, port, said) => (await tutor().onAction(ref, `tutor:${name}`, undefined, port), said));
  return {
    step: (who: PlaygroundLearner) => inDm(who, (ref, port) => tutor().currentStep(ref, port)),
    check: action('check'),
    hint: action('hint'),
    commandEnded: (who: PlaygroundLearner) => inDm(who, (ref, port) => tutor().commandEndedElsewhere(ref, port)),
    admitCommand: (who: PlaygroundLearner) => tutor().admitCommand(who),
  };
}

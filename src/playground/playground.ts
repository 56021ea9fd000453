import { randomBytes } from 'node:crypto';
import type { PlaygroundConfig } from '../config';
import { systemClock, type Clock } from '../kit';
import type { Logger } from '../logger';
import { loadBrowserAssets } from './browser-assets';
import { LearnerTokens, type PlaygroundLearner } from './learner-tokens';
import { PlaygroundServer, type PlaygroundRoute } from './playground-server';
import { createPreviews } from './preview/previews';
import type { PreviewDialer, PreviewLimits } from './preview/preview-proxy';
import { TerminalHub, type TerminalOpener } from './terminal-hub';
import { fileRoutes, type PlaygroundFiles } from './files/file-routes';
import { securityHeaders } from './web-security';

/** The step as the page shows it. */
export interface PlaygroundStep {
  lessonTitle: string;
  title: string;
  body: string;
  index: number;
  count: number;
  autoCheck: boolean;
}

/** The lesson side, as the composition root wires it to the tutor (answers also go to the learner's DM). */
export interface PlaygroundLessons {
  step(who: PlaygroundLearner): Promise<PlaygroundStep | undefined>;
  /** The Check button: what the tutor said (also said in Slack). */
  check(who: PlaygroundLearner): Promise<string[]>;
  hint(who: PlaygroundLearner): Promise<string[]>;
  /** A command ended in the terminal: the step's automatic check (speaks in Slack only when it passes). */
  commandEnded(who: PlaygroundLearner): Promise<void>;
  /** A line entered in the terminal, counted against the learner's command budget (chat's): undefined goes on, a text refuses it. */
  admitCommand?(who: PlaygroundLearner): string | undefined;
}

export interface PlaygroundOptions {
  config: PlaygroundConfig;
  /** The session cookie's lifetime: the sandbox's idle limit (the sandbox is gone after it anyway). */
  sessionMs: number;
  terminals: TerminalOpener;
  /** The shell's command-end cue (the sandbox layer's COMMAND_END_MARK). */
  mark: string;
  lessons: PlaygroundLessons;
  /** The learners' files (the editor); without it the page has no editor routes. */
  files?: PlaygroundFiles;
  log: Logger;
  clock?: Clock;
  /** Terminal tuning (tests). */
  keepMs?: number;
  bytesPerSecond?: number;
  /** Port previews (`/preview/<port>/`); without it there are none. */
  previews?: PreviewDialer;
  previewLimits?: Partial<PreviewLimits>;
}

export interface Playground {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** A learner's link: single use, 10 minutes, their DM only. */
  linkFor(who: PlaygroundLearner): string;
  /** An admin's read-only link to a learner's playground (single use, 10 minutes); undefined unless PLAYGROUND_ADMIN_VIEW. */
  watchLinkFor(who: PlaygroundLearner, adminUserId: string): string | undefined;
  /** A link that lands on the learner's preview of `port` (undefined without previews). */
  previewLinkFor(who: PlaygroundLearner, port: number): string | undefined;
  /** The learner's step changed (from Slack or the page): their page reloads it. */
  stepChanged(who: PlaygroundLearner): void;
  readonly publicUrl: URL;
  readonly terminals: TerminalHub;
}

/** The web playground: its server, the learners' terminals, the step panel's routes. */
export function createPlayground(o: PlaygroundOptions): Playground {
  const clock = o.clock ?? systemClock;
  const log = o.log.child({ part: 'playground' });
  // without PLAYGROUND_SECRET a key of this process: links and sessions end with a restart (a local try-out)
  const tokens = new LearnerTokens(o.config.secret ?? randomBytes(32), clock, o.sessionMs);
  const hub = new TerminalHub({
    opener: o.terminals,
    mark: o.mark,
    log,
    clock,
    keepMs: o.keepMs,
    bytesPerSecond: o.bytesPerSecond,
    admitCommand: o.lessons.admitCommand && ((who) => o.lessons.admitCommand!(who)),
    onCommandEnd: (who) => {
      void o.lessons.commandEnded(who).catch((err: unknown) => log.warn({ err }, 'the check after a terminal command failed'));
      // the page refreshes its "Preview :PORT" links (a command may have published one)
      if (previews) hub.notify(who, { t: 'ports' });
    },
  });
  const previews = o.previews && createPreviews({ dialer: o.previews, publicUrl: (): URL => server.publicUrl, log, limits: o.previewLimits, domain: o.config.previewDomain, tokens, clock });
  const said = (fn: (who: PlaygroundLearner) => Promise<string[]>): PlaygroundRoute['handle'] => async ({ learner, json }) => json(200, { said: await fn(learner) });
  const routes: PlaygroundRoute[] = [
    { method: 'GET', path: /^\/api\/step$/, watchable: true, handle: async ({ learner, json }) => json(200, { step: (await o.lessons.step(learner)) ?? null }) },
    { method: 'POST', path: /^\/api\/check$/, handle: said((w) => o.lessons.check(w)) },
    { method: 'POST', path: /^\/api\/hint$/, handle: said((w) => o.lessons.hint(w)) },
    ...(previews ? [previews.route] : []),
  ];
  if (o.files) routes.push(...fileRoutes({ files: o.files, headers: () => securityHeaders(server.publicUrl), log }));
  const server: PlaygroundServer = new PlaygroundServer({
    host: o.config.host,
    port: o.config.port,
    publicUrl: o.config.publicUrl,
    tokens,
    assets: loadBrowserAssets,
    routes,
    adminView: o.config.adminView,
    sockets: [
      {
        path: '/ws/terminal',
        handle: async (ws, learner, url) => {
          const dim = (name: string, def: number, max: number) => Math.min(max, Math.max(1, Math.floor(Number(url.searchParams.get(name))) || def));
          await hub.attach(learner, ws, { cols: dim('cols', 100, 500), rows: dim('rows', 30, 200) });
        },
        watch: (ws, learner) => hub.watch(learner, ws),
      },
    ],
    prefixes: previews ? [previews.prefix] : [],
    hosts: previews?.hosts,
    landingFor: previews?.landingFor,
    log,
  });
  return {
    start: () => server.start(),
    async stop() {
      hub.close();
      previews?.close();
      await server.stop();
    },
    // only the two ids: a learner's link never carries a watcher, whatever else the caller's object holds
    linkFor: (who) => server.linkFor({ teamId: who.teamId, userId: who.userId }),
    watchLinkFor: (who, watcher) => (o.config.adminView ? server.linkFor({ ...who, watcher }) : undefined),
    previewLinkFor: (who, port) => (previews ? server.linkFor({ teamId: who.teamId, userId: who.userId }, `/preview/${port}/`) : undefined),
    stepChanged: (who) => hub.notify(who, { t: 'step' }),
    get publicUrl() {
      return server.publicUrl;
    },
    terminals: hub,
  };
}

/**
 * The web playground's front door: a browser terminal in the learner's own sandbox, beside the lesson, one click
 * from Slack. It knows nothing of Slack, the tutor or the database: the composition root hands it a terminal
 * opener (the sandbox layer's) and the lesson side (the tutor's), both keyed by workspace and user.
 */
export { createPlayground, type Playground, type PlaygroundLessons, type PlaygroundOptions, type PlaygroundStep } from './playground';
export type { PlaygroundLearner } from './learner-tokens';
export type { TerminalOpener, TerminalPty } from './terminal-hub';
export type { PlaygroundRoute, PlaygroundSocket, RouteContext } from './playground-server';
export type { LearnerFiles, PlaygroundFiles } from './files/file-routes';
export { buildBrowserAssets } from './browser-assets';

import type { ChallengeService } from '../tutor';
import type { Tutor } from '../tutor';
import type { TutorEvents } from '../tutor';
import type { SlackClassroom } from './class-home';
import type { SlackApp, SlackDeps } from './create-slack-app';
import { HomePublisher } from './home-publisher';
import { registerActions } from './listeners/actions';
import { registerAppHome } from './listeners/app-home';
import { registerDirectMessages } from './listeners/direct-message';
import { registerMention } from './listeners/mention';
import { registerSlashCommand } from './listeners/slash-command';
import { registerUninstall } from './listeners/uninstall';
import type { WorkspaceRemover } from './oauth/workspace-remover';

/** What the listeners hand work to; built after createSlackApp, from its ports. */
export interface SlackServices {
  tutor: Tutor;
  challenges: ChallengeService;
  /** The tutor's events: progress changes republish the learner's App Home. */
  events: TutorEvents;
  /** Assignments and the class view (`/tutor assign`, the admin's App Home). */
  classroom?: SlackClassroom;
}

/** Registers every listener (call once, before app.start). Returns the App Home publisher: stop it at shutdown. */
export function registerListeners(slack: SlackApp, deps: SlackDeps & SlackServices & { remover?: WorkspaceRemover }): { homes: HomePublisher } {
  const { app, conversations } = slack;
  const homes = new HomePublisher({ client: app.client, tutor: deps.tutor, challenges: deps.challenges, events: deps.events, log: deps.log, classroom: deps.classroom });
  const listenerDeps = { ...deps, conversations, homes };
  registerDirectMessages(app, listenerDeps);
  registerActions(app, listenerDeps);
  registerSlashCommand(app, listenerDeps);
  registerMention(app);
  registerAppHome(app, listenerDeps);
  if (deps.remover) {
    const inner = deps.remover;
    // A removed workspace's chat.update budget goes with it (reinstalling starts a fresh one).
    const remover: WorkspaceRemover = { remove: async (teamId, reason) => (await inner.remove(teamId, reason), slack.budgets.forget(teamId)) };
    registerUninstall(app, { remover, log: deps.log });
    slack.revokedTokens.stopWith(remover);
  }
  return { homes };
}

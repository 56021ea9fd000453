import type { AdminDirectory, ChallengeService, ClassReport, ForgetMe, MessagesWelcome, WatchCommand } from '../../tutor';
import type { Tutor } from '../../tutor';
import type { TutorEvents } from '../../tutor';
import type { SlackClassroom } from '../team/class-home';
import type { SlackApp, SlackDeps } from './create-slack-app';
import { HomePublisher } from '../home-publisher';
import { registerActions } from '../listeners/actions';
import { registerAppHome } from '../listeners/app-home';
import { registerDirectMessages } from '../listeners/direct-message';
import { registerMention } from '../listeners/mention';
import { registerSlashCommand } from '../listeners/slash-command';
import { registerUninstall } from '../listeners/uninstall';
import type { WorkspaceRemover } from '../oauth/workspace-remover';
import { registerChallengeModal, type ExerciseChoice } from '../team/challenge-modal';
import { TeamCommands } from '../team/team-commands';
import { registerMessagesWelcome, registerStartLessonShortcut } from '../team/welcome-and-shortcut';

/** What the listeners hand work to; built after createSlackApp, from its ports. */
export interface SlackServices {
  tutor: Tutor;
  challenges: ChallengeService;
  /** The tutor's events: progress changes republish the learner's App Home. */
  events: TutorEvents;
  /** Who is an admin (ADMIN_USER_IDS and ADMIN_USERGROUP). */
  admins: AdminDirectory;
  /** `/tutor report` and `/tutor forget me`; left out (no team store), those words are not understood. */
  team?: { report: ClassReport; forget: ForgetMe; welcome: MessagesWelcome };
  /** The exercises a challenge can run, for the `/tutor challenge start` modal. */
  exercises?: () => ExerciseChoice[];
  /** Assignments and the class view (`/tutor assign`, the admin's App Home). */
  classroom?: SlackClassroom;
  /** `/tutor watch`: an admin's read-only link to a learner's playground. */
  watch?: WatchCommand;
}

/** Registers every listener (call once, before app.start). Returns the App Home publisher: stop it at shutdown. */
export function registerListeners(slack: SlackApp, deps: SlackDeps & SlackServices & { remover?: WorkspaceRemover }): { homes: HomePublisher } {
  const { app, conversations } = slack;
  const homes = new HomePublisher({ client: app.client, tutor: deps.tutor, challenges: deps.challenges, events: deps.events, log: deps.log, classroom: deps.classroom, busy: () => deps.inFlight.size > 0 });
  const team = deps.team && new TeamCommands({ ...deps.team, conversations, log: deps.log });
  team?.register(app);
  const listenerDeps = { ...deps, conversations, homes, teamCommands: team };
  registerDirectMessages(app, listenerDeps);
  registerActions(app, listenerDeps);
  registerSlashCommand(app, listenerDeps);
  registerMention(app);
  registerAppHome(app, listenerDeps);
  registerStartLessonShortcut(app, listenerDeps);
  registerChallengeModal(app, { challenges: deps.challenges, log: deps.log, dmOf: (userId) => conversations.forUser(userId) });
  if (deps.team) registerMessagesWelcome(app, { ...listenerDeps, welcome: deps.team.welcome });
  if (deps.remover) {
    const inner = deps.remover;
    // A removed workspace's chat.update budget goes with it (reinstalling starts a fresh one).
    const remover: WorkspaceRemover = { remove: async (teamId, reason) => (await inner.remove(teamId, reason), slack.budgets.forget(teamId)) };
    registerUninstall(app, { remover, log: deps.log });
    slack.revokedTokens.stopWith(remover);
  }
  return { homes };
}

import type { BotPorts } from './assemble';
import type { BotSettings } from './bot-settings';
import { channelMembers } from './slack';
import { systemClock, type Clock } from './kit';
import { AssignmentReminders, Assignments, ClassView, userToken, type AdminDirectory, type ClassDeps, type ConversationPort, type Tutor } from './tutor';

/** The team lead's tools, built on the same ports as the rest (part of the composition root). */
export interface Classroom {
  assignments: Assignments;
  /** Due-date reminders: started and stopped with the bot (start-bot's lifecycles). */
  reminders: AssignmentReminders;
  classView: ClassView;
}

/** Wires assignments (and what depends on them) when the class store is there; nothing starts here. */
export function classroom(ports: BotPorts, settings: BotSettings, tutor: Tutor, admins: AdminDirectory): Classroom | undefined {
  const { stores, slack, workspaces, catalog, log } = ports;
  if (!stores.class) return undefined;
  const clock: Clock = ports.classClock ?? systemClock;
  const deps: ClassDeps = {
    store: stores.class,
    learners: stores.learners,
    tutorStore: stores.tutor,
    catalog,
    log,
    isAdmin: (teamId, userId) => admins.isAdmin(teamId, userId),
    // Work the bot starts by itself (reminders) runs as the learner's workspace, each call included.
    dmFor: async (teamId, userId): Promise<ConversationPort> => {
      const dm = await workspaces.run(teamId, () => slack.conversations.forUser(userId));
      return { say: (r) => workspaces.run(teamId, () => dm.say(r)), commandView: (c) => workspaces.run(teamId, () => dm.commandView(c)) };
    },
    channelMembers: (teamId, channel) => workspaces.run(teamId, () => channelMembers(slack.app.client, channel, ports.identity.botUserId || undefined)),
    userNames: (teamId, userId) => workspaces.run(teamId, () => slack.channels.userNames(userId)),
    now: () => clock.now(),
  };
  // The class view's hint is the learner's own Hint button pressed for them: the same text, the same counter (and,
  // in a race, the same penalty), after one line saying who sent it.
  const hint = (teamId: string, userId: string, from: string) =>
    workspaces.run(teamId, async () => {
      const learner = await stores.learners.find(teamId, userId);
      const active = learner && (await stores.tutor.activeLesson(learner.id));
      if (!active?.stepId) return false;
      const dm = await deps.dmFor(teamId, userId);
      await dm.say({ text: `${userToken(from)} sent you a hint for the step you are on:` });
      await tutor.onAction({ teamId, userId, dmChannel: await stores.tutor.dmChannelOf(teamId, userId) ?? undefined }, 'tutor:hint', undefined, dm);
      return true;
    });
  const classView = new ClassView({ ...deps, stuckMs: settings.config.classStuckMinutes * 60_000, hint });
  return { assignments: new Assignments(deps), reminders: new AssignmentReminders(deps, clock), classView };
}

import type { BotPorts } from './assemble';
import type { BotSettings } from './bot-settings';
import { channelMembers } from './slack';
import { systemClock, type Clock } from './kit';
import { AssignmentReminders, Assignments, isAdminOf, type ClassDeps, type ConversationPort, type Tutor } from './tutor';

/** The team lead's tools, built on the same ports as the rest (part of the composition root). */
export interface Classroom {
  assignments: Assignments;
  /** Due-date reminders: started and stopped with the bot (start-bot's lifecycles). */
  reminders: AssignmentReminders;
}

/** Wires assignments (and what depends on them) when the class store is there; nothing starts here. */
export function classroom(ports: BotPorts, settings: BotSettings, _tutor: Tutor): Classroom | undefined {
  const { stores, slack, workspaces, catalog, log } = ports;
  if (!stores.class) return undefined;
  const clock: Clock = ports.classClock ?? systemClock;
  const deps: ClassDeps = {
    store: stores.class,
    learners: stores.learners,
    tutorStore: stores.tutor,
    catalog,
    log,
    isAdmin: (teamId, userId) => isAdminOf(settings.challenges.adminUserIds, teamId, userId),
    // Work the bot starts by itself (reminders) runs as the learner's workspace, each call included.
    dmFor: async (teamId, userId): Promise<ConversationPort> => {
      const dm = await workspaces.run(teamId, () => slack.conversations.forUser(userId));
      return { say: (r) => workspaces.run(teamId, () => dm.say(r)), commandView: (c) => workspaces.run(teamId, () => dm.commandView(c)) };
    },
    channelMembers: (teamId, channel) => workspaces.run(teamId, () => channelMembers(slack.app.client, channel, ports.identity.botUserId || undefined)),
    userNames: (teamId, userId) => workspaces.run(teamId, () => slack.channels.userNames(userId)),
    now: () => clock.now(),
  };
  return { assignments: new Assignments(deps), reminders: new AssignmentReminders(deps, clock) };
}

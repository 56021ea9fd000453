import type { LessonCatalog } from '../../lessons';
import type { Logger } from '../../logger';
import type { ClassStore, LearnerStore, TutorStore } from '../../store';
import type { ConversationPort } from '../reply';

/** A channel's members, or the one line that says why they could not be read (a missing scope, not a member). */
export type ChannelMembers = { ok: true; userIds: string[] } | { ok: false; reason: string };

/** What assignments, reminders and the class view need; the Slack layer provides the lookups. */
export interface ClassDeps {
  store: ClassStore;
  learners: Pick<LearnerStore, 'find'> & { userIdsOf(teamId: string): Promise<string[]> };
  tutorStore: Pick<TutorStore, 'summaries'>;
  catalog: LessonCatalog;
  log: Logger;
  /** Whether a user is a Dockhand admin of their workspace (may ask Slack). */
  isAdmin(teamId: string, userId: string): boolean | Promise<boolean>;
  /** The learner's DM, opened if need be (runs as the workspace's bot). */
  dmFor(teamId: string, userId: string): Promise<ConversationPort>;
  channelMembers(teamId: string, channelId: string): Promise<ChannelMembers>;
  /** The names a user goes by (display name, full name, username), to match `@name`. */
  userNames(teamId: string, userId: string): Promise<string[]>;
  now(): number;
}

/** Where a slash command was typed: `#name` of this channel and `here` mean it. */
export interface CommandPlace {
  teamId: string;
  userId: string;
  channelId: string;
  channelName?: string;
}

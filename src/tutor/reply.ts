import type { CommandResult } from '../sandbox';

/** What the tutor says, free of any chat platform's types; the Slack layer renders it. */
export interface Reply {
  /** Plain-text summary: notifications and clients without blocks show it. */
  text: string;
  /** Short paragraphs in Slack's mrkdwn subset (*bold*, `code`, ```blocks```). */
  sections?: string[];
  /** Paragraphs shown as plain text after the sections, never read as mrkdwn: text made of a learner's bytes (a check's output). */
  plain?: string[];
  /** Standard Markdown (a lesson step's body), rendered as one markdown block. */
  markdown?: string;
  /** A small grey line under the rest. */
  context?: string;
  buttons?: ReplyButton[];
  /** Links in it are not unfurled (a single-use link a preview fetch would spend). */
  noUnfurl?: boolean;
}

export interface ReplyButton {
  label: string;
  actionId: string;
  value?: string;
  style?: 'primary' | 'danger';
  /** What a screen reader says for the button when its label alone is ambiguous (a button repeated per row). */
  accessibilityLabel?: string;
}

/** A command's result as the learner should see it. */
export type CommandOutcome = Omit<CommandResult, 'notices'> & {
  command: string;
  /** Plain-words notes from the sandbox (flood stopped, disk full, sandbox restarted...). */
  notices: string[];
};

/** A live message showing one command's output while it runs. */
export interface CommandView {
  /** Where the output goes (the message may not exist yet), so a restart can tell the learner. */
  readonly ref?: { channel: string };
  /** The screen so far; the renderer may skip updates to respect rate limits. */
  update(screen: string): void;
  /** The final state; delivered even under rate limits. */
  finish(outcome: CommandOutcome): Promise<void>;
}

/** How the tutor talks to one learner; the Slack layer implements it for the learner's DM. */
export interface ConversationPort {
  say(reply: Reply): Promise<void>;
  commandView(command: string): Promise<CommandView>;
}

/** A channel message the bot keeps editing (challenge card, leaderboard), within rate limits. */
export interface LiveView {
  update(reply: Reply): void;
  /** The last state; delivered even under rate limits. */
  finish(reply: Reply): Promise<void>;
}

/** How the tutor posts in channels (challenges); the Slack layer implements it. */
export interface ChannelPort {
  /** Posts a message (in a thread when threadTs is given) and returns its ts. */
  post(channel: string, reply: Reply, threadTs?: string): Promise<string>;
  live(channel: string, ts: string, threadTs?: string): LiveView;
  /** A message only `user` sees. */
  ephemeral(channel: string, user: string, reply: Reply): Promise<void>;
}

/**
 * Tokens a reply may contain: a user mention, a channel, and a time shown in each reader's own time zone.
 * They are delimited by private-use characters that cleanText strips from everything a learner sends, so
 * text a learner typed (`{{user:U1}}`, `<!here>`) can never become a mention when the bot echoes it.
 */
export const TOKEN_OPEN = '\uE100';
export const TOKEN_CLOSE = '\uE101';
export const userToken = (userId: string) => `${TOKEN_OPEN}user:${userId}${TOKEN_CLOSE}`;
export const channelToken = (channelId: string) => `${TOKEN_OPEN}channel:${channelId}${TOKEN_CLOSE}`;
export const dateToken = (d: Date) => `${TOKEN_OPEN}date:${Math.floor(d.getTime() / 1000)}${TOKEN_CLOSE}`;

import type { webApi } from '@slack/bolt';
import { AppError } from '../errors';
import type { ChannelPort, LiveView, Reply } from '../tutor';
import type { LiveMessageStreamer } from './streaming/live-message-streamer';
import { renderReply } from './render/render-reply';

/**
 * Slack's answer to a post in a channel the bot is not a member of: `not_in_channel` for a public channel
 * (without the `chat:write.public` scope), `channel_not_found` for a private one (docs/platform-facts.md).
 */
const NOT_A_MEMBER = new Set(['not_in_channel', 'channel_not_found']);

/** The tutor's ChannelPort: channel posts, live-edited messages (rate limited), ephemeral answers. */
export class SlackChannels implements ChannelPort {
  constructor(
    private readonly client: webApi.WebClient,
    private readonly streamer: LiveMessageStreamer,
  ) {}

  /** Throws AppError SLACK_NOT_IN_CHANNEL when the bot is not a member of the channel (the cause is kept). */
  async post(channel: string, reply: Reply, threadTs?: string): Promise<string> {
    try {
      const res = await this.client.chat.postMessage({ channel, thread_ts: threadTs, ...renderReply(reply) });
      return String(res.ts);
    } catch (err) {
      const error = (err as { data?: { error?: string } }).data?.error;
      if (error && NOT_A_MEMBER.has(error)) throw new AppError('SLACK_NOT_IN_CHANNEL', `The bot is not a member of ${channel} (${error})`, { cause: err });
      throw err;
    }
  }

  /** The names a user goes by, as typed after `@` in a slash command (display name, full name, username); [] when unknown. */
  async userNames(userId: string): Promise<string[]> {
    const res = await this.client.users.info({ user: userId });
    const u = res.user;
    return [u?.profile?.display_name, u?.profile?.real_name, u?.real_name, u?.name].filter((n): n is string => !!n);
  }

  live(channel: string, ts: string, threadTs?: string): LiveView {
    // Adopts an existing message (it may predate this process): edits go through the shared budget.
    const msg = this.streamer.adopt(channel, ts, threadTs);
    return {
      update: (reply) => msg.update(renderReply(reply)),
      finish: (reply) => msg.finish(renderReply(reply)),
    };
  }

  async ephemeral(channel: string, user: string, reply: Reply): Promise<void> {
    await this.client.chat.postEphemeral({ channel, user, ...renderReply(reply) });
  }
}

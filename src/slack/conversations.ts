import type { webApi } from '@slack/bolt';
import type { Logger } from '../logger';
import type { LiveMessageStreamer } from './streaming/live-message-streamer';
import { SlackConversation } from './slack-conversation';

/** Builds the DM port for a learner, opening the DM channel when only the user is known (App Home, restarts). */
export class Conversations {
  private readonly dmChannels = new Map<string, string>();

  constructor(
    private readonly client: webApi.WebClient,
    readonly streamer: LiveMessageStreamer,
    private readonly log: Logger,
    /** Multi-workspace mode: the current workspace (user ids are unique only within one). */
    private readonly teamOf: () => string | undefined = () => undefined,
  ) {}

  forChannel(channel: string, log: Logger = this.log): SlackConversation {
    return new SlackConversation(this.client, this.streamer, channel, log);
  }

  async forUser(userId: string, log: Logger = this.log): Promise<SlackConversation> {
    const key = `${this.teamOf() ?? ''}:${userId}`;
    let channel = this.dmChannels.get(key);
    if (!channel) {
      const res = await this.client.conversations.open({ users: userId });
      channel = res.channel?.id;
      if (!channel) throw new Error('conversations.open returned no channel');
      this.dmChannels.set(key, channel);
    }
    return this.forChannel(channel, log);
  }
}

import type { webApi } from '@slack/bolt';
import type { ChannelPort, LiveView, Reply } from '../tutor/reply';
import type { LiveMessageStreamer } from './live-message';
import { renderReply } from './render-reply';

/** The tutor's ChannelPort: channel posts, live-edited messages (rate limited), ephemeral answers. */
export class SlackChannels implements ChannelPort {
  constructor(
    private readonly client: webApi.WebClient,
    private readonly streamer: LiveMessageStreamer,
  ) {}

  async post(channel: string, reply: Reply, threadTs?: string): Promise<string> {
    const res = await this.client.chat.postMessage({ channel, thread_ts: threadTs, ...renderReply(reply) });
    return String(res.ts);
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

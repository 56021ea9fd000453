import type { webApi } from '@slack/bolt';
import type { Logger } from '../logger';
import type { CommandOutcome, CommandView, ConversationPort, Reply } from '../tutor';
import type { LiveMessage } from './streaming/live-message';
import type { LiveMessageStreamer } from './streaming/live-message-streamer';
import { renderFinal, renderRunning } from './render/render-command';
import { renderReply } from './render/render-reply';

export const FIRST_POST_DELAY_MS = 700;

/** The tutor's ConversationPort for one learner's DM: replies as messages, commands as live messages. */
export class SlackConversation implements ConversationPort {
  constructor(
    private readonly client: webApi.WebClient,
    private readonly streamer: LiveMessageStreamer,
    readonly channel: string,
    private readonly log: Logger,
  ) {}

  async say(reply: Reply): Promise<void> {
    await this.client.chat.postMessage({ channel: this.channel, ...renderReply(reply), ...(reply.noUnfurl && { unfurl_links: false, unfurl_media: false }) });
  }

  /**
   * A command that finishes within FIRST_POST_DELAY_MS gets one message with its result and no edit at
   * all (chat.update is the scarce, workspace-wide budget); a longer one gets a "running" message that
   * is edited as output arrives, with a Ctrl-C button after a few seconds.
   */
  commandView = async (command: string): Promise<CommandView> => {
    const started = Date.now();
    let live: LiveMessage | undefined;
    let posting: Promise<LiveMessage> | undefined;
    let lastScreen = '';
    const running = () => renderRunning(command, lastScreen, Date.now() - started);
    const post = () =>
      (posting ??= this.streamer.start(this.channel, running()).then((m) => {
        live = m;
        return m;
      }));
    // While the workspace's chat.update budget is short, no "running" message is posted (it would need
    // edits nobody can afford): the result then comes as one new message, limited per channel only.
    const postIfAffordable = () => {
      if (posting || this.streamer.budgetShort) return;
      void post().catch((err) => this.log.warn({ err }, 'could not post the running command'));
    };
    const first = setTimeout(postIfAffordable, FIRST_POST_DELAY_MS);
    // Without output the message still ticks, so the Ctrl-C button appears for a silent long command.
    const tick = setInterval(() => {
      postIfAffordable();
      live?.update(running());
    }, 3000);
    tick.unref();
    return {
      ref: { channel: this.channel },
      update: (screen: string) => {
        lastScreen = screen;
        live?.update(running());
      },
      finish: async (outcome: CommandOutcome) => {
        clearTimeout(first);
        clearInterval(tick);
        const final = renderFinal(outcome);
        let threadTs: string;
        // A "running" message that never landed does not take the output with it: the result is posted anew.
        const msg = posting ? await posting.catch(() => undefined) : undefined;
        if (!msg) {
          const res = await this.client.chat.postMessage({ channel: this.channel, text: final.text, blocks: final.blocks });
          threadTs = String(res.ts);
        } else {
          await msg.finish({ text: final.text, blocks: final.blocks });
          threadTs = msg.ts;
        }
        if (final.cut) {
          await this.streamer.uploadSnippet(this.channel, threadTs, 'output.txt', `$ ${outcome.command.slice(0, 80)}`, outcome.output);
        }
      },
    };
  };
}

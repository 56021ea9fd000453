import type { webApi } from '@slack/bolt';
import type { Logger } from '../logger';
import type { CommandOutcome, CommandView, ConversationPort, Reply } from '../tutor/reply';
import type { LiveMessageStreamer } from './live-message';
import { renderFinal, renderRunning } from './render-command';
import { renderReply } from './render-reply';

/** The tutor's ConversationPort for one learner's DM: replies as messages, commands as live messages. */
export class SlackConversation implements ConversationPort {
  constructor(
    private readonly client: webApi.WebClient,
    private readonly streamer: LiveMessageStreamer,
    readonly channel: string,
    private readonly log: Logger,
  ) {}

  async say(reply: Reply): Promise<void> {
    await this.client.chat.postMessage({ channel: this.channel, ...renderReply(reply) });
  }

  commandView = async (command: string): Promise<CommandView> => {
    const started = Date.now();
    const live = await this.streamer.start(this.channel, renderRunning(command, '', 0));
    let lastScreen = '';
    // Without output the message still ticks, so the Ctrl-C button appears for a silent long command.
    const tick = setInterval(() => live.update(renderRunning(command, lastScreen, Date.now() - started)), 3000);
    tick.unref();
    return {
      ref: { channel: live.channel, ts: live.ts },
      update: (screen: string) => {
        lastScreen = screen;
        live.update(renderRunning(command, screen, Date.now() - started));
      },
      finish: async (outcome: CommandOutcome) => {
        clearInterval(tick);
        const final = renderFinal(outcome);
        await live.finish({ text: final.text, blocks: final.blocks });
        if (final.cut) {
          await live.uploadSnippet('output.txt', `$ ${outcome.command.slice(0, 80)}`, outcome.output).catch((err) => this.log.warn({ err }, 'output snippet upload failed'));
        }
      },
    };
  };
}

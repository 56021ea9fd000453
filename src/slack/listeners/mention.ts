import type { App } from '@slack/bolt';

export const MENTION_REPLY =
  "Hi! I'm Dockhand: I teach Docker in a private sandbox. Send me a direct message (or type `/tutor help`) to start a lesson; lessons and sandboxes live in our DM so this channel stays quiet.";

/** An @-mention in a channel gets a short introduction in a thread, pointing to the DM. */
export function registerMention(app: App): void {
  app.event('app_mention', async ({ event, client }) => {
    await client.chat.postMessage({ channel: event.channel, thread_ts: event.thread_ts ?? event.ts, text: MENTION_REPLY });
  });
}

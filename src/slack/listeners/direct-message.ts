import type { App } from '@slack/bolt';
import type { Logger } from '../../logger';
import type { Tutor } from '../../tutor';
import type { Conversations } from '../conversations';
import type { SlackIdentity } from '../slack-identity';

interface ImMessage {
  subtype?: string;
  channel_type?: string;
  channel?: string;
  user?: string;
  text?: string;
  bot_id?: string;
  team?: string;
}

/** DMs from learners go to the tutor; the listener only translates. */
export function registerDirectMessages(app: App, deps: { tutor: Tutor; identity: SlackIdentity; conversations: Conversations; log: Logger }): void {
  app.event('message', async ({ event, client, context, body }) => {
    const log = (context.log as Logger | undefined) ?? deps.log;
    const m = event as ImMessage;
    if (m.channel_type !== 'im' || m.subtype || m.bot_id) return;
    if (typeof m.user !== 'string' || typeof m.channel !== 'string' || typeof m.text !== 'string') {
      log.warn({ fields: Object.keys(m) }, 'message event without user, channel or text ignored');
      return;
    }
    const user = m.user;
    const teamId = m.team ?? (body as { team_id?: string }).team_id ?? deps.identity.teamId;
    const ref = {
      teamId,
      userId: user,
      dmChannel: m.channel,
      displayName: async () => {
        const info = await client.users.info({ user });
        return info.user?.profile?.display_name || info.user?.real_name || info.user?.name;
      },
    };
    await deps.tutor.onMessage(ref, m.text, deps.conversations.forChannel(m.channel, log), log);
  });
}

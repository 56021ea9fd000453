import type { App } from '@slack/bolt';
import type { Logger } from '../../logger';
import type { Tutor } from '../../tutor/tutor';
import type { Conversations } from '../conversations';
import { renderReply } from '../render-reply';

/** `/tutor ...` from any channel: acked at once, answered only to the caller (response_url). */
export function registerSlashCommand(app: App, deps: { tutor: Tutor; conversations: Conversations; log: Logger }): void {
  app.command('/tutor', async ({ ack, command, respond, context }) => {
    await ack();
    const log = (context.log as Logger | undefined) ?? deps.log;
    const dm = await deps.conversations.forUser(command.user_id, log);
    const reply = await deps.tutor.onSlashCommand({ teamId: command.team_id, userId: command.user_id, dmChannel: dm.channel }, command.text ?? '', dm, log);
    await respond({ response_type: 'ephemeral', ...renderReply(reply) });
  });
}

import type { App } from '@slack/bolt';
import type { Config } from '../../config';
import { errorCode } from '../../errors';
import type { Logger } from '../../logger';
import type { ChallengeService } from '../../tutor';
import { isAdminOf } from '../../tutor';
import type { Tutor } from '../../tutor';
import type { Conversations } from '../conversations';
import { renderReply } from '../render/render-reply';
import type { SlackClassroom } from '../class-home';

/** `/tutor ...` from any channel: acked at once, answered only to the caller (response_url). */
export function registerSlashCommand(app: App, deps: { tutor: Tutor; conversations: Conversations; challenges: ChallengeService; log: Logger; config: Pick<Config, 'adminUserIds'>; classroom?: SlackClassroom }): void {
  app.command('/tutor', async ({ ack, command, respond, context }) => {
    await ack();
    const log = (context.log as Logger | undefined) ?? deps.log;
    const [first = '', ...rest] = (command.text ?? '').trim().split(/\s+/);
    const learner = { teamId: command.team_id, userId: command.user_id };
    // `class` and `challenge` count against the caller's request limit here; the rest in the tutor.
    if (first.toLowerCase() === 'class' || first.toLowerCase() === 'challenge' || first.toLowerCase() === 'assign') {
      const refused = await deps.tutor.admit(learner, log);
      if (refused !== undefined) {
        if (refused) await respond({ response_type: 'ephemeral', ...renderReply(refused) });
        return;
      }
    }
    if (first.toLowerCase() === 'class') {
      await respond({ response_type: 'ephemeral', ...renderReply(deps.tutor.classCommand(rest.join(' '), isAdminOf(deps.config.adminUserIds, command.team_id, command.user_id))) });
      return;
    }
    if (first.toLowerCase() === 'assign' && deps.classroom) {
      const place = { teamId: command.team_id, userId: command.user_id, channelId: command.channel_id, channelName: command.channel_name };
      const reply = await deps.classroom.assignments.command(place, rest.join(' ')).catch((err: unknown) => {
        log.error({ err }, 'assign command failed');
        return { text: `Something went wrong assigning that lesson (${errorCode(err)}). Try again in a moment.` };
      });
      await respond({ response_type: 'ephemeral', ...renderReply(reply) });
      return;
    }
    if (first.toLowerCase() === 'challenge') {
      // The caller always gets an answer: a failure (database down...) is logged, never left silent.
      const reply = await deps.challenges.command({ teamId: command.team_id, userId: command.user_id, channelId: command.channel_id }, rest.join(' ')).catch((err: unknown) => {
        log.error({ err }, 'challenge command failed');
        return { text: `Something went wrong with that challenge command (${errorCode(err)}). Try again in a moment; if it keeps failing, an operator can look for it in the bot's log.` };
      });
      await respond({ response_type: 'ephemeral', ...renderReply(reply) });
      return;
    }
    const dm = await deps.conversations.forUser(command.user_id, log);
    const reply = await deps.tutor.onSlashCommand({ teamId: command.team_id, userId: command.user_id, dmChannel: dm.channel }, command.text ?? '', dm, log);
    // No reply: a request over a limit after its one notice, dropped quietly.
    if (reply) await respond({ response_type: 'ephemeral', ...renderReply(reply) });
  });
}

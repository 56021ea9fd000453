import type { App } from '@slack/bolt';
import type { Config } from '../../config';
import { errorCode } from '../../errors';
import type { Logger } from '../../logger';
import type { AdminDirectory, ChallengeService, WatchCommand } from '../../tutor';
import type { Tutor } from '../../tutor';
import type { Conversations } from '../conversations';
import { openChallengeModal, type ExerciseChoice } from '../team/challenge-modal';
import type { TeamCommands } from '../team/team-commands';
import { renderReply } from '../render/render-reply';
import type { SlackClassroom } from '../team/class-home';

/** The team words of `/tutor` (admins' commands and `forget`), handled here rather than by the tutor's DM words. */
export const TEAM_SUBCOMMANDS = ['class', 'challenge', 'report', 'forget', 'assign', 'watch'];

/** `/tutor ...` from any channel: acked at once, answered only to the caller (response_url). */
export function registerSlashCommand(app: App, deps: { tutor: Tutor; conversations: Conversations; challenges: ChallengeService; admins: AdminDirectory; teamCommands?: TeamCommands; exercises?: () => ExerciseChoice[]; log: Logger; config: Pick<Config, 'adminUserIds'>; classroom?: SlackClassroom; watch?: WatchCommand }): void {
  app.command('/tutor', async ({ ack, command, respond, context, client }) => {
    await ack();
    const log = (context.log as Logger | undefined) ?? deps.log;
    const [first = '', ...rest] = (command.text ?? '').trim().split(/\s+/);
    const learner = { teamId: command.team_id, userId: command.user_id };
    // `class` and `challenge` count against the caller's request limit here; the rest in the tutor.
    if (TEAM_SUBCOMMANDS.includes(first.toLowerCase())) {
      const refused = await deps.tutor.admit(learner, log);
      if (refused !== undefined) {
        if (refused) await respond({ response_type: 'ephemeral', ...renderReply(refused) });
        return;
      }
    }
    if (first.toLowerCase() === 'class') {
      const admin = await deps.admins.check(command.team_id, command.user_id);
      const reply = deps.tutor.classCommand(rest.join(' '), admin.admin);
      await respond({ response_type: 'ephemeral', ...renderReply(admin.note ? { ...reply, text: `${reply.text}\n${admin.note}` } : reply) });
      return;
    }
    if (first.toLowerCase() === 'watch' && deps.watch) {
      // the link is single use: never unfurled (a preview fetch would spend it), shown to the admin alone
      const reply = await deps.watch.run(learner, rest.join(' '));
      await respond({ response_type: 'ephemeral', ...renderReply(reply), ...(reply.noUnfurl && { unfurl_links: false, unfurl_media: false }) });
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
      // `start` alone, from an admin: a modal picks the exercise, duration and channel (same path on submit).
      if (rest.length === 1 && rest[0]!.toLowerCase() === 'start' && deps.exercises && (await deps.admins.isAdmin(command.team_id, command.user_id))) {
        const opened = await openChallengeModal(client, command.trigger_id, deps.exercises(), command.channel_id).then(
          () => true,
          (err: unknown) => (log.warn({ err }, 'could not open the challenge modal'), false),
        );
        if (opened) return;
      }
      // The caller always gets an answer: a failure (database down...) is logged, never left silent.
      const reply = await deps.challenges.command({ teamId: command.team_id, userId: command.user_id, channelId: command.channel_id }, rest.join(' ')).catch((err: unknown) => {
        log.error({ err }, 'challenge command failed');
        return { text: `Something went wrong with that challenge command (${errorCode(err)}). Try again in a moment; if it keeps failing, an operator can look for it in the bot's log.` };
      });
      await respond({ response_type: 'ephemeral', ...renderReply(reply) });
      return;
    }
    const team = await deps.teamCommands?.slash(client, command, first.toLowerCase(), rest.join(' '), log);
    if (team) {
      await respond({ response_type: 'ephemeral', ...renderReply(team) });
      return;
    }
    const dm = await deps.conversations.forUser(command.user_id, log);
    const reply = await deps.tutor.onSlashCommand({ teamId: command.team_id, userId: command.user_id, dmChannel: dm.channel }, command.text ?? '', dm, log);
    // No reply: a request over a limit after its one notice, dropped quietly.
    if (reply) await respond({ response_type: 'ephemeral', ...renderReply(reply) });
  });
}

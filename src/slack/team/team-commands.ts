import type { App, BlockAction, ButtonAction, RespondFn, webApi } from '@slack/bolt';
import { errorCode } from '../../errors';
import type { Logger } from '../../logger';
import type { ClassReport, ForgetMe, Reply } from '../../tutor';
import type { Conversations } from '../conversations';
import { renderReply } from '../render/render-reply';
import { channelMembers } from './channel-members';

export interface TeamCommandDeps {
  report: ClassReport;
  forget: ForgetMe;
  conversations: Conversations;
  log: Logger;
}

/**
 * `/tutor report [#channel]` and `/tutor forget me`, and the forget confirmation's buttons. The report is a CSV
 * file (files.uploadV2) in the admin's DM: Slack shows it as a file to download and open in a spreadsheet, and
 * a class of any size fits, where a message is cut at 40,000 characters.
 */
export class TeamCommands {
  constructor(private readonly deps: TeamCommandDeps) {}

  /** The answer to `/tutor <word> ...` when the word is one of these; undefined otherwise. */
  async slash(client: webApi.WebClient, command: { team_id: string; user_id: string; channel_id: string }, word: string, args: string, log: Logger): Promise<Reply | undefined> {
    if (word === 'forget') return this.deps.forget.ask(args);
    if (word !== 'report') return undefined;
    const ref = { teamId: command.team_id, userId: command.user_id };
    let scope: Parameters<ClassReport['report']>[1] = { kind: 'workspace' };
    if (args.trim()) {
      // Who is an admin is settled before any channel lookup: a refused caller learns nothing about channels.
      const refusal = await this.deps.report.refusal(ref);
      if (refusal) return refusal;
      const members = await channelMembers(client, args);
      if (!members.ok) return { text: members.problem };
      scope = { kind: 'channel', channelId: members.channelId, memberIds: members.memberIds };
    }
    const outcome = await this.deps.report.report(ref, scope);
    if (outcome.kind === 'answer') return outcome.reply;
    try {
      const dm = await this.deps.conversations.forUser(command.user_id, log);
      await client.filesUploadV2({ channel_id: dm.channel, filename: outcome.filename, title: outcome.filename, content: outcome.csv, initial_comment: outcome.reply.text.replace(/, sent to you in our direct message\.$/, '.') });
      log.info({ learners: outcome.learners, scope: scope.kind }, 'class report sent');
      return outcome.reply;
    } catch (err) {
      log.error({ err }, 'could not upload a class report');
      return { text: `I could not send the report file (${errorCode(err)}). Try again in a moment.` };
    }
  }

  /** The buttons of the `forget me` confirmation: they act on whoever presses them. */
  register(app: App): void {
    app.action<BlockAction<ButtonAction>>(/^team:forget:/, async ({ ack, body, action, respond, context }) => {
      await ack();
      const log = (context.log as Logger | undefined) ?? this.deps.log;
      const teamId = body.team?.id ?? body.user.team_id ?? '';
      const reply = action.action_id.endsWith(':confirm') ? await this.deps.forget.confirm({ teamId, userId: body.user.id }).catch((err: unknown) => failed(log, err)) : this.deps.forget.cancelled();
      await answer(respond, reply);
    });
  }
}

function failed(log: Logger, err: unknown): Reply {
  log.error({ err }, 'forget me failed');
  return { text: `I could not delete your data (${errorCode(err)}). Nothing may have been deleted yet: try again in a moment.` };
}

const answer = (respond: RespondFn, reply: Reply) => respond({ replace_original: true, response_type: 'ephemeral', ...renderReply(reply) });

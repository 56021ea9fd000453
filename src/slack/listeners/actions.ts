import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { errorCode } from '../../errors';
import type { Logger } from '../../logger';
import type { ChallengeService } from '../../tutor';
import type { Tutor } from '../../tutor';
import type { Conversations } from '../conversations';
import type { SlackIdentity } from '../slack-identity';
import type { SlackClassroom } from '../team/class-home';

/** Buttons on step cards, lesson lists, command messages and the App Home: ack at once, then act. */
export function registerActions(app: App, deps: { tutor: Tutor; identity: SlackIdentity; conversations: Conversations; challenges: ChallengeService; log: Logger; classroom?: SlackClassroom }): void {
  app.action<BlockAction<ButtonAction>>(/^challenge:accept:/, async ({ ack, body, action, client }) => {
    await ack();
    const teamId = body.team?.id ?? body.user.team_id ?? deps.identity.teamId;
    const channelId = body.channel?.id ?? body.container?.channel_id;
    if (!channelId) return;
    // Each press may prepare a fresh sandbox: it counts against the learner's request limit like any button.
    const refused = await deps.tutor.admit({ teamId, userId: body.user.id }, deps.log);
    if (refused !== undefined) {
      if (refused) await client.chat.postEphemeral({ channel: channelId, user: body.user.id, text: refused.text }).catch(() => undefined);
      return;
    }
    // The payload's id is checked by the service (a forged or stale one gets a clear answer).
    await deps.challenges.accept({ teamId, userId: body.user.id, channelId }, action.value ?? '').catch(async (err: unknown) => {
      deps.log.error({ err }, 'accepting a challenge failed');
      const text = `I could not add you to that challenge (${errorCode(err)}). Press Accept again in a moment.`;
      await client.chat.postEphemeral({ channel: channelId, user: body.user.id, text }).catch(() => undefined);
    });
  });

  // The class view's "Send a hint" (an admin's App Home): the service checks the presser is an admin.
  app.action<BlockAction<ButtonAction>>(/^class:hint:/, async ({ ack, body, action }) => {
    await ack();
    if (!deps.classroom) return;
    const teamId = body.team?.id ?? body.user.team_id ?? deps.identity.teamId;
    const reply = await deps.classroom.classView.sendHint(teamId, body.user.id, action.value ?? '').catch((err: unknown) => {
      deps.log.error({ err }, 'sending a hint from the class view failed');
      return { text: `I could not send that hint (${errorCode(err)}). Try again in a moment.` };
    });
    await (await deps.conversations.forUser(body.user.id)).say(reply);
  });

  app.action<BlockAction<ButtonAction>>(/^tutor:/, async ({ ack, body, action, context }) => {
    await ack();
    const log = (context.log as Logger | undefined) ?? deps.log;
    const teamId = body.team?.id ?? body.user.team_id ?? deps.identity.teamId;
    const channel = body.channel?.id;
    // From the App Home there is no channel: the answer goes to the learner's DM.
    const port = channel?.startsWith('D') ? deps.conversations.forChannel(channel, log) : await deps.conversations.forUser(body.user.id, log);
    await deps.tutor.onAction({ teamId, userId: body.user.id, dmChannel: port.channel }, action.action_id, action.value, port, log);
  });
}

import type { App } from '@slack/bolt';
import type { Logger } from '../../logger';
import type { MessagesWelcome, Tutor } from '../../tutor';
import type { Conversations } from '../conversations';
import type { SlackIdentity } from '../slack-identity';

/** The global shortcut's callback id (the manifest's `shortcuts`). */
export const START_LESSON_SHORTCUT = 'start_docker_lesson';

/** First open of the Messages tab: a welcome in the DM, once per user (MessagesWelcome stores it). */
export function registerMessagesWelcome(app: App, deps: { welcome: MessagesWelcome; conversations: Conversations; identity: SlackIdentity; log: Logger }): void {
  app.event('app_home_opened', async ({ event, body }) => {
    if (event.tab !== 'messages' || !event.channel) return;
    const teamId = (body as { team_id?: string }).team_id ?? deps.identity.teamId;
    const reply = await deps.welcome.opened({ teamId, userId: event.user });
    if (reply) await deps.conversations.forChannel(event.channel).say(reply);
  });
}

/** "Start a Docker lesson" from Slack's shortcut menu: the lesson list in the user's DM. */
export function registerStartLessonShortcut(app: App, deps: { tutor: Tutor; conversations: Conversations; identity: SlackIdentity; log: Logger }): void {
  app.shortcut(START_LESSON_SHORTCUT, async ({ ack, body, context }) => {
    await ack();
    const log = (context.log as Logger | undefined) ?? deps.log;
    const teamId = body.team?.id ?? body.user.team_id ?? deps.identity.teamId;
    const port = await deps.conversations.forUser(body.user.id, log);
    await deps.tutor.onAction({ teamId, userId: body.user.id, dmChannel: port.channel }, 'tutor:lessons', 'lessons', port, log);
  });
}

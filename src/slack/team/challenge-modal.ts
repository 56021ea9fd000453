import type { App, types, webApi } from '@slack/bolt';
import { errorCode } from '../../errors';
import type { Logger } from '../../logger';
import type { ChallengeService, Reply } from '../../tutor';
import { renderReply } from '../render/render-reply';

export const CHALLENGE_MODAL = 'challenge_start_modal';

export interface ExerciseChoice {
  id: string;
  title: string;
}

/** The modal `/tutor challenge start` opens for an admin who gave no arguments: exercise, duration, channel. */
export function challengeModal(exercises: readonly ExerciseChoice[], channelId?: string): types.ModalView {
  const options = exercises.slice(0, 100).map((e) => ({ text: { type: 'plain_text' as const, text: e.title.slice(0, 75) }, value: e.id }));
  return {
    type: 'modal',
    callback_id: CHALLENGE_MODAL,
    title: { type: 'plain_text', text: 'Start a challenge' },
    submit: { type: 'plain_text', text: 'Start' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      { type: 'input', block_id: 'exercise', label: { type: 'plain_text', text: 'Exercise' }, element: { type: 'static_select', action_id: 'exercise', options, ...(options[0] ? { initial_option: options[0] } : {}) } },
      {
        type: 'input',
        block_id: 'duration',
        label: { type: 'plain_text', text: 'Duration' },
        hint: { type: 'plain_text', text: 'Like 15m or 1h. Empty: the exercise’s own length.' },
        optional: true,
        element: { type: 'plain_text_input', action_id: 'duration', placeholder: { type: 'plain_text', text: '15m' } },
      },
      {
        type: 'input',
        block_id: 'channel',
        label: { type: 'plain_text', text: 'Channel' },
        element: {
          type: 'conversations_select',
          action_id: 'channel',
          filter: { include: ['public', 'private'], exclude_bot_users: true },
          ...(channelId && !channelId.startsWith('D') ? { initial_conversation: channelId } : { default_to_current_conversation: true }),
        },
      },
    ],
  };
}

/** What a submitted modal chose, read from its state. */
export function modalChoice(values: Record<string, Record<string, { selected_option?: { value?: string } | null; value?: string | null; selected_conversation?: string | null }>>) {
  return {
    exercise: values.exercise?.exercise?.selected_option?.value ?? '',
    duration: (values.duration?.duration?.value ?? '').trim(),
    channelId: values.channel?.channel?.selected_conversation ?? '',
  };
}

/**
 * The modal's submission goes down the same path as `/tutor challenge start <exercise> [duration]` typed in the
 * chosen channel; the answer reaches the admin there (ephemeral), or in their DM when it cannot be posted there.
 */
export function registerChallengeModal(app: App, deps: { challenges: ChallengeService; log: Logger; dmOf(userId: string): Promise<{ say(r: Reply): Promise<void> }> }): void {
  app.view(CHALLENGE_MODAL, async ({ ack, body, view, client }) => {
    const choice = modalChoice(view.state.values as Parameters<typeof modalChoice>[0]);
    if (!choice.channelId) return void (await ack({ response_action: 'errors', errors: { channel: 'Pick the channel to run the challenge in.' } }));
    if (/\s/.test(choice.duration)) return void (await ack({ response_action: 'errors', errors: { duration: 'One duration, like 15m or 1h.' } }));
    await ack();
    const teamId = body.team?.id ?? body.user.team_id ?? '';
    const ref = { teamId, userId: body.user.id, channelId: choice.channelId };
    const reply = await deps.challenges.command(ref, `start ${choice.exercise} ${choice.duration}`.trim()).catch((err: unknown) => {
      deps.log.error({ err }, 'challenge start from the modal failed');
      return { text: `Something went wrong starting that challenge (${errorCode(err)}). Try again in a moment.` };
    });
    await tell(client, ref, reply, deps).catch((err: unknown) => deps.log.warn({ err }, 'could not answer a challenge modal'));
  });
}

async function tell(client: webApi.WebClient, ref: { userId: string; channelId: string }, reply: Reply, deps: { dmOf(userId: string): Promise<{ say(r: Reply): Promise<void> }> }): Promise<void> {
  try {
    await client.chat.postEphemeral({ channel: ref.channelId, user: ref.userId, ...renderReply(reply) });
  } catch {
    await (await deps.dmOf(ref.userId)).say(reply);
  }
}

/** Opens the modal for `trigger_id` (a slash command's, valid for 3 s). */
export async function openChallengeModal(client: webApi.WebClient, triggerId: string, exercises: readonly ExerciseChoice[], channelId?: string): Promise<void> {
  await client.views.open({ trigger_id: triggerId, view: challengeModal(exercises, channelId) });
}

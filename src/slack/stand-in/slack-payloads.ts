import { randomUUID } from 'node:crypto';
import { encodeLikeSlack, encodeSlashCommandText } from './encode-like-slack';

/** Who the payloads come from and go to: the workspace, the app, and the stand-in's response_url base. */
export interface PayloadIdentity {
  teamId: string;
  appId: string;
  botUserId: string;
  baseUrl: string;
}

/** A learner's DM channel, derived from the user id so it is the same on every call. */
export function dmChannelFor(user: string): string {
  return `D${user.replace(/^[UW]/, '')}`;
}

/** The Events API envelope's payload around `event`, as Slack sends it for the workspace `team`. */
export function eventCallback(event: Record<string, unknown>, team: { teamId: string; botUserId: string }, appId: string, opts: { eventId?: string; eventTime?: number }): Record<string, unknown> {
  return {
    token: 'verification-token-unused',
    team_id: team.teamId,
    context_team_id: team.teamId,
    api_app_id: appId,
    event,
    type: 'event_callback',
    event_id: opts.eventId ?? `Ev${randomUUID().replace(/-/g, '').slice(0, 10).toUpperCase()}`,
    event_time: opts.eventTime ?? Math.floor(Date.now() / 1000),
    authorizations: [{ enterprise_id: null, team_id: team.teamId, user_id: team.botUserId, is_bot: true, is_enterprise_install: false }],
    is_ext_shared_channel: false,
  };
}

/** A `message.im` event: the text encoded as Slack encodes what a user types, unless `encoded`. */
export function directMessageEvent(user: string, text: string, ts: string, teamId: string, opts: { channel?: string; encoded?: boolean; teamId?: string } = {}): Record<string, unknown> {
  return {
    type: 'message',
    channel: opts.channel ?? dmChannelFor(user),
    user,
    text: opts.encoded ? text : encodeLikeSlack(text),
    ts,
    event_ts: ts,
    channel_type: 'im',
    team: opts.teamId ?? teamId,
    client_msg_id: randomUUID(),
  };
}

/** An `app_mention` event: the bot's mention first, the rest encoded like typed text. */
export function mentionEvent(user: string, channel: string, text: string, ts: string, botUserId: string, opts: { threadTs?: string } = {}): Record<string, unknown> {
  return { type: 'app_mention', user, text: `<@${botUserId}> ${encodeLikeSlack(text)}`, ts, channel, event_ts: ts, ...(opts.threadTs ? { thread_ts: opts.threadTs } : {}) };
}

/**
 * A slash command payload. Its text is escaped like Slack with the manifest's `should_escape: false`
 * unless `encoded`; response_url always points at the stand-in (a fixture's hooks.slack.com address is
 * unreachable).
 */
export function slashCommandPayload(payload: Record<string, unknown>, ids: PayloadIdentity, opts: { encoded?: boolean } = {}): Record<string, unknown> {
  return {
    token: 'verification-token-unused',
    team_id: ids.teamId,
    api_app_id: ids.appId,
    trigger_id: `${Date.now()}.trigger`,
    ...payload,
    ...(typeof payload.text === 'string' && !opts.encoded ? { text: encodeSlashCommandText(payload.text) } : {}),
    response_url: `${ids.baseUrl}/response/${randomUUID()}`,
  };
}

export function interactivePayload(payload: Record<string, unknown>, ids: PayloadIdentity): Record<string, unknown> {
  return {
    token: 'verification-token-unused',
    api_app_id: ids.appId,
    team: { id: ids.teamId, domain: 'standin' },
    trigger_id: `${Date.now()}.trigger`,
    ...payload,
    response_url: `${ids.baseUrl}/response/${randomUUID()}`,
  };
}

/** The `block_actions` part of a click on a button of a message the bot posted. */
export function blockActions(
  user: string,
  message: { channel: string; ts: string; blocks?: unknown },
  action: { action_id: string; value?: string; block_id?: string },
  ids: PayloadIdentity,
  actionTs: string,
): Record<string, unknown> {
  return {
    type: 'block_actions',
    user: { id: user, username: user.toLowerCase(), name: user.toLowerCase(), team_id: ids.teamId },
    container: { type: 'message', message_ts: message.ts, channel_id: message.channel, is_ephemeral: false },
    channel: { id: message.channel, name: 'directmessage' },
    message: { type: 'message', ts: message.ts, user: ids.botUserId, blocks: message.blocks },
    actions: [{ type: 'button', action_id: action.action_id, block_id: action.block_id ?? 'b', value: action.value, action_ts: actionTs }],
    state: { values: {} },
  };
}

import { randomUUID } from 'node:crypto';
import type { UploadedFile } from './stand-in-types';

/** What the stand-in's Web API answers need to know of it. */
export interface StandInState {
  teamId: string;
  teamName?: string;
  botUserId: string;
  baseUrl: string;
  users?: Record<string, { name: string; realName?: string }>;
  files: Map<string, UploadedFile>;
  nextTs(): string;
  dmChannelFor(user: string): string;
  /** Channels the bot is not a member of: public ones answer `not_in_channel`, private ones `channel_not_found`. */
  notMemberOf?: Map<string, 'public' | 'private'>;
  /** The bot's scopes: with `chat:write.public` it may post in public channels it is not a member of. */
  scopes?: ReadonlySet<string>;
  /** The workspace's user groups by id (usergroups.list, usergroups.users.list). */
  usergroups?: Record<string, { handle: string; users: string[] }>;
  /** Channels and their members by id (conversations.list, conversations.members). */
  channels?: Record<string, { name: string; members: string[]; private?: boolean }>;
}

/** Slack's answer when the token lacks the scope a method needs. */
const missingScope = (needed: string) => ({ ok: false, error: 'missing_scope', needed });

/** Slack's answer to one Web API call, as far as the bot uses the method (shapes from Slack's method docs). */
export function answerWebApi(method: string, args: Record<string, unknown>, ctx: StandInState): Record<string, unknown> {
  const channel = String(args.channel ?? args.channel_id ?? '');
  switch (method) {
    case 'auth.test':
      return { ok: true, url: 'https://standin.slack.test/', team: ctx.teamName ?? 'Stand-in', user: 'dockhand', team_id: ctx.teamId, user_id: ctx.botUserId, bot_id: 'B0DOCKHAND', is_enterprise_install: false };
    case 'apps.connections.open':
      return { ok: true, url: `${ctx.baseUrl.replace('http', 'ws')}/socket?ticket=${randomUUID()}` };
    case 'chat.postMessage': {
      if (!channel) return { ok: false, error: 'channel_not_found' };
      // A bot posts only where it was invited, or in any public channel with the chat:write.public scope.
      const outside = ctx.notMemberOf?.get(channel);
      if (outside && !(outside === 'public' && ctx.scopes?.has('chat:write.public'))) return { ok: false, error: outside === 'private' ? 'channel_not_found' : 'not_in_channel' };
      if (!args.text && !args.blocks) return { ok: false, error: 'no_text' };
      const ts = ctx.nextTs();
      return { ok: true, channel, ts, message: { type: 'message', user: ctx.botUserId, text: args.text, blocks: args.blocks, ts, thread_ts: args.thread_ts } };
    }
    case 'chat.update':
      if (!channel || !args.ts) return { ok: false, error: 'message_not_found' };
      return { ok: true, channel, ts: args.ts, text: args.text, message: { text: args.text, blocks: args.blocks } };
    case 'chat.delete':
      if (!channel || !args.ts) return { ok: false, error: 'message_not_found' };
      return { ok: true, channel, ts: args.ts };
    case 'chat.postEphemeral':
      if (!channel || !args.user) return { ok: false, error: 'user_not_in_channel' };
      return { ok: true, message_ts: ctx.nextTs() };
    case 'views.publish':
      if (!args.user_id || !args.view) return { ok: false, error: 'invalid_arguments' };
      return { ok: true, view: { id: `V${randomUUID().slice(0, 8).toUpperCase()}`, type: 'home', ...(args.view as object) } };
    case 'conversations.open': {
      const user = String(args.users ?? '').split(',')[0];
      if (!user) return { ok: false, error: 'users_list_not_supplied' };
      return { ok: true, channel: { id: ctx.dmChannelFor(user) } };
    }
    case 'users.info': {
      const id = String(args.user ?? '');
      if (!/^[UW][A-Z0-9]+$/.test(id)) return { ok: false, error: 'user_not_found' };
      const u = ctx.users?.[id] ?? { name: id.toLowerCase() };
      return { ok: true, user: { id, team_id: ctx.teamId, name: u.name, real_name: u.realName ?? u.name, tz: 'Europe/London', is_bot: false, profile: { display_name: u.name, real_name: u.realName ?? u.name } } };
    }
    case 'files.getUploadURLExternal': {
      if (!args.filename || !args.length) return { ok: false, error: 'invalid_arguments' };
      const id = `F${randomUUID().replace(/-/g, '').slice(0, 10).toUpperCase()}`;
      ctx.files.set(id, { id, filename: String(args.filename), content: '', completed: false });
      return { ok: true, upload_url: `${ctx.baseUrl}/upload/${id}`, file_id: id };
    }
    case 'files.completeUploadExternal': {
      const list = (Array.isArray(args.files) ? args.files : []) as { id: string; title?: string }[];
      const missing = list.find((f) => !ctx.files.has(f.id));
      if (!list.length || missing) return { ok: false, error: 'file_not_found' };
      for (const f of list) Object.assign(ctx.files.get(f.id)!, { title: f.title, channelId: args.channel_id as string | undefined, threadTs: args.thread_ts as string | undefined, completed: true });
      return { ok: true, files: list.map((f) => ({ id: f.id, title: f.title })) };
    }
    case 'usergroups.list':
      if (!ctx.scopes?.has('usergroups:read')) return missingScope('usergroups:read');
      return { ok: true, usergroups: Object.entries(ctx.usergroups ?? {}).map(([id, g]) => ({ id, team_id: ctx.teamId, handle: g.handle, name: g.handle })) };
    case 'usergroups.users.list': {
      if (!ctx.scopes?.has('usergroups:read')) return missingScope('usergroups:read');
      const g = ctx.usergroups?.[String(args.usergroup ?? '')];
      return g ? { ok: true, users: [...g.users] } : { ok: false, error: 'no_such_subteam' };
    }
    case 'conversations.list':
      if (!ctx.scopes?.has('channels:read')) return missingScope('channels:read');
      return { ok: true, channels: Object.entries(ctx.channels ?? {}).map(([id, c]) => ({ id, name: c.name, is_private: !!c.private })), response_metadata: { next_cursor: '' } };
    case 'conversations.members': {
      const c = ctx.channels?.[channel];
      if (!c) return { ok: false, error: 'channel_not_found' };
      if (!ctx.scopes?.has(c.private ? 'groups:read' : 'channels:read')) return missingScope(c.private ? 'groups:read' : 'channels:read');
      // Pages of `limit` (Slack's cursor is opaque; here it is the next offset).
      const from = Number(args.cursor ?? 0) || 0;
      const limit = Number(args.limit ?? 100) || 100;
      const next = from + limit < c.members.length ? String(from + limit) : '';
      return { ok: true, members: c.members.slice(from, from + limit), response_metadata: { next_cursor: next } };
    }
    case 'views.open':
      if (!args.trigger_id || !args.view) return { ok: false, error: 'invalid_arguments' };
      return { ok: true, view: { id: `V${randomUUID().slice(0, 8).toUpperCase()}`, ...(args.view as object) } };
    default:
      return { ok: false, error: 'unknown_method' };
  }
}

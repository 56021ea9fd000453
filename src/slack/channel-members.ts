import type { webApi } from '@slack/bolt';
import type { ChannelMembers } from '../tutor';
import { channelMembers as membersOf } from './team/channel-members';

/**
 * A channel's current members for `/tutor assign`, without the bot itself: the report's reader
 * (team/channel-members.ts, paged conversations.members) with the tutor's result shape. Read once, when the
 * command runs: people who join later are not assigned.
 */
export async function channelMembers(client: webApi.WebClient, channel: string, botUserId: string | undefined): Promise<ChannelMembers> {
  const r = await membersOf(client, channel);
  return r.ok ? { ok: true, userIds: r.memberIds.filter((u) => u !== botUserId) } : { ok: false, reason: r.problem };
}

import type { webApi } from '@slack/bolt';
import type { ChannelMembers } from '../tutor';

/** Slack's errors for a channel's members, as one line an admin can act on. */
const WHY: Record<string, string> = {
  missing_scope: 'I am missing the `channels:read` / `groups:read` scope to read a channel\'s members: update the app from the shipped manifest and reinstall it.',
  channel_not_found: 'I cannot see that channel: for a private channel, invite me first (`/invite @Dockhand`), or check the channel ID.',
  not_in_channel: 'I am not a member of that channel: invite me first (`/invite @Dockhand`).',
};

/**
 * A channel's current members (`conversations.members`, paged), without the bot itself. Read once, when the
 * command runs: people who join later are not assigned.
 */
export async function channelMembers(client: webApi.WebClient, channel: string, botUserId: string | undefined): Promise<ChannelMembers> {
  const userIds: string[] = [];
  let cursor: string | undefined;
  try {
    do {
      const res = await client.conversations.members({ channel, limit: 200, cursor });
      userIds.push(...(res.members ?? []));
      cursor = res.response_metadata?.next_cursor || undefined;
    } while (cursor && userIds.length < 1000);
  } catch (err) {
    const error = (err as { data?: { error?: string } }).data?.error ?? '';
    return { ok: false, reason: WHY[error] ?? `Slack would not list that channel's members (${error || 'no answer'}). Try again in a moment.` };
  }
  return { ok: true, userIds: userIds.filter((u) => u !== botUserId) };
}

import type { webApi } from '@slack/bolt';

/** A channel as `/tutor report` or `/tutor assign` was given it: `<#C123|name>` (a picked channel), `C123`, or `#name` (typed). */
export function parseChannelArg(arg: string): { id: string } | { name: string } | undefined {
  const s = arg.trim();
  const picked = /^<#([CG][A-Z0-9]+)(?:\|[^>]*)?>$/.exec(s) ?? /^([CG][A-Z0-9]{2,})$/.exec(s);
  if (picked) return { id: picked[1]! };
  const named = /^#?([a-z0-9][a-z0-9._-]{0,79})$/.exec(s);
  return named ? { name: named[1]! } : undefined;
}

export type ChannelMembers = { ok: true; channelId: string; memberIds: string[] } | { ok: false; problem: string };

const PROBLEMS: Record<string, string> = {
  channel_not_found: 'I cannot see that channel: for a private channel, invite me first (`/invite @Dockhand`), or check the channel ID.',
  not_in_channel: 'I am not a member of that channel: invite me first (`/invite @Dockhand`).',
  missing_scope: 'I lack the Slack scope to list channel members (`channels:read`, `groups:read` for private ones): ask an operator to add it and reinstall the app.',
};

/**
 * The members of a channel named in `/tutor report #channel`: a typed `#name` is found with conversations.list
 * (slash command text arrives as typed, `should_escape: false`), then conversations.members, both paged.
 */
export async function channelMembers(client: webApi.WebClient, arg: string): Promise<ChannelMembers> {
  const parsed = parseChannelArg(arg);
  if (!parsed) return { ok: false, problem: 'Name a channel like `#workshop`: `/tutor report #workshop`, or `/tutor report` for the whole workspace.' };
  try {
    const channelId = 'id' in parsed ? parsed.id : await findByName(client, parsed.name);
    if (!channelId) return { ok: false, problem: `I can't find a channel called #${'name' in parsed ? parsed.name : ''}. For a private channel, invite me first (\`/invite @Dockhand\`).` };
    const memberIds: string[] = [];
    let cursor: string | undefined;
    do {
      const res = await client.conversations.members({ channel: channelId, limit: 1000, cursor });
      memberIds.push(...(res.members ?? []));
      cursor = res.response_metadata?.next_cursor || undefined;
    } while (cursor);
    return { ok: true, channelId, memberIds };
  } catch (err) {
    const code = (err as { data?: { error?: string } }).data?.error;
    return { ok: false, problem: (code && PROBLEMS[code]) ?? `Slack did not list that channel's members (${code ?? 'error'}). Try again in a moment.` };
  }
}

async function findByName(client: webApi.WebClient, name: string): Promise<string | undefined> {
  let cursor: string | undefined;
  do {
    const res = await client.conversations.list({ types: 'public_channel,private_channel', exclude_archived: true, limit: 1000, cursor });
    const hit = res.channels?.find((c) => c.name === name);
    if (hit?.id) return hit.id;
    cursor = res.response_metadata?.next_cursor || undefined;
  } while (cursor);
  return undefined;
}

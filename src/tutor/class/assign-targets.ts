import type { ClassDeps, CommandPlace } from './class-deps';

/** The most people one `/tutor assign` reaches (each gets a DM: a big channel is several commands, by sub-channel). */
export const MAX_ASSIGNEES = 200;

export type Targets = { ok: true; userIds: string[]; channels: number } | { ok: false; reason: string };

const USER_ID = /^@?([UW][A-Z0-9]{6,})$/;
const CHANNEL_ID = /^#?([CG][A-Z0-9]{6,})$/;

/** Is this word an assignee (`@someone`, `#channel`, `here`, a member or channel id) rather than part of the lesson's name? */
export const isTargetWord = (w: string) => w.startsWith('@') || w.startsWith('#') || w.toLowerCase() === 'here' || USER_ID.test(w) || CHANNEL_ID.test(w);

/**
 * Resolves `@name`, `U0123ABC`, `#channel`, `C0123ABC` and `here` to user ids. With the manifest's `should_escape:
 * false` Slack sends `@name` as typed, so a name is matched against the people who have talked to Dockhand (their
 * display, full or user name); anyone else is named by member id. A channel is the one the command was typed in
 * (`here`, or its `#name`) or any channel by id; its current members are read from Slack.
 */
export async function resolveTargets(deps: Pick<ClassDeps, 'channelMembers' | 'userNames' | 'learners'>, place: CommandPlace, words: string[]): Promise<Targets> {
  const users = new Set<string>();
  let channels = 0;
  let known: { userId: string; names: string[] }[] | undefined;
  for (const w of words) {
    const userId = USER_ID.exec(w)?.[1];
    const channelId = CHANNEL_ID.exec(w)?.[1] ?? (w.toLowerCase() === 'here' || (place.channelName && w.toLowerCase() === `#${place.channelName.toLowerCase()}`) ? place.channelId : undefined);
    if (userId) users.add(userId);
    else if (channelId) {
      const m = await deps.channelMembers(place.teamId, channelId);
      if (!m.ok) return m;
      m.userIds.forEach((u) => users.add(u));
      channels += 1;
    } else if (w.startsWith('#')) {
      return { ok: false, reason: `I can only read ${w.slice(0, 40)} by its channel ID (\`C0123ABC\`, in the channel's details), or run the command in that channel and write \`here\`.` };
    } else {
      const wanted = norm(w);
      known ??= await Promise.all((await deps.learners.userIdsOf(place.teamId)).map(async (u) => ({ userId: u, names: (await deps.userNames(place.teamId, u).catch(() => [])).map(norm) })));
      const found = known.filter((k) => k.names.includes(wanted));
      if (found.length !== 1) {
        const shown = w.slice(0, 40);
        return { ok: false, reason: found.length ? `Several people go by ${shown}: use their member ID (in their profile, ⋮ → Copy member ID).` : `I don't know anyone called ${shown} who has talked to me. Use their member ID (in their profile, ⋮ → Copy member ID).` };
      }
      users.add(found[0]!.userId);
    }
    if (users.size > MAX_ASSIGNEES) return { ok: false, reason: `That is more than ${MAX_ASSIGNEES} people for one command. Assign smaller channels or groups in turn.` };
  }
  return { ok: true, userIds: [...users], channels };
}

const norm = (s: string) => s.trim().replace(/^@/, '').replace(/\s+/g, ' ').toLowerCase();

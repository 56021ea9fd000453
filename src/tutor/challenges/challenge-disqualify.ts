import type { ChallengeEntryRecord } from '../../store';
import { AdminDirectory } from '../admins';
import { userToken, type ConversationPort, type Reply } from '../reply';
import type { ChallengeBaseDeps, ChallengeBoards } from './challenge-boards';
import type { ChannelRef } from './challenge-entries';

export interface ChallengeDisqualifyDeps extends ChallengeBaseDeps {
  boards: ChallengeBoards;
  adminUserIds: readonly string[];
  /** ADMIN_USER_IDS plus the admin user group; left out: the list alone. */
  admins?: AdminDirectory;
  dmFor: (userId: string) => Promise<ConversationPort>;
  /**
   * The names a user goes by (display name, full name, username). Slash command text arrives as typed
   * (`should_escape: false`), so `@Ada Lovelace` is a name, not an id; without this, only ids are understood.
   */
  userNames?: (userId: string) => Promise<string[]>;
}

const USAGE = 'Usage: `/tutor challenge disqualify @user`, in the channel where the challenge ran.';
/** A member id as typed or as Slack encodes a mention: `U0123ABC`, `@U0123ABC`, `<@U0123ABC>`, `<@U0123ABC|ada>`. */
const MEMBER_ID = /^<?@?([UW][A-Z0-9]{2,})(?:\|[^>]*)?>?$/;

type Found = { kind: 'one'; entry: ChallengeEntryRecord } | { kind: 'none' } | { kind: 'several'; entries: ChallengeEntryRecord[] };

/**
 * `/tutor challenge disqualify @user` (admins): removes an entry of the channel's running or latest
 * challenge from the ranking; the leaderboard, or the posted final results, are re-ranked in place.
 */
export class ChallengeDisqualify {
  constructor(private readonly deps: ChallengeDisqualifyDeps) {}

  async run(ref: ChannelRef, who: string): Promise<Reply> {
    const refused = await (this.deps.admins ?? new AdminDirectory(this.deps.adminUserIds)).refusal(ref, 'Sorry, only Dockhand admins can disqualify an entry. If a result looks wrong, tell one of them.');
    if (refused) return refused;
    const target = who.trim();
    if (!target) return { text: USAGE };
    const challenge = await this.deps.store.latestInChannel(ref.teamId, ref.channelId);
    if (!challenge) return { text: `No challenge has run in this channel, so there is no entry to disqualify. ${USAGE}` };
    const title = this.deps.catalog.get(challenge.exerciseId)?.title ?? challenge.exerciseId;
    const entries = await this.deps.store.entries(challenge.id);
    const found = await this.find(entries, target);
    const shown = `\`${target.replace(/`/g, "'").slice(0, 40)}\``;
    if (found.kind === 'none') return { text: `${shown} did not take part in the *${title}* challenge, the latest in this channel. Use their @name or member ID as Slack shows it.` };
    if (found.kind === 'several') {
      return { text: `Several participants of the *${title}* challenge go by ${shown}: ${found.entries.map((e) => `${userToken(e.userId)} (\`${e.userId}\`)`).join(', ')}. Use the member ID instead.` };
    }
    const { entry } = found;
    if (!(await this.deps.store.disqualify(entry.id, ref.userId, this.deps.clock?.now()))) return { text: `${userToken(entry.userId)} is already disqualified from the *${title}* challenge.` };
    this.deps.log.info({ challengeId: challenge.id, entryId: entry.id, by: ref.userId }, 'challenge entry disqualified');
    const fresh = (await this.deps.store.get(challenge.id)) ?? challenge;
    await this.deps.boards.rerank(fresh);
    const dm = await this.deps.dmFor(entry.userId).catch(() => undefined);
    await dm?.say({ text: `An admin removed your entry from the ${title} challenge's ranking. Ask them if you think this is a mistake.` }).catch(() => undefined);
    return { text: `${userToken(entry.userId)} is disqualified from the *${title}* challenge: the ${fresh.endedAt ? 'final results were' : 'leaderboard was'} re-ranked.` };
  }

  private async find(entries: ChallengeEntryRecord[], target: string): Promise<Found> {
    const id = MEMBER_ID.exec(target)?.[1];
    const byId = id ? entries.find((e) => e.userId === id) : undefined;
    if (byId) return { kind: 'one', entry: byId };
    const wanted = norm(target.replace(/^@/, ''));
    if (!this.deps.userNames || !wanted) return { kind: 'none' };
    const matches: ChallengeEntryRecord[] = [];
    for (const e of entries) {
      const names = await this.deps.userNames(e.userId).catch(() => [] as string[]);
      if (names.some((n) => norm(n) === wanted)) matches.push(e);
    }
    if (matches.length === 1) return { kind: 'one', entry: matches[0]! };
    return matches.length ? { kind: 'several', entries: matches } : { kind: 'none' };
  }
}

const norm = (s: string) => s.trim().replace(/^@/, '').replace(/\s+/g, ' ').toLowerCase();

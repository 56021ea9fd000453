import type { LessonCatalog } from '../../lessons';
import type { Logger } from '../../logger';
import type { ChallengeEntryRecord, ChallengeRecord, ChallengeStore } from '../../store';
import type { ChannelPort, LiveView } from '../reply';
import { rankEntries } from './challenge-rules';
import { challengeCard, finalResults, leaderboard } from './challenge-views';

/** Where challenge times come from when not from the database (tests inject one; one clock decides everything). */
export interface ChallengeClock {
  now(): Date;
}

/** What every part of the challenge feature shares. */
export interface ChallengeBaseDeps {
  store: ChallengeStore;
  catalog: LessonCatalog;
  channels: ChannelPort;
  log: Logger;
  /** Without it, the database clock decides accepts, solves, deadlines and ends. */
  clock?: ChallengeClock;
}

/** Each running challenge's card and leaderboard, kept up to date by editing them (rate limited by the port). */
export class ChallengeBoards {
  private readonly views = new Map<string, { card: LiveView; board: LiveView }>();

  constructor(private readonly deps: ChallengeBaseDeps) {}

  /** Re-renders the card's participant count and the leaderboard. */
  async refresh(challenge: ChallengeRecord): Promise<void> {
    const c = (await this.deps.store.get(challenge.id)) ?? challenge;
    const lesson = this.deps.catalog.get(c.exerciseId);
    const v = this.viewsOf(c);
    if (!v || !lesson || c.endedAt) return;
    const entries = await this.deps.store.entries(c.id);
    v.card.update(challengeCard(c, lesson, entries.length));
    v.board.update(leaderboard(c, entries));
  }

  /** Refreshes without waiting; a failure (e.g. the database is down) is logged, never thrown. */
  refreshSoon(challenge: ChallengeRecord): void {
    this.refresh(challenge).catch((err: unknown) => this.deps.log.warn({ err, challengeId: challenge.id }, 'could not refresh a challenge board'));
  }

  /** The last edit of an ended challenge's card and leaderboard; they are not tracked after. */
  async close(ended: ChallengeRecord, entries: ChallengeEntryRecord[]): Promise<void> {
    const v = this.viewsOf(ended);
    this.views.delete(ended.id);
    const lesson = this.deps.catalog.get(ended.exerciseId);
    await v?.card.finish(challengeCard(ended, lesson, entries.length));
    await v?.board.finish(leaderboard(ended, entries));
  }

  /** Posts the final results in the card's thread and remembers the message, so a disqualification can edit it. */
  async postResults(ended: ChallengeRecord, entries: ChallengeEntryRecord[]): Promise<void> {
    const ranked = rankEntries(entries, ended.hintPenaltySeconds, ended.minSolveSeconds);
    const ts = await this.deps.channels.post(ended.channelId, finalResults(ended, this.deps.catalog.get(ended.exerciseId), ranked), ended.cardTs ?? undefined);
    await this.deps.store.setResultsMessage(ended.id, ts);
  }

  /**
   * The ranking changed (an entry was disqualified): a running challenge's leaderboard is refreshed; an
   * ended one's final results and final leaderboard are edited in place (posted anew if they never landed).
   */
  async rerank(c: ChallengeRecord): Promise<void> {
    if (!c.endedAt) return this.refresh(c);
    const entries = await this.deps.store.entries(c.id);
    const ranked = rankEntries(entries, c.hintPenaltySeconds, c.minSolveSeconds);
    const thread = c.cardTs ?? undefined;
    if (c.resultsTs) await this.deps.channels.live(c.channelId, c.resultsTs, thread).finish(finalResults(c, this.deps.catalog.get(c.exerciseId), ranked));
    else await this.postResults(c, entries);
    if (c.leaderboardTs) await this.deps.channels.live(c.channelId, c.leaderboardTs, thread).finish(leaderboard(c, entries));
  }

  private viewsOf(c: ChallengeRecord) {
    let v = this.views.get(c.id);
    if (!v && c.cardTs && c.leaderboardTs) {
      v = { card: this.deps.channels.live(c.channelId, c.cardTs), board: this.deps.channels.live(c.channelId, c.leaderboardTs, c.cardTs) };
      this.views.set(c.id, v);
    }
    return v;
  }
}

import { userToken, type Reply } from '../reply';
import type { ChallengeHooks } from '../tutor-deps';
import { ChallengeBoards, type ChallengeBaseDeps } from './challenge-boards';
import { clock, rankEntries } from './challenge-rules';

/**
 * What a running challenge changes for a learner racing in it: the solution is hidden, hints cost time,
 * a passing check is a solve. The tutor calls these hooks; they need no tutor, so the tutor is built with them.
 */
export class ChallengeRaces implements ChallengeHooks {
  /** The challenges' live card and leaderboard (shared with ChallengeService). */
  readonly boards: ChallengeBoards;

  constructor(private readonly deps: ChallengeBaseDeps) {
    this.boards = new ChallengeBoards(deps);
  }

  /**
   * Hidden from everyone in the workspace while a challenge on the exercise runs, not only from its racers:
   * otherwise anyone could read it in their DM and accept afterwards (or pass it on).
   */
  async solutionHidden(learnerId: string, lessonId: string): Promise<boolean> {
    return this.deps.store.exerciseRunning(learnerId, lessonId);
  }

  async onHint(learnerId: string, lessonId: string): Promise<string | undefined> {
    const active = await this.deps.store.activeEntry(learnerId);
    if (active?.challenge.exerciseId !== lessonId || active.entry.solvedAt) return undefined;
    await this.deps.store.recordHint(active.entry.id);
    this.boards.refreshSoon(active.challenge);
    return `Challenge: +${active.challenge.hintPenaltySeconds} s added to your time.`;
  }

  async onCheck(learnerId: string, lessonId: string, passed: boolean): Promise<Reply | undefined> {
    const active = await this.deps.store.activeEntry(learnerId);
    if (active?.challenge.exerciseId !== lessonId || active.entry.solvedAt) return undefined;
    const { challenge, entry } = active;
    await this.deps.store.recordAttempt(entry.id);
    if (!passed) {
      this.boards.refreshSoon(challenge);
      return undefined;
    }
    const solve = await this.deps.store.recordSolve(entry.id, this.deps.clock?.now());
    if (!solve.solved) return { text: 'Solved, but after the deadline: it does not count for this challenge.' };
    const ranked = rankEntries(await this.deps.store.entries(challenge.id), challenge.hintPenaltySeconds, challenge.minSolveSeconds);
    const me = ranked.find((r) => r.entry.id === entry.id)!;
    if (me.disqualified) return { text: 'Solved, but an admin disqualified your entry: it does not count in this challenge.' };
    const lesson = this.deps.catalog.get(challenge.exerciseId);
    if (solve.first) {
      await this.deps.channels
        .post(challenge.channelId, { text: `First solve: ${userToken(entry.userId)} solved ${lesson?.title ?? challenge.exerciseId} in ${clock(me.scoreMs!)}!` }, challenge.cardTs ?? undefined)
        .catch((err: unknown) => this.deps.log.warn({ err }, 'could not announce the first solve'));
    }
    await this.boards.refresh(challenge);
    const penalty = me.penaltyMs ? ` (${clock(me.penaltyMs)} of hint penalties included)` : '';
    return { text: `:trophy: Challenge solved in ${clock(me.scoreMs!)}${penalty}: you are number ${me.rank} so far.` };
  }
}

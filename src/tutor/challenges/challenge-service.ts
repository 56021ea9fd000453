import { AppError } from '../../errors';
import type { LearnerStore, ChallengeRecord } from '../../store';
import { dateToken, type ConversationPort, type Reply } from '../reply';
import type { SandboxPort } from '../../sandbox';
import type { ChallengeBaseDeps } from './challenge-boards';
import { ChallengeDisqualify } from './challenge-disqualify';
import { ChallengeEntries, type ChannelRef, type ExerciseStarter } from './challenge-entries';
import { ChallengeWarmth } from './challenge-warmth';
import type { ChallengeRaces } from './challenge-races';
import { parseDuration, rankEntries } from './challenge-rules';
import { AdminDirectory } from '../admins';
import { CHALLENGE_USAGE, challengeCard, endedForParticipant, leaderboard, resultLine, runningLine } from './challenge-views';

export type { ChannelRef, ExerciseStarter } from './challenge-entries';

export interface ChallengeDeps extends ChallengeBaseDeps {
  /** The workspace restore() uses by default (single-workspace mode); multi-workspace passes each team. */
  teamId: string;
  learners: LearnerStore;
  /** The race rules the tutor was built with; their boards are this service's boards. */
  races: ChallengeRaces;
  tutor: ExerciseStarter;
  dmFor: (userId: string) => Promise<ConversationPort>;
  adminUserIds: readonly string[];
  /** ADMIN_USER_IDS plus the admin user group; left out: the list alone. */
  admins?: AdminDirectory;
  hintPenaltySeconds: number;
  /** Solves faster than this (seconds from the racer's start) are flagged for review; 0 or left out: none. */
  minSolveSeconds?: number;
  /** Where each racer's exercise images are pre-pulled before the task is shown (and warm sandboxes kept, when it can). */
  sandboxes?: Pick<SandboxPort, 'execScript' | 'keepPrepared' | 'claimPrepared'>;
  /** Fresh sandboxes kept ready, the exercise's images pulled in, while a challenge runs (CHALLENGE_WARM_SANDBOXES); 0 or left out: none. */
  warmSandboxes?: number;
  /** A user's display name, full name and username (for `disqualify @name`). */
  userNames?: (userId: string) => Promise<string[]>;
}

/** The slash command's answer when the bot cannot post in the channel (Slack's `not_in_channel`). */
export const NOT_IN_CHANNEL_REPLY =
  "I'm not a member of this channel, so I can't post the challenge here, and nothing was started. Invite me with `/invite @Dockhand`, then start the challenge again.";

// setTimeout cannot wait longer than 2^31-1 ms; longer waits re-arm.
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Channel-wide exercise races: start, accept, end, list, disqualify, deadlines that survive restarts. */
export class ChallengeService {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly entries: ChallengeEntries;
  private readonly disqualify: ChallengeDisqualify;
  private readonly warmth: ChallengeWarmth;

  constructor(private readonly deps: ChallengeDeps) {
    const boards = deps.races.boards;
    this.warmth = new ChallengeWarmth({ sandboxes: deps.sandboxes, count: deps.warmSandboxes ?? 0, catalog: deps.catalog, log: deps.log });
    this.entries = new ChallengeEntries({ ...deps, boards });
    this.disqualify = new ChallengeDisqualify({ ...deps, boards });
  }

  /** `/tutor challenge ...` in a channel; the answer is shown only to the caller. */
  async command(ref: ChannelRef, args: string): Promise<Reply> {
    const [sub = '', ...rest] = args.trim().split(/\s+/).filter(Boolean);
    switch (sub.toLowerCase()) {
      case 'start':
        return this.start(ref, rest[0], rest[1]);
      case 'end':
        return this.endByAdmin(ref);
      case 'list':
        return this.list(ref.teamId);
      case 'disqualify':
        return this.disqualify.run(ref, rest.join(' '));
      default:
        return { text: CHALLENGE_USAGE };
    }
  }

  /** The Accept button: a fresh sandbox with the exercise's images, then the task, in the learner's DM. */
  accept(ref: ChannelRef, challengeId: string): Promise<void> {
    return this.entries.accept(ref, challengeId);
  }

  /** Lines for the learner's App Home: their latest challenges and how they did. */
  async resultsFor(teamId: string, userId: string): Promise<string[]> {
    const learner = await this.deps.learners.find(teamId, userId);
    if (!learner) return [];
    const rows = await this.deps.store.resultsFor(learner.id, 10);
    return Promise.all(
      rows.map(async ({ challenge, entry }) => {
        const me = rankEntries(await this.deps.store.entries(challenge.id), challenge.hintPenaltySeconds, challenge.minSolveSeconds).find((r) => r.entry.id === entry.id);
        return resultLine(challenge, this.deps.catalog.get(challenge.exerciseId), me);
      }),
    );
  }

  // ---- lifecycle ------------------------------------------------------------------------------

  /**
   * At start-up: ends challenges whose deadline passed while the bot was down, re-arms the others, and
   * drops any a crash left half-started (no card posted: nobody could have joined).
   */
  async restore(teamId: string = this.deps.teamId): Promise<void> {
    for (const c of await this.deps.store.running(teamId)) {
      if (!c.cardTs) {
        await this.deps.store.discard(c.id);
        this.deps.log.warn({ challengeId: c.id, channel: c.channelId }, 'dropped a challenge whose card was never posted');
      } else if (c.endsAt.getTime() <= this.nowMs()) await this.finish(c);
      else {
        this.arm(c);
        this.warmth.keep(c).catch(() => undefined);
      }
    }
  }

  stop(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  // ---- internals ------------------------------------------------------------------------------

  private nowMs(): number {
    return this.deps.clock?.now().getTime() ?? Date.now();
  }

  /** Undefined for an admin, else the refusal (naming an unreadable admin group). */
  private refusal(ref: { teamId: string; userId: string }, text: string): Promise<Reply | undefined> {
    return (this.deps.admins ?? new AdminDirectory(this.deps.adminUserIds)).refusal(ref, text);
  }

  private async start(ref: ChannelRef, exerciseId: string | undefined, durationText: string | undefined): Promise<Reply> {
    const refused = await this.refusal(ref, "Sorry, only the workspace's Dockhand admins can start a challenge. Ask one of them, or practise the exercises in our DM with `lessons`.");
    if (refused) return refused;
    if (ref.channelId.startsWith('D')) return { text: 'Start a challenge in a channel, so others can join.' };
    const exercises = this.deps.catalog.list('exercise');
    const lesson = exerciseId ? this.deps.catalog.get(exerciseId) : undefined;
    if (!exerciseId || !lesson || lesson.kind !== 'exercise') {
      return { text: `${exerciseId ? `I don't know an exercise called "${exerciseId.slice(0, 40)}". ` : ''}Exercises: ${exercises.map((e) => `\`${e.id}\``).join(', ')}. ${CHALLENGE_USAGE}` };
    }
    const duration = durationText ? parseDuration(durationText) : { ms: lesson.minutes * 60_000 };
    if ('error' in duration) return { text: duration.error };

    const existing = await this.deps.store.runningInChannel(ref.teamId, ref.channelId);
    if (existing && existing.endsAt.getTime() <= this.nowMs()) await this.finish(existing);
    else if (existing) return { text: `A challenge is already running in this channel (until ${dateToken(existing.endsAt)}). \`/tutor challenge end\` ends it.` };

    let challenge: ChallengeRecord;
    try {
      const spec = { teamId: ref.teamId, channelId: ref.channelId, exerciseId: lesson.id, createdBy: ref.userId, durationMs: duration.ms, hintPenaltySeconds: this.deps.hintPenaltySeconds, minSolveSeconds: this.deps.minSolveSeconds ?? 0 };
      challenge = await this.deps.store.create(spec, this.deps.clock?.now());
    } catch (err) {
      if (err instanceof AppError && err.code === 'CHALLENGE_CHANNEL_BUSY') return { text: 'A challenge is already running in this channel.' };
      throw err;
    }
    const failed = await this.post(challenge, lesson);
    if (failed) return failed;
    this.deps.log.info({ challengeId: challenge.id, exercise: lesson.id, channel: ref.channelId }, 'challenge started');
    this.warmth.keep(challenge).catch(() => undefined);
    return { text: `The ${lesson.title} challenge is on until ${dateToken(challenge.endsAt)}.` };
  }

  /**
   * Posts the card and its leaderboard. When Slack refuses (the bot is not in the channel, or anything
   * else), the challenge is rolled back so it does not block the channel, and the admin is told why.
   */
  private async post(challenge: ChallengeRecord, lesson: NonNullable<ReturnType<ChallengeDeps['catalog']['get']>>): Promise<Reply | undefined> {
    const { channels, store, log } = this.deps;
    let cardTs: string | undefined;
    try {
      cardTs = await channels.post(challenge.channelId, challengeCard(challenge, lesson, 0));
      const boardTs = await channels.post(challenge.channelId, leaderboard(challenge, []), cardTs);
      await store.setMessages(challenge.id, cardTs, boardTs);
      this.arm({ ...challenge, cardTs, leaderboardTs: boardTs });
      return undefined;
    } catch (err) {
      const code = err instanceof AppError ? err.code : 'INTERNAL';
      log.warn({ err, challengeId: challenge.id, channel: challenge.channelId, code }, 'could not post a challenge card; rolled back');
      await store.discard(challenge.id).catch((e: unknown) => log.error({ err: e, challengeId: challenge.id }, 'could not roll back a challenge that never started'));
      // A card already posted must not invite anyone into a challenge that no longer exists.
      if (cardTs) await channels.live(challenge.channelId, cardTs).finish({ text: `The ${lesson.title} challenge could not start.`, sections: [`:x: The *${lesson.title}* challenge could not start. An admin can try again.`] });
      if (code === 'SLACK_NOT_IN_CHANNEL') return { text: NOT_IN_CHANNEL_REPLY };
      return { text: `I could not post the challenge card here (${code}), so nothing was started. Try again in a moment.` };
    }
  }

  private async endByAdmin(ref: ChannelRef): Promise<Reply> {
    const refused = await this.refusal(ref, 'Sorry, only Dockhand admins can end a challenge.');
    if (refused) return refused;
    const running = await this.deps.store.runningInChannel(ref.teamId, ref.channelId);
    if (!running) return { text: 'No challenge is running in this channel.' };
    await this.finish(running);
    return { text: 'The challenge has ended; the results are in its thread.' };
  }

  private async list(teamId: string): Promise<Reply> {
    const running = (await this.deps.store.running(teamId)).filter((c) => c.cardTs);
    if (!running.length) return { text: 'No challenge is running.' };
    const lines = await Promise.all(running.map(async (c) => runningLine(c, this.deps.catalog.get(c.exerciseId), (await this.deps.store.entries(c.id)).length)));
    return { text: 'Running challenges', sections: ['*Running challenges*', lines.join('\n')] };
  }

  /** Ends the challenge at its deadline (re-armed at start-up: deadlines live in the database). */
  private arm(c: ChallengeRecord): void {
    clearTimeout(this.timers.get(c.id));
    const wait = Math.max(0, c.endsAt.getTime() - this.nowMs());
    const timer = setTimeout(() => {
      this.timers.delete(c.id);
      if (wait > MAX_TIMER_MS) return this.arm(c);
      this.finish(c).catch((err: unknown) => this.deps.log.error({ err, challengeId: c.id }, 'ending a challenge failed'));
    }, Math.min(wait, MAX_TIMER_MS));
    timer.unref();
    this.timers.set(c.id, timer);
  }

  private async finish(challenge: ChallengeRecord): Promise<void> {
    clearTimeout(this.timers.get(challenge.id));
    this.timers.delete(challenge.id);
    const ended = await this.deps.store.end(challenge.id, this.deps.clock?.now());
    // in the background: removing sandboxes takes seconds, and an admin's `end` must be answered within Slack's 3 s
    this.warmth.release(challenge.id).catch(() => undefined);
    if (!ended) return; // someone else ended it already
    const lesson = this.deps.catalog.get(ended.exerciseId);
    const entries = await this.deps.store.entries(ended.id);
    const ranked = rankEntries(entries, ended.hintPenaltySeconds, ended.minSolveSeconds);
    const boards = this.deps.races.boards;
    await boards.close(ended, entries);
    await boards.postResults(ended, entries).catch((err: unknown) => this.deps.log.error({ err, challengeId: ended.id }, 'could not post the final results'));
    // The exercise is no longer a race: participants' DMs go back to normal (solutions visible again).
    for (const r of ranked) {
      const dm = await this.deps.dmFor(r.entry.userId).catch(() => undefined);
      await dm?.say(endedForParticipant(ended, lesson, r)).catch(() => undefined);
    }
    const flagged = ranked.filter((r) => r.flagged).map((r) => r.entry.userId);
    this.deps.log.info({ challengeId: ended.id, participants: entries.length, solved: ranked.filter((r) => r.rank).length, flagged }, 'challenge ended');
  }
}

import { AppError } from '../errors';
import type { LessonCatalog } from '../lessons/lesson-catalog';
import type { Lesson } from '../lessons/types';
import type { Logger } from '../logger';
import type { ChallengeRecord, ChallengeStore, LearnerStore } from '../store/types';
import { clock, parseDuration, rankEntries } from './challenge-rules';
import { channelToken, dateToken, userToken, type ChannelPort, type ConversationPort, type LiveView, type Reply } from './reply';
import type { ChallengeHooks, Tutor } from './tutor';

export interface ChallengeDeps {
  /** The workspace this bot serves: it restores and lists only its own challenges. */
  teamId: string;
  store: ChallengeStore;
  learners: LearnerStore;
  catalog: LessonCatalog;
  tutor: Tutor;
  channels: ChannelPort;
  dmFor: (userId: string) => Promise<ConversationPort>;
  adminUserIds: readonly string[];
  hintPenaltySeconds: number;
  log: Logger;
}

export interface ChannelRef {
  teamId: string;
  userId: string;
  channelId: string;
}

const USAGE = 'Usage: `/tutor challenge start <exercise> [duration]`, `/tutor challenge end`, `/tutor challenge list`.';
// setTimeout cannot wait longer than 2^31-1 ms; longer waits re-arm.
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Channel-wide exercise races: start, accept, solve, live leaderboard, deadlines that survive restarts. */
export class ChallengeService implements ChallengeHooks {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly views = new Map<string, { card: LiveView; board: LiveView }>();

  constructor(private readonly deps: ChallengeDeps) {}

  /** `/tutor challenge ...` in a channel; the answer is shown only to the caller. */
  async command(ref: ChannelRef, args: string): Promise<Reply> {
    const [sub = '', ...rest] = args.trim().split(/\s+/).filter(Boolean);
    switch (sub.toLowerCase()) {
      case 'start':
        return this.start(ref, rest[0], rest[1]);
      case 'end':
        return this.endByAdmin(ref);
      case 'list':
        return this.list();
      default:
        return { text: USAGE };
    }
  }

  async accept(ref: ChannelRef, challengeId: string): Promise<void> {
    const challenge = await this.deps.store.get(challengeId);
    const reply = (text: string) => this.deps.channels.ephemeral(ref.channelId, ref.userId, { text });
    if (!challenge) return reply('That challenge no longer exists.');
    const lesson = this.deps.catalog.get(challenge.exerciseId);
    if (!lesson) return reply('That exercise is no longer available.');
    const { learner } = await this.deps.learners.ensureLearner(ref.teamId, ref.userId);
    const outcome = await this.deps.store.accept(challenge.id, learner.id);
    if (outcome.kind === 'ended') return reply(`The *${lesson.title}* challenge has ended; the results are in its thread.`);
    if (outcome.kind === 'already') return reply(`You are already in this challenge: your sandbox is ready in our direct message.`);
    if (outcome.kind === 'busy-elsewhere') {
      return reply(`You are already in a challenge in ${channelToken(outcome.other.channelId)}: one at a time. Finish it (or wait for its end) first.`);
    }
    const dm = await this.deps.dmFor(ref.userId);
    await dm.say({
      text: `You joined the ${lesson.title} challenge!`,
      sections: [
        `:checkered_flag: *You joined the ${lesson.title} challenge!* Your time runs from now until you solve it; it ends ${dateToken(challenge.endsAt)}.`,
        `Your sandbox is fresh for the attempt. Hints are allowed but add ${this.deps.hintPenaltySeconds} s each; the solution stays hidden until the end.`,
      ],
    });
    await this.deps.tutor.beginExercise({ teamId: ref.teamId, userId: ref.userId, dmChannel: (dm as { channel?: string }).channel }, lesson.id, dm);
    await this.refresh(challenge);
  }

  // ---- hooks called by the tutor for a learner inside a challenge ---------------------------

  async solutionHidden(learnerId: string, lessonId: string): Promise<boolean> {
    const active = await this.deps.store.activeEntry(learnerId);
    return active?.challenge.exerciseId === lessonId;
  }

  async onHint(learnerId: string, lessonId: string): Promise<string | undefined> {
    const active = await this.deps.store.activeEntry(learnerId);
    if (active?.challenge.exerciseId !== lessonId || active.entry.solvedAt) return undefined;
    await this.deps.store.recordHint(active.entry.id);
    void this.refresh(active.challenge);
    return `Challenge: +${active.challenge.hintPenaltySeconds} s added to your time.`;
  }

  async onCheck(learnerId: string, lessonId: string, passed: boolean): Promise<Reply | undefined> {
    const active = await this.deps.store.activeEntry(learnerId);
    if (active?.challenge.exerciseId !== lessonId || active.entry.solvedAt) return undefined;
    const { challenge, entry } = active;
    await this.deps.store.recordAttempt(entry.id);
    if (!passed) {
      void this.refresh(challenge);
      return undefined;
    }
    const solve = await this.deps.store.recordSolve(entry.id);
    if (!solve.solved) return { text: 'Solved, but after the deadline: it does not count for this challenge.' };
    const ranked = rankEntries(await this.deps.store.entries(challenge.id), challenge.hintPenaltySeconds);
    const me = ranked.find((r) => r.entry.id === entry.id)!;
    const lesson = this.deps.catalog.get(challenge.exerciseId);
    if (solve.first) {
      await this.deps.channels
        .post(challenge.channelId, { text: `First solve: ${userToken(entry.userId)} solved ${lesson?.title ?? challenge.exerciseId} in ${clock(me.scoreMs!)}!` }, challenge.cardTs ?? undefined)
        .catch((err) => this.deps.log.warn({ err }, 'could not announce the first solve'));
    }
    await this.refresh(challenge);
    const penalty = me.penaltyMs ? ` (${clock(me.penaltyMs)} of hint penalties included)` : '';
    return { text: `:trophy: Challenge solved in ${clock(me.scoreMs!)}${penalty}: you are number ${me.rank} so far.` };
  }

  /** Lines for the learner's App Home: their latest challenges and how they did. */
  async resultsFor(teamId: string, userId: string): Promise<string[]> {
    const learner = await this.deps.learners.find(teamId, userId);
    if (!learner) return [];
    const rows = await this.deps.store.resultsFor(learner.id, 10);
    return Promise.all(
      rows.map(async ({ challenge, entry }) => {
        const title = this.deps.catalog.get(challenge.exerciseId)?.title ?? challenge.exerciseId;
        const me = rankEntries(await this.deps.store.entries(challenge.id), challenge.hintPenaltySeconds).find((r) => r.entry.id === entry.id);
        const result = me?.rank ? `number ${me.rank}, ${clock(me.scoreMs!)}` : challenge.endedAt ? 'not solved' : 'in progress';
        return `• ${title} (${channelToken(challenge.channelId)}): ${result}`;
      }),
    );
  }

  // ---- lifecycle ------------------------------------------------------------------------------

  /** At start-up: ends challenges whose deadline passed while the bot was down, re-arms the others. */
  async restore(): Promise<void> {
    for (const c of await this.deps.store.running(this.deps.teamId)) {
      if (c.endsAt.getTime() <= Date.now()) await this.finish(c, 'deadline');
      else this.arm(c);
    }
  }

  stop(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  // ---- internals ------------------------------------------------------------------------------

  private isAdmin(userId: string): boolean {
    return this.deps.adminUserIds.includes(userId);
  }

  private async start(ref: ChannelRef, exerciseId: string | undefined, durationText: string | undefined): Promise<Reply> {
    if (!this.isAdmin(ref.userId)) return { text: 'Sorry, only the workspace\'s Dockhand admins can start a challenge. Ask one of them, or practise the exercises in our DM with `lessons`.' };
    if (ref.channelId.startsWith('D')) return { text: 'Start a challenge in a channel, so others can join.' };
    const exercises = this.deps.catalog.list('exercise');
    const lesson = exerciseId ? this.deps.catalog.get(exerciseId) : undefined;
    if (!exerciseId || !lesson || lesson.kind !== 'exercise') {
      return { text: `${exerciseId ? `I don't know an exercise called "${exerciseId.slice(0, 40)}". ` : ''}Exercises: ${exercises.map((e) => `\`${e.id}\``).join(', ')}. ${USAGE}` };
    }
    const duration = durationText ? parseDuration(durationText) : { ms: lesson.minutes * 60_000 };
    if ('error' in duration) return { text: duration.error };

    const existing = await this.deps.store.runningInChannel(ref.teamId, ref.channelId);
    if (existing && existing.endsAt.getTime() <= Date.now()) await this.finish(existing, 'deadline');
    else if (existing) return { text: `A challenge is already running in this channel (until ${dateToken(existing.endsAt)}). \`/tutor challenge end\` ends it.` };

    let challenge: ChallengeRecord;
    try {
      challenge = await this.deps.store.create({ teamId: ref.teamId, channelId: ref.channelId, exerciseId: lesson.id, createdBy: ref.userId, durationMs: duration.ms, hintPenaltySeconds: this.deps.hintPenaltySeconds });
    } catch (err) {
      if (err instanceof AppError && err.code === 'CHALLENGE_CHANNEL_BUSY') return { text: 'A challenge is already running in this channel.' };
      throw err;
    }
    const cardTs = await this.deps.channels.post(ref.channelId, this.card(challenge, lesson, 0));
    const boardTs = await this.deps.channels.post(ref.channelId, this.board(challenge, []), cardTs);
    await this.deps.store.setMessages(challenge.id, cardTs, boardTs);
    this.arm({ ...challenge, cardTs, leaderboardTs: boardTs });
    this.deps.log.info({ challengeId: challenge.id, exercise: lesson.id, channel: ref.channelId }, 'challenge started');
    return { text: `The ${lesson.title} challenge is on until ${dateToken(challenge.endsAt)}.` };
  }

  private async endByAdmin(ref: ChannelRef): Promise<Reply> {
    if (!this.isAdmin(ref.userId)) return { text: 'Sorry, only Dockhand admins can end a challenge.' };
    const running = await this.deps.store.runningInChannel(ref.teamId, ref.channelId);
    if (!running) return { text: 'No challenge is running in this channel.' };
    await this.finish(running, 'admin');
    return { text: 'The challenge has ended; the results are in its thread.' };
  }

  private async list(): Promise<Reply> {
    const running = await this.deps.store.running(this.deps.teamId);
    if (!running.length) return { text: 'No challenge is running.' };
    const lines = await Promise.all(
      running.map(async (c) => {
        const n = (await this.deps.store.entries(c.id)).length;
        return `• *${this.deps.catalog.get(c.exerciseId)?.title ?? c.exerciseId}* in ${channelToken(c.channelId)}: ${n} participant${n === 1 ? '' : 's'}, ends ${dateToken(c.endsAt)}`;
      }),
    );
    return { text: 'Running challenges', sections: ['*Running challenges*', lines.join('\n')] };
  }

  private arm(c: ChallengeRecord): void {
    clearTimeout(this.timers.get(c.id));
    const wait = Math.max(0, c.endsAt.getTime() - Date.now());
    const timer = setTimeout(() => {
      this.timers.delete(c.id);
      if (wait > MAX_TIMER_MS) return this.arm(c);
      void this.finish(c, 'deadline').catch((err) => this.deps.log.error({ err, challengeId: c.id }, 'ending a challenge failed'));
    }, Math.min(wait, MAX_TIMER_MS));
    timer.unref();
    this.timers.set(c.id, timer);
  }

  private viewsOf(c: ChallengeRecord) {
    let v = this.views.get(c.id);
    if (!v && c.cardTs && c.leaderboardTs) {
      v = { card: this.deps.channels.live(c.channelId, c.cardTs), board: this.deps.channels.live(c.channelId, c.leaderboardTs, c.cardTs) };
      this.views.set(c.id, v);
    }
    return v;
  }

  /** Re-renders the card's participant count and the leaderboard (edits are rate limited by the port). */
  private async refresh(challenge: ChallengeRecord): Promise<void> {
    const c = (await this.deps.store.get(challenge.id)) ?? challenge;
    const lesson = this.deps.catalog.get(c.exerciseId);
    const v = this.viewsOf(c);
    if (!v || !lesson || c.endedAt) return;
    const entries = await this.deps.store.entries(c.id);
    v.card.update(this.card(c, lesson, entries.length));
    v.board.update(this.board(c, entries));
  }

  private async finish(challenge: ChallengeRecord, why: 'deadline' | 'admin'): Promise<void> {
    clearTimeout(this.timers.get(challenge.id));
    this.timers.delete(challenge.id);
    const ended = await this.deps.store.end(challenge.id);
    if (!ended) return; // someone else ended it already
    const lesson = this.deps.catalog.get(ended.exerciseId);
    const entries = await this.deps.store.entries(ended.id);
    const ranked = rankEntries(entries, ended.hintPenaltySeconds);
    const v = this.viewsOf(ended);
    this.views.delete(ended.id);
    await v?.card.finish(this.card(ended, lesson, entries.length));
    await v?.board.finish(this.board(ended, entries));
    const winner = ranked[0]?.rank ? ranked[0] : undefined;
    await this.deps.channels
      .post(
        ended.channelId,
        {
          text: `The ${lesson?.title ?? ended.exerciseId} challenge has ended${why === 'admin' ? ' (ended by an admin)' : ''}.`,
          sections: [
            `:checkered_flag: *Final results: ${lesson?.title ?? ended.exerciseId}*${why === 'admin' ? ' (ended by an admin)' : ''}`,
            this.table(ranked) || 'Nobody took part.',
            winner ? `Congratulations ${userToken(winner.entry.userId)}!` : 'Nobody solved it this time.',
          ],
        },
        ended.cardTs ?? undefined,
      )
      .catch((err) => this.deps.log.error({ err, challengeId: ended.id }, 'could not post the final results'));
    // The exercise is no longer a race: participants' DMs go back to normal (solutions visible again).
    for (const r of ranked) {
      const dm = await this.deps.dmFor(r.entry.userId).catch(() => undefined);
      await dm
        ?.say({
          text: `The ${lesson?.title ?? ended.exerciseId} challenge has ended.`,
          sections: [`The *${lesson?.title ?? ended.exerciseId}* challenge has ended: ${r.rank ? `you placed number ${r.rank} (${clock(r.scoreMs!)})` : 'you did not solve it this time'}. \`solution\` now shows the answer.`],
        })
        .catch(() => undefined);
    }
    this.deps.log.info({ challengeId: ended.id, participants: entries.length, solved: ranked.filter((r) => r.rank).length, why }, 'challenge ended');
  }

  private card(c: ChallengeRecord, lesson: Lesson | undefined, participants: number): Reply {
    const title = lesson?.title ?? c.exerciseId;
    const task = lesson?.steps[0]?.body.trim() ?? '';
    if (c.endedAt) return { text: `Challenge ended: ${title}`, sections: [`:checkered_flag: *Challenge ended: ${title}*`, `${participants} took part. Results in the thread.`] };
    return {
      text: `Challenge: ${title}`,
      sections: [`:stopwatch: *Challenge: ${title}*`, task.length > 1500 ? `${task.slice(0, 1500)}…` : task, `Ends ${dateToken(c.endsAt)} · ${participants} participant${participants === 1 ? '' : 's'} · hints cost ${c.hintPenaltySeconds} s`],
      buttons: [{ label: 'Accept the challenge', actionId: `challenge:accept:${c.id}`, value: c.id, style: 'primary' }],
    };
  }

  private board(c: ChallengeRecord, entries: Parameters<typeof rankEntries>[0]): Reply {
    const ranked = rankEntries(entries, c.hintPenaltySeconds);
    return { text: 'Leaderboard', sections: [`*Leaderboard*${c.endedAt ? ' (final)' : ''}`, this.table(ranked) || '_Nobody yet: press Accept on the challenge._'] };
  }

  private table(ranked: ReturnType<typeof rankEntries>): string {
    return ranked
      .slice(0, 40)
      .map((r) => {
        const hints = r.entry.hintsUsed ? `, ${r.entry.hintsUsed} hint${r.entry.hintsUsed === 1 ? '' : 's'} (+${clock(r.penaltyMs)})` : '';
        const checks = `${r.entry.attempts} check${r.entry.attempts === 1 ? '' : 's'}`;
        return r.rank ? `${r.rank}. ${userToken(r.entry.userId)} ${clock(r.scoreMs!)}${hints} · ${checks}` : `–  ${userToken(r.entry.userId)} not solved yet${hints} · ${checks}`;
      })
      .join('\n');
  }
}


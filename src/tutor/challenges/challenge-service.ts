import { AppError } from '../../errors';
import type { LearnerStore, ChallengeRecord } from '../../store/types';
import { channelToken, dateToken, type ConversationPort, type Reply } from '../reply';
import type { LearnerRef } from '../turn-context';
import type { ChallengeBaseDeps } from './challenge-boards';
import type { ChallengeRaces } from './challenge-races';
import { parseDuration, rankEntries } from './challenge-rules';
import { CHALLENGE_USAGE, challengeCard, endedForParticipant, finalResults, leaderboard, resultLine, runningLine } from './challenge-views';

/** Starts a learner's attempt at an exercise in a fresh sandbox (the Tutor does). */
export interface ExerciseStarter {
  beginExercise(ref: LearnerRef, lessonId: string, port: ConversationPort): Promise<void>;
}

export interface ChallengeDeps extends ChallengeBaseDeps {
  /** The workspace this bot serves: it restores and lists only its own challenges. */
  teamId: string;
  learners: LearnerStore;
  /** The race rules the tutor was built with; their boards are this service's boards. */
  races: ChallengeRaces;
  tutor: ExerciseStarter;
  dmFor: (userId: string) => Promise<ConversationPort>;
  adminUserIds: readonly string[];
  hintPenaltySeconds: number;
}

export interface ChannelRef {
  teamId: string;
  userId: string;
  channelId: string;
}

/** Challenge ids are UUIDs (the database's type): anything else in a button payload is refused before any query. */
const CHALLENGE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// setTimeout cannot wait longer than 2^31-1 ms; longer waits re-arm.
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Channel-wide exercise races: start, accept, end, list, deadlines that survive restarts. */
export class ChallengeService {
  private readonly timers = new Map<string, NodeJS.Timeout>();

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
        return { text: CHALLENGE_USAGE };
    }
  }

  /** The Accept button: the learner races from now, in a fresh sandbox, in their DM. */
  async accept(ref: ChannelRef, challengeId: string): Promise<void> {
    const reply = (text: string) => this.deps.channels.ephemeral(ref.channelId, ref.userId, { text });
    if (!CHALLENGE_ID.test(challengeId)) return reply("That button doesn't point to a challenge I know. Ask the organiser for the challenge card, or type `/tutor challenge list`.");
    const challenge = await this.deps.store.get(challengeId);
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
    await this.deps.races.boards.refresh(challenge);
  }

  /** Lines for the learner's App Home: their latest challenges and how they did. */
  async resultsFor(teamId: string, userId: string): Promise<string[]> {
    const learner = await this.deps.learners.find(teamId, userId);
    if (!learner) return [];
    const rows = await this.deps.store.resultsFor(learner.id, 10);
    return Promise.all(
      rows.map(async ({ challenge, entry }) => {
        const me = rankEntries(await this.deps.store.entries(challenge.id), challenge.hintPenaltySeconds).find((r) => r.entry.id === entry.id);
        return resultLine(challenge, this.deps.catalog.get(challenge.exerciseId), me);
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
      return { text: `${exerciseId ? `I don't know an exercise called "${exerciseId.slice(0, 40)}". ` : ''}Exercises: ${exercises.map((e) => `\`${e.id}\``).join(', ')}. ${CHALLENGE_USAGE}` };
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
    const cardTs = await this.deps.channels.post(ref.channelId, challengeCard(challenge, lesson, 0));
    const boardTs = await this.deps.channels.post(ref.channelId, leaderboard(challenge, []), cardTs);
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
    const lines = await Promise.all(running.map(async (c) => runningLine(c, this.deps.catalog.get(c.exerciseId), (await this.deps.store.entries(c.id)).length)));
    return { text: 'Running challenges', sections: ['*Running challenges*', lines.join('\n')] };
  }

  /** Ends the challenge at its deadline (re-armed at start-up: deadlines live in the database). */
  private arm(c: ChallengeRecord): void {
    clearTimeout(this.timers.get(c.id));
    const wait = Math.max(0, c.endsAt.getTime() - Date.now());
    const timer = setTimeout(() => {
      this.timers.delete(c.id);
      if (wait > MAX_TIMER_MS) return this.arm(c);
      this.finish(c, 'deadline').catch((err: unknown) => this.deps.log.error({ err, challengeId: c.id }, 'ending a challenge failed'));
    }, Math.min(wait, MAX_TIMER_MS));
    timer.unref();
    this.timers.set(c.id, timer);
  }

  private async finish(challenge: ChallengeRecord, why: 'deadline' | 'admin'): Promise<void> {
    clearTimeout(this.timers.get(challenge.id));
    this.timers.delete(challenge.id);
    const ended = await this.deps.store.end(challenge.id);
    if (!ended) return; // someone else ended it already
    const lesson = this.deps.catalog.get(ended.exerciseId);
    const entries = await this.deps.store.entries(ended.id);
    const ranked = rankEntries(entries, ended.hintPenaltySeconds);
    await this.deps.races.boards.close(ended, entries);
    await this.deps.channels
      .post(ended.channelId, finalResults(ended, lesson, ranked, why), ended.cardTs ?? undefined)
      .catch((err: unknown) => this.deps.log.error({ err, challengeId: ended.id }, 'could not post the final results'));
    // The exercise is no longer a race: participants' DMs go back to normal (solutions visible again).
    for (const r of ranked) {
      const dm = await this.deps.dmFor(r.entry.userId).catch(() => undefined);
      await dm?.say(endedForParticipant(ended, lesson, r)).catch(() => undefined);
    }
    this.deps.log.info({ challengeId: ended.id, participants: entries.length, solved: ranked.filter((r) => r.rank).length, why }, 'challenge ended');
  }
}

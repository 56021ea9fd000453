import { AppError } from '../../errors';
import type { Lesson } from '../../lessons';
import type { Logger } from '../../logger';
import type { ChallengeEntryRecord, ChallengeRecord, LearnerStore } from '../../store';
import { channelToken, dateToken, type ConversationPort } from '../reply';
import type { SandboxPort } from '../../sandbox';
import type { LearnerRef } from '../turns/turn-context';
import type { ChallengeBaseDeps, ChallengeBoards } from './challenge-boards';
import { prePullImages } from '../pulls/image-prepull';
import { warmPoolOf } from './challenge-warmth';

/** Starts a learner's attempt at an exercise in a fresh sandbox (the Tutor does). */
export interface ExerciseStarter {
  beginExercise(ref: LearnerRef, lessonId: string, port: ConversationPort, log?: Logger, opts?: { beforeCard?: (learnerKey: string) => Promise<void> }): Promise<void>;
}

export interface ChallengeEntriesDeps extends ChallengeBaseDeps {
  learners: LearnerStore;
  boards: ChallengeBoards;
  tutor: ExerciseStarter;
  dmFor: (userId: string) => Promise<ConversationPort>;
  hintPenaltySeconds: number;
  /** Where the exercise's images are pre-pulled (or a warm sandbox with them claimed); without it the racer's first `docker run` pulls them. */
  sandboxes?: Pick<SandboxPort, 'execScript' | 'claimPrepared'>;
}

export interface ChannelRef {
  teamId: string;
  userId: string;
  channelId: string;
}

/** Challenge ids are UUIDs (the database's type): anything else in a button payload is refused before any query. */
const CHALLENGE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Joining a challenge: the Accept button, then the racer's fresh sandbox with the exercise's images already
 * pulled, then the task. The racer's clock starts when the task is shown (`readyAt`), so neither a sandbox
 * start nor an image pull counts in anyone's time; accept-to-ready is logged for each entry. The Slack layer
 * handles one sender's requests one at a time, so a racer's commands wait until the task is shown: nothing can
 * be run (nor the pull stalled) in the untimed window.
 */
export class ChallengeEntries {
  /** Entries whose sandbox is being prepared (a second press of Accept must not reset it again). */
  private readonly preparing = new Set<string>();

  constructor(private readonly deps: ChallengeEntriesDeps) {}

  async accept(ref: ChannelRef, challengeId: string): Promise<void> {
    const reply = (text: string) => this.deps.channels.ephemeral(ref.channelId, ref.userId, { text });
    if (!CHALLENGE_ID.test(challengeId)) return reply("That button doesn't point to a challenge I know. Ask the organiser for the challenge card, or type `/tutor challenge list`.");
    const challenge = await this.deps.store.get(challengeId);
    if (!challenge) return reply('That challenge no longer exists.');
    const lesson = this.deps.catalog.get(challenge.exerciseId);
    if (!lesson) return reply('That exercise is no longer available.');
    const { learner } = await this.deps.learners.ensureLearner(ref.teamId, ref.userId);
    const outcome = await this.deps.store.accept(challenge.id, learner.id, this.deps.clock?.now());
    if (outcome.kind === 'ended') return reply(`The *${lesson.title}* challenge has ended; the results are in its thread.`);
    if (outcome.kind === 'busy-elsewhere') {
      return reply(`You are already in a challenge in ${channelToken(outcome.other.channelId)}: one at a time. Finish it (or wait for its end) first.`);
    }
    if (outcome.kind === 'already') {
      // A preparation that failed (or was cut by a restart) is tried again; a ready entry is left alone.
      if (outcome.entry.readyAt || outcome.entry.solvedAt || this.preparing.has(outcome.entry.id)) {
        return reply('You are already in this challenge: your sandbox is in our direct message.');
      }
    }
    const dm = await this.deps.dmFor(ref.userId);
    if (outcome.kind === 'accepted') {
      const images = lesson.images.length ? ` (with ${lesson.images.map((i) => `\`${i}\``).join(', ')} already pulled)` : '';
      await dm.say({
        text: `You joined the ${lesson.title} challenge!`,
        sections: [
          `:checkered_flag: *You joined the ${lesson.title} challenge!* I am preparing a fresh sandbox for you${images}; your time starts when the task appears. It ends ${dateToken(challenge.endsAt)}.`,
          `Hints are allowed but add ${challenge.hintPenaltySeconds} s each; the solution stays hidden until the end.`,
        ],
      });
    }
    await this.prepare(ref, challenge, lesson, outcome.entry, dm);
  }

  /** Fresh sandbox, images pulled, task shown, clock started; a failure is told to the learner, who can press Accept again. */
  private async prepare(ref: ChannelRef, challenge: ChallengeRecord, lesson: Lesson, entry: ChallengeEntryRecord, dm: ConversationPort): Promise<void> {
    this.preparing.add(entry.id);
    const log = this.deps.log.child({ challengeId: challenge.id, entryId: entry.id });
    try {
      const s = this.deps.sandboxes;
      const beforeCard = s && (lesson.images.length || s.claimPrepared) ? (key: string) => this.freshSandbox(key, challenge, lesson, log) : undefined;
      await this.deps.tutor.beginExercise({ teamId: ref.teamId, userId: ref.userId, dmChannel: (dm as { channel?: string }).channel }, lesson.id, dm, log, { beforeCard });
      const readyAt = this.deps.clock?.now() ?? new Date();
      if (await this.deps.store.markReady(entry.id, this.deps.clock?.now())) {
        log.info({ acceptToReadyMs: readyAt.getTime() - entry.acceptedAt.getTime(), images: lesson.images }, 'challenge entry ready');
      }
    } catch (err) {
      log.warn({ err }, 'could not prepare a challenge sandbox');
      const code = err instanceof AppError ? err.code : 'unexpected error';
      // Over the fresh-sandbox limit the reason is the learner's to read (when they may try again), not a code.
      const why = err instanceof AppError && err.code === 'RATE_LIMITED' ? err.message : `I could not prepare your sandbox for the ${lesson.title} challenge (${code}).`;
      await dm.say({ text: `${why} Your time has not started: press *Accept* on the challenge again to retry.` }).catch(() => undefined);
    } finally {
      this.preparing.delete(entry.id);
    }
    await this.deps.boards.refresh(challenge);
  }

  /** A warm sandbox of the challenge (its images already in) when one is ready, else a new one and the pulls. */
  private async freshSandbox(learnerKey: string, challenge: ChallengeRecord, lesson: Lesson, log: Logger): Promise<void> {
    const started = Date.now();
    if (await this.deps.sandboxes!.claimPrepared?.(learnerKey, warmPoolOf(challenge.id))) {
      log.info({ images: lesson.images, durationMs: Date.now() - started }, 'racer got a warm sandbox with the exercise images');
      return;
    }
    if (lesson.images.length) await this.prePull(learnerKey, lesson, log);
  }

  private async prePull(learnerKey: string, lesson: Lesson, log: Logger): Promise<void> {
    const result = await prePullImages(this.deps.sandboxes!, learnerKey, lesson.images);
    // A failed pull does not stop the race: the learner's own `docker run` pulls the image from the mirror.
    if (!result.ok) log.warn({ images: lesson.images, detail: result.detail, durationMs: result.durationMs }, 'pre-pulling the exercise images failed');
    else log.info({ images: result.images, durationMs: result.durationMs }, 'exercise images pre-pulled');
  }
}

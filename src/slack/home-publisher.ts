import type { webApi } from '@slack/bolt';
import type { Logger } from '../logger';
import type { ChallengeService } from '../tutor';
import type { Tutor } from '../tutor';
import type { TutorEvents } from '../tutor';
import { renderHome } from './render/home-view';
import type { SlackClassroom } from './team/class-home';

export interface HomePublisherDeps {
  client: webApi.WebClient;
  tutor: Pick<Tutor, 'home'>;
  challenges?: Pick<ChallengeService, 'resultsFor'>;
  /** Assignments (every learner) and the class view (admins). */
  classroom?: SlackClassroom;
  /** When given, each progress change republishes the learner's home (until stop()). */
  events?: TutorEvents;
  log: Logger;
  minIntervalMs?: number;
  /** The clock (ms); injected so tests move time instead of waiting. */
  now?: () => number;
  /**
   * True while learners' requests are being answered: a republish after progress then waits (up to
   * `maxDeferMs`), so a class opening a lesson together gets its cards before the database and the CPU go to
   * Home tabs nobody is looking at (each costs about ten queries; 30 of them queued ahead of the cards).
   */
  busy?: () => boolean;
  /** The longest a republish after progress waits for `busy` to clear (default 10 s). */
  maxDeferMs?: number;
}

/** How often a deferred republish looks again whether the bot is still busy. */
const BUSY_RECHECK_MS = 500;

/** Publishes a learner's App Home, at most once per interval per learner (views.publish is rate limited). */
export class HomePublisher {
  private readonly pending = new Map<string, NodeJS.Timeout>();
  private readonly lastAt = new Map<string, number>();
  private readonly unsubscribe: () => void;
  private readonly minIntervalMs: number;
  private readonly now: () => number;

  constructor(private readonly deps: HomePublisherDeps) {
    this.minIntervalMs = deps.minIntervalMs ?? 5000;
    this.now = deps.now ?? Date.now;
    this.unsubscribe =
      deps.events?.on('progress', ({ teamId, userId }) => {
        this.schedule(teamId, userId);
        // Admins watching the class view see it move: each at most once per interval, like any Home.
        for (const admin of deps.classroom?.classView.watchersOf(teamId) ?? []) if (admin !== userId) this.schedule(teamId, admin);
      }) ?? (() => undefined);
  }

  /** Republishes soon (once the bot is not busy answering, within maxDeferMs); several changes in a row publish once. */
  schedule(teamId: string, userId: string): void {
    if (this.pending.has(userId)) return;
    const wait = Math.max(200, (this.lastAt.get(userId) ?? 0) + this.minIntervalMs - this.now());
    const latest = this.now() + wait + (this.deps.maxDeferMs ?? 10_000);
    const arm = (ms: number) => {
      const timer = setTimeout(() => {
        if (this.deps.busy?.() && this.now() < latest) return arm(BUSY_RECHECK_MS);
        this.pending.delete(userId);
        this.publish(teamId, userId).catch((err: unknown) => this.deps.log.warn({ err, userId }, 'App Home publish failed'));
      }, ms);
      timer.unref();
      this.pending.set(userId, timer);
    };
    arm(wait);
  }

  /**
   * The learner opened the Home tab: published at once, unless it was published within the interval; then
   * once when the interval is over (switching tabs in a loop costs one views.publish per interval).
   */
  opened(teamId: string, userId: string): Promise<void> {
    if (this.now() - (this.lastAt.get(userId) ?? Number.NEGATIVE_INFINITY) >= this.minIntervalMs) return this.publish(teamId, userId);
    this.schedule(teamId, userId);
    return Promise.resolve();
  }

  async publish(teamId: string, userId: string): Promise<void> {
    this.lastAt.set(userId, this.now());
    try {
      const [home, challenges, assigned, classView] = await Promise.all([
        this.deps.tutor.home({ teamId, userId }),
        this.deps.challenges?.resultsFor(teamId, userId) ?? [],
        this.deps.classroom?.assignments.assignedTo(teamId, userId) ?? [],
        this.deps.classroom?.classView.forHome(teamId, userId),
      ]);
      await this.deps.client.views.publish({ user_id: userId, view: renderHome({ ...home, challenges, assigned, classView }) });
    } catch (err) {
      this.deps.log.warn({ err, userId }, 'App Home publish failed');
    }
  }

  stop(): void {
    this.unsubscribe();
    for (const t of this.pending.values()) clearTimeout(t);
    this.pending.clear();
  }
}

import { AppError } from '../../errors';
import type { Lesson, LessonCatalog } from '../../lessons';
import type { Logger } from '../../logger';
import type { SandboxPort } from '../../sandbox';
import type { LearnerStore, TutorStore } from '../../store';
import { parseLearnerKey } from '../learner-key';
import type { ForegroundSignal } from './foreground-work';
import { prePullImages } from './image-prepull';

/**
 * A learner who opens a lesson gets their step's images pulled into their sandbox in the background while they
 * read, and the next step's when they advance, so the step's `docker run` starts at once. The pull is a separate exec beside the learner's shell: it never holds
 * a command back (a command that needs an image still being pulled waits for the same layers: the engine shares
 * the download). On a shared host the pulls take turns: at most `concurrency` run at once host-wide, one per
 * learner, so a class opening lesson 1 together (or one learner opening it again and again) cannot starve first
 * commands of CPU and disk. And they are background work: with a `foreground` signal, a pull starts only while no
 * learner waits for a command, a sandbox start, a setup or a check (foreground-work.ts).
 */

export const LESSON_PREPULL_CONCURRENCY = 2;
export const LESSON_PREPULL_TIMEOUT_MS = 60_000;
/** A pull that waited this long for its turn is dropped: by then the learner has pulled what they needed. */
export const LESSON_PREPULL_MAX_WAIT_MS = 5 * 60_000;

export interface LessonPrePullOptions {
  /** Pulls running at once across all learners. */
  concurrency?: number;
  /** Each learner's pull script, once it runs in their sandbox. */
  timeoutMs?: number;
  /** How long a pull may wait for its turn before it is dropped. */
  maxWaitMs?: number;
  now?: () => number;
  /** What learners wait for: pulls start only while none of it is under way. */
  foreground?: ForegroundSignal;
}

/** What the pulls have done since start (the tests and the bench read it). */
export interface LessonPrePullStats {
  running: number;
  /** The most that ever ran at once. */
  peak: number;
  waiting: number;
  started: number;
  finished: number;
  failed: number;
  /** Dropped after waiting longer than maxWaitMs for a turn. */
  dropped: number;
  /** Times a pull that had a turn free waited because learners were waiting for their own work. */
  yielded: number;
}

/**
 * The images to pull for a learner on step `at`: the ones that step names (in its commands or its text), or, when it
 * names none (`docker ps`), the ones of the next step that does; in the lesson's order. Only one step's worth: a
 * class opening lesson 1 together pulls one small image each, not the whole lesson (pulling every image of lesson 1
 * into 30 fresh sandboxes at once cost the class's first commands about 8 s on a loaded host); the next step's
 * images come when the learner advances, while they read its card. An image a step from `at` on asks the learner to
 * `docker pull` is left to them (pulling it is that step's exercise, and its check looks for it).
 */
export function stepPrePullImages(lesson: Pick<Lesson, 'images' | 'steps'>, at = 0): string[] {
  const names = (s: Lesson['steps'][number]) => `${s.solution.join('\n')}\n${s.body}`;
  const later = lesson.steps.slice(Math.max(0, at));
  const taught = new Set(lesson.images.filter((img) => later.some((s) => s.solution.some((c) => /^\s*docker\s+(image\s+)?pull\b/.test(c) && mentions(c, img)))));
  const wanted = lesson.images.filter((img) => !taught.has(img));
  for (const step of later) {
    const named = wanted.filter((img) => mentions(names(step), img));
    if (named.length) return named;
  }
  return [];
}

/** `text` names the image: its repository as a word (`hello-world`, `docker.io/library/busybox:latest`). */
function mentions(text: string, image: string): boolean {
  const repo = image.replace(/@.*$/, '').replace(/:[^/:]*$/, '');
  const short = repo.replace(/^(docker\.io\/)?(library\/)?/, '');
  const escaped = short.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  return new RegExp(`(^|[\\s/\`'"=])${escaped}($|[\\s:@\`'"])`, 'm').test(text);
}

interface Job {
  at: number;
  lessonId: string;
  images: string[];
  log: Logger;
}

/** Background pulls of lesson images, bounded host-wide and coalesced per learner. */
export class LessonPrePuller {
  private readonly concurrency: number;
  private readonly timeoutMs: number;
  private readonly maxWaitMs: number;
  private readonly now: () => number;
  /** Learners waiting for a turn, in arrival order; each at most once. */
  private readonly queue: string[] = [];
  /** The newest pull each learner asked for and not started yet (a newer request replaces it). */
  private readonly wanted = new Map<string, Job>();
  private readonly active = new Set<string>();
  private readonly counts = { peak: 0, started: 0, finished: 0, failed: 0, dropped: 0, yielded: 0 };
  private readonly foreground?: ForegroundSignal;

  constructor(
    private readonly sandboxes: Pick<SandboxPort, 'execScript'>,
    opts: LessonPrePullOptions = {},
  ) {
    this.concurrency = Math.max(1, opts.concurrency ?? LESSON_PREPULL_CONCURRENCY);
    this.timeoutMs = opts.timeoutMs ?? LESSON_PREPULL_TIMEOUT_MS;
    this.maxWaitMs = opts.maxWaitMs ?? LESSON_PREPULL_MAX_WAIT_MS;
    this.now = opts.now ?? Date.now;
    this.foreground = opts.foreground;
    this.foreground?.onIdle(() => this.pump());
  }

  /**
   * Pulls the images of step `at` (stepPrePullImages) into the learner's sandbox in the background. Never throws and
   * never waits: a learner already pulling gets this pull after theirs (the newest request only), so the sandbox
   * made by a reset gets its images too.
   */
  request(key: string, lesson: Pick<Lesson, 'id' | 'images' | 'steps'>, at: number, log: Logger): void {
    const images = stepPrePullImages(lesson, at);
    if (images.length === 0) return;
    const queued = this.wanted.has(key);
    this.wanted.set(key, { at: this.now(), lessonId: lesson.id, images, log });
    if (!queued && !this.active.has(key)) this.queue.push(key);
    this.pump();
  }

  /** A pull for this learner runs or waits. */
  busy(key: string): boolean {
    return this.active.has(key) || this.wanted.has(key);
  }

  get stats(): LessonPrePullStats {
    return { running: this.active.size, waiting: this.queue.length, ...this.counts };
  }

  private pump(): void {
    while (this.active.size < this.concurrency && this.queue.length > 0) {
      if (this.foreground?.busy) return void this.counts.yielded++;
      const key = this.queue.shift()!;
      const job = this.wanted.get(key)!;
      this.wanted.delete(key);
      if (this.now() - job.at > this.maxWaitMs) {
        this.counts.dropped++;
        job.log.info({ lessonId: job.lessonId, waitedMs: this.now() - job.at }, 'lesson images not pre-pulled: waited too long for a turn');
        continue;
      }
      this.active.add(key);
      this.counts.started++;
      this.counts.peak = Math.max(this.counts.peak, this.active.size);
      const done = () => {
        this.active.delete(key);
        this.counts.finished++;
        if (this.wanted.has(key)) this.queue.push(key);
        this.pump();
      };
      // pull() catches and logs everything itself; the turn ends either way.
      this.pull(key, job).then(done, done);
    }
  }

  private async pull(key: string, { lessonId, images, log }: Job): Promise<void> {
    try {
      const r = await prePullImages(this.sandboxes, key, images, { timeoutMs: this.timeoutMs, onlyExisting: true, skipPresent: true });
      if (r.ok) log.info({ lessonId, images, present: r.present, durationMs: r.durationMs }, 'lesson images pre-pulled');
      else {
        this.counts.failed++;
        // The learner's own `docker run` pulls from the mirror, and says so if that fails: nothing to tell them here.
        log.warn({ lessonId, images, detail: r.detail, durationMs: r.durationMs }, 'pre-pulling the lesson images failed');
      }
    } catch (err) {
      this.counts.failed++;
      // No sandbox to pull into (it went: a reset, an idle removal; the next one pulls when it is made), or it failed.
      const code = err instanceof AppError ? err.code : undefined;
      log[code === 'SANDBOX_NOT_READY' ? 'info' : 'warn']({ lessonId, code, message: err instanceof Error ? err.message : String(err) }, 'lesson images not pre-pulled');
    }
  }
}

/**
 * A sandbox was made for a learner by something other than opening a lesson (their command after an idle removal
 * or a crash): inside a lesson, the fresh sandbox gets their step's images. Nothing to do when a
 * pull for them runs or waits already (opening a lesson and a reset ask for one themselves), outside a lesson, or in
 * an exercise (a race pulls its own images before the clock starts).
 */
export async function prePullForNewSandbox(
  deps: { learners: Pick<LearnerStore, 'find'>; store: Pick<TutorStore, 'activeLesson'>; catalog: Pick<LessonCatalog, 'get'> },
  pulls: LessonPrePuller,
  key: string,
  log: Logger,
): Promise<void> {
  const who = parseLearnerKey(key);
  if (!who || pulls.busy(key)) return;
  const learner = await deps.learners.find(who.teamId, who.userId);
  const active = learner && (await deps.store.activeLesson(learner.id));
  const lesson = active ? deps.catalog.get(active.lessonId) : undefined;
  const step = lesson?.steps.find((s) => s.id === active?.stepId);
  if (lesson?.kind !== 'lesson' || !step || pulls.busy(key)) return;
  pulls.request(key, lesson, step.index, log.child({ teamId: who.teamId, userId: who.userId }));
}

import type { LessonCatalog } from '../../lessons';
import type { Lesson, LessonStep } from '../../lessons';
import type { Logger } from '../../logger';
import type { ActiveLesson, LearnerRecord, LearnerStore, TutorStore } from '../../store';
import { learnerKeyOf, type LearnerKey } from '../learner-key';
import type { ConversationPort, Reply } from '../reply';

/** Who a turn is for, as the chat layer knows them. */
export interface LearnerRef {
  teamId: string;
  userId: string;
  /** The learner's DM channel when known (messages and DM buttons carry it). */
  dmChannel?: string;
  /** Looked up only on first contact. */
  displayName?: () => Promise<string | undefined>;
}

/** The lesson and step the learner is on. */
export interface CurrentStep {
  lesson: Lesson;
  step: LessonStep;
}

/** Where a turn reads the learner's lesson state from. */
export interface LessonSource {
  store: Pick<TutorStore, 'activeLesson'>;
  catalog: Pick<LessonCatalog, 'get'>;
}

/**
 * One learner turn (a message, a button, a slash command, a background command finishing): who, where
 * the answers go, the logger, and the learner's lesson state, read at most once until it changes.
 */
export class TurnContext {
  readonly key: LearnerKey;
  private active?: Promise<ActiveLesson | null>;

  constructor(
    readonly ref: LearnerRef,
    readonly learner: LearnerRecord,
    readonly port: ConversationPort,
    readonly log: Logger,
    private readonly lessons: LessonSource,
    /** The learner was stored by this turn. */
    readonly firstContact = false,
  ) {
    this.key = learnerKeyOf(ref);
  }

  /**
   * Starts the learner's sandbox in the background (they are about to need it): never awaited by the
   * reply, and a failure only logs (the first command tries again, and says what went wrong).
   */
  prepareSandbox(sandboxes: SandboxPreparer): void {
    prepareSandbox(sandboxes, this.key, this.log);
  }

  say(reply: Reply): Promise<void> {
    return this.port.say(reply);
  }

  /** The same turn answering somewhere else (a slash command collects its answer instead of posting it). */
  withPort(port: ConversationPort): TurnContext {
    return new TurnContext(this.ref, this.learner, port, this.log, this.lessons, this.firstContact);
  }

  /** The learner's active lesson (loaded on first use). */
  activeLesson(): Promise<ActiveLesson | null> {
    if (this.active) return this.active;
    const loading = this.lessons.store.activeLesson(this.learner.id);
    this.active = loading;
    // A failed read is not kept: the next call tries again.
    void loading.catch(() => {
      if (this.active === loading) this.active = undefined;
    });
    return loading;
  }

  /** The lesson and step the learner is on, if any. */
  async current(): Promise<CurrentStep | undefined> {
    const active = await this.activeLesson();
    if (!active?.stepId) return undefined;
    const lesson = this.lessons.catalog.get(active.lessonId);
    const step = lesson?.steps.find((s) => s.id === active.stepId);
    return lesson && step ? { lesson, step } : undefined;
  }

  /** The lesson state changed (or may have, e.g. while a command ran): the next read goes to the store. */
  forgetLesson(): void {
    this.active = undefined;
  }
}

type SandboxPreparer = { prepare?(learnerKey: string): Promise<void> };

/** Starts a learner's sandbox in the background; a failure only logs (their first command tries again). */
export function prepareSandbox(sandboxes: SandboxPreparer, key: LearnerKey, log: Logger): void {
  sandboxes.prepare?.(key).catch((err: unknown) => log.info({ err }, 'preparing the sandbox ahead of time failed'));
}

/** Opens a turn: finds the learner, or stores them on first contact. */
export async function openTurn(
  deps: { learners: LearnerStore; store: Pick<TutorStore, 'activeLesson'>; catalog: Pick<LessonCatalog, 'get'> },
  ref: LearnerRef,
  port: ConversationPort,
  log: Logger,
  /** Called as soon as a new learner is stored, before the rest of the turn (their sandbox can start). */
  onFirstContact?: (key: LearnerKey) => void,
): Promise<TurnContext> {
  const open = (learner: LearnerRecord, firstContact: boolean) => new TurnContext(ref, learner, port, log, deps, firstContact);
  const existing = await deps.learners.find(ref.teamId, ref.userId);
  if (existing) return open(existing, false);
  // Stored before Slack is asked for the name, with their DM channel in the same write: users.info took 0.7-1.5 s in
  // a class's burst of first messages, the learner's sandbox should be starting meanwhile (it is recorded against
  // this row), and a sandbox notice from that start ("you are number 3 in line") goes to this DM.
  const { learner, created } = await deps.learners.addLearner(ref.teamId, ref.userId, ref.dmChannel);
  if (created) {
    log.info({ teamId: ref.teamId, userId: ref.userId }, 'new learner');
    onFirstContact?.(learnerKeyOf(ref));
  }
  // Their name is asked of Slack beside the turn, not before its answer: a class's burst of first messages waited
  // for users.info and a second write each before their first card (the turn does not use the name).
  if (created && ref.displayName) {
    ref
      .displayName()
      .then((name) => (name ? deps.learners.setDisplayName(ref.teamId, ref.userId, name) : undefined))
      .catch((err: unknown) => log.info({ err }, 'could not store the learner\'s name'));
  }
  return open(learner, created);
}

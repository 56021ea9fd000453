import type { LessonCatalog } from '../lessons';
import type { Logger } from '../logger';
import type { SandboxPort } from '../sandbox';
import type { LearnerStore, TutorStore } from '../store';
import type { LessonPrePullOptions } from './pulls/lesson-prepull';
import type { PreviewOffers } from './preview-offers';
import type { Reply } from './reply';
import type { TurnLimits } from './turns/turn-limiter';
import type { TutorEvents } from './tutor-events';

/**
 * The sandbox contract without its events: the tutor runs learners' commands and scripts, the composition root
 * listens to what happens to sandboxes. The tutor passes its LearnerKey as the contract's plain-string key.
 */
export type TutorSandboxes = Omit<SandboxPort, 'on'>;

/** What a running challenge changes in the lesson flow (implemented by ChallengeRaces). */
export interface ChallengeHooks {
  solutionHidden(learnerId: string, lessonId: string): Promise<boolean>;
  /** Records a hint; returns a note about the penalty when the learner is racing. */
  onHint(learnerId: string, lessonId: string): Promise<string | undefined>;
  /** Records a check; on a pass inside a challenge, returns the result to show. */
  onCheck(learnerId: string, lessonId: string, passed: boolean): Promise<Reply | undefined>;
}

/** Mints a learner's own link to the web playground (single use, short-lived: one per request). */
export interface PlaygroundLinks {
  linkFor(ref: { teamId: string; userId: string }): string;
}

export interface TutorDeps {
  learners: LearnerStore;
  store: TutorStore;
  catalog: LessonCatalog;
  sandboxes: TutorSandboxes;
  log: Logger;
  /** Where the tutor announces progress changes; a fresh emitter (`tutor.events`) when left out. */
  events?: TutorEvents;
  /** Challenge rules for learners inside a race; without them, no lesson is ever a race. */
  challenges?: ChallengeHooks;
  /** Per-learner request limits (one "slow down" per window); without them, nothing is limited here. */
  limits?: TurnLimits;
  /** Image names the sandboxes' mirror serves, named when a learner's pull fails; the lesson stand-ins when left out. */
  offlineImages?: readonly string[];
  /** The mirror caches a real registry (MIRROR_UPSTREAM): a miss then means the upstream lacks or refuses the name, not "offline". */
  imagesCached?: boolean;
  /** How lesson images are pulled in the background when a lesson opens (defaults in lesson-prepull.ts). */
  prePull?: LessonPrePullOptions;
  /** The web playground; without it, `playground` says it is not enabled and cards show no button. */
  playground?: PlaygroundLinks;
  /** Port previews offered after a command publishes a port (only with the playground served). */
  previews?: PreviewOffers;
}

import type { LessonCatalog } from '../lessons';
import type { ScriptRun } from '../lessons';
import type { Logger } from '../logger';
import type { CheckOptions, CommandResult, RunOptions, ScriptOptions } from '../sandbox';
import type { LearnerStore, TutorStore } from '../store';
import type { Reply } from './reply';
import type { TurnLimits } from './turn-limiter';
import type { TutorEvents } from './tutor-events';

/**
 * The sandbox operations the tutor needs; SandboxManager fits it. Keys are plain strings at this
 * boundary (the sandbox layer knows nothing of the tutor): the tutor passes its LearnerKey.
 */
export interface SandboxPort {
  run(learnerKey: string, command: string, opts?: RunOptions): Promise<CommandResult>;
  sendInput(learnerKey: string, text: string): Promise<CommandResult>;
  interrupt(learnerKey: string): Promise<CommandResult | undefined>;
  /** In the learner's sandbox, with their tools: step setups. */
  execScript(learnerKey: string, script: string, opts?: ScriptOptions): Promise<ScriptRun>;
  /** A check, run with tools and state the learner cannot change (the sandbox's check inspector). */
  checkScript(learnerKey: string, script: string, opts?: CheckOptions): Promise<ScriptRun>;
  /** A fresh per-attempt seed kept out of the learner's reach; a seeded step's setup and check read it. */
  newSeed(learnerKey: string, name: string): Promise<string>;
  reset(learnerKey: string): Promise<void>;
  /** Starts the learner's sandbox ahead of their first command (nothing runs in it); optional. */
  prepare?(learnerKey: string): Promise<void>;
  /** Keeps `count` sandboxes warm for a class about to start; returns how many it will keep. Optional. */
  prewarm?(count: number, forMinutes?: number): number;
}

/** What a running challenge changes in the lesson flow (implemented by ChallengeRaces). */
export interface ChallengeHooks {
  solutionHidden(learnerId: string, lessonId: string): Promise<boolean>;
  /** Records a hint; returns a note about the penalty when the learner is racing. */
  onHint(learnerId: string, lessonId: string): Promise<string | undefined>;
  /** Records a check; on a pass inside a challenge, returns the result to show. */
  onCheck(learnerId: string, lessonId: string, passed: boolean): Promise<Reply | undefined>;
}

export interface TutorDeps {
  learners: LearnerStore;
  store: TutorStore;
  catalog: LessonCatalog;
  sandboxes: SandboxPort;
  log: Logger;
  /** Where the tutor announces progress changes; a fresh emitter (`tutor.events`) when left out. */
  events?: TutorEvents;
  /** Challenge rules for learners inside a race; without them, no lesson is ever a race. */
  challenges?: ChallengeHooks;
  /** Per-learner request limits (one "slow down" per window); without them, nothing is limited here. */
  limits?: TurnLimits;
}

import type { CheckOptions, ScriptOptions, ScriptResult } from '../sandbox';

/** A lesson script always has a time limit (the step's own); the rest are the sandbox's script options. */
export type ScriptRunOptions = ScriptOptions & { timeoutMs: number };

/**
 * One sandbox as lesson setups, checks and the lesson test runner see it: a key of the sandbox contract
 * (SandboxPort) bound once, so lesson code passes one object around. Results are the sandbox's ScriptResult.
 */
export interface LessonSandbox {
  /** In the sandbox, with the learner's tools: setups and solutions (what a learner would type). */
  run(script: string, opts: ScriptRunOptions): Promise<ScriptResult>;
  /**
   * A check: with trusted tools the learner cannot change, reading their sandbox from outside (its files as
   * read-only data, its ports, its Docker engine). `seed` names a seed from newSeed(): the check sees DOCKHAND_SEED.
   */
  check(script: string, opts: CheckOptions & { timeoutMs: number }): Promise<ScriptResult>;
  /** A fresh random seed stored under `name` out of the learner's reach (per-attempt data); returns its value. */
  newSeed(name: string): Promise<string>;
  dispose(): Promise<void>;
}

export interface LessonSandboxFactory {
  /** A fresh, empty sandbox; `name` is for labels and logs. */
  create(name: string): Promise<LessonSandbox>;
}

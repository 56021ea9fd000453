/** What lesson checks, setups and the lesson test runner need from a sandbox: run a bash script, then go away. */
export interface ScriptRun {
  /** null when unknown (timed out). */
  exitCode: number | null;
  /** stdout and stderr interleaved; the tail is kept when capped. */
  output: string;
  timedOut: boolean;
  truncated: boolean;
  durationMs: number;
}

export interface ScriptRunOptions {
  timeoutMs: number;
  outputCapBytes?: number;
}

export interface LessonSandbox {
  /** In the sandbox, with the learner's tools: setups and solutions (what a learner would type). */
  run(script: string, opts: ScriptRunOptions): Promise<ScriptRun>;
  /**
   * A check: with trusted tools the learner cannot change, reading their sandbox from outside (its files as
   * read-only data, its ports, its Docker engine). `seed` names a seed from newSeed(): the check sees DOCKHAND_SEED.
   */
  check(script: string, opts: ScriptRunOptions & { seed?: string }): Promise<ScriptRun>;
  /** A fresh random seed stored under `name` out of the learner's reach (per-attempt data); returns its value. */
  newSeed(name: string): Promise<string>;
  dispose(): Promise<void>;
}

export interface LessonSandboxFactory {
  /** A fresh, empty sandbox; `name` is for labels and logs. */
  create(name: string): Promise<LessonSandbox>;
}

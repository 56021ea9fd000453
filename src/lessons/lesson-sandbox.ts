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

export interface LessonSandbox {
  run(script: string, opts: { timeoutMs: number; outputCapBytes?: number }): Promise<ScriptRun>;
  dispose(): Promise<void>;
}

export interface LessonSandboxFactory {
  /** A fresh, empty sandbox; `name` is for labels and logs. */
  create(name: string): Promise<LessonSandbox>;
}

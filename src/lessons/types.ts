/** A lesson after loading: every file reference is resolved to its text, defaults are filled in. */
export interface Lesson {
  id: string;
  kind: 'lesson' | 'exercise';
  title: string;
  summary: string;
  level: 'beginner' | 'intermediate' | 'advanced';
  /** Time estimate in minutes (for exercises: the time a challenge should allow). */
  minutes: number;
  /** Images the lesson pulls or runs inside the sandbox; they must be served by the offline mirror. */
  images: string[];
  prerequisites: string[];
  /** Markdown shown before the first step and after the last one. */
  intro?: string;
  finish?: string;
  /** Absolute path of the lesson folder. */
  dir: string;
  manifestPath: string;
  steps: LessonStep[];
}

export interface LessonStep {
  id: string;
  /** 0-based position in the lesson. */
  index: number;
  title: string;
  /** Markdown, short enough for a chat message. */
  body: string;
  /** Bash script run in the sandbox: exit 0 means done, otherwise its last output line is shown to the learner. */
  check: string;
  hints: string[];
  /** Commands a learner would type, in order; the lesson test runner runs them as one script. */
  solution: string[];
  /** Bash script run in the sandbox when the step starts. */
  setup?: string;
  /** Run the check after each learner command (otherwise only when the learner asks). */
  autoCheck: boolean;
  checkTimeoutMs: number;
  solutionTimeoutMs: number;
  /** Plausible wrong attempts the check must reject (run by `lessons:test`); empty or absent when none are written. */
  wrong?: WrongAttempt[];
  /** Correct alternatives to the solution the check must accept (run by `lessons:test`); absent when none are written. */
  right?: RightAttempt[];
}

/** A wrong attempt at a step, as a learner might type it; `undo` restores the state before the solution runs. */
export interface WrongAttempt {
  why: string;
  run: string[];
  undo: string[];
  /** Text the check's message must contain when it rejects the attempt (e.g. the name of a container in the way). */
  expect?: string;
}

/** A correct alternative to the solution; `undo` restores the state so the next alternative and the solution start clean. */
export interface RightAttempt {
  why: string;
  run: string[];
  undo: string[];
}

/** One problem found while loading: which file, which field (a path such as `steps[2].check`), what was expected. */
export interface LessonProblem {
  file: string;
  line?: number;
  field: string;
  message: string;
}

export function formatProblem(p: LessonProblem): string {
  const where = p.line ? `${p.file}:${p.line}` : p.file;
  return p.field ? `${where}: ${p.field}: ${p.message}` : `${where}: ${p.message}`;
}

export interface CommandResult {
  /** Rendered terminal text (screen + scrollback for this command), colours dropped, CR progress collapsed; the tail when capped. */
  output: string;
  /** null when unknown (timed out, interrupted before the shell reported, waiting for input, sandbox died). */
  exitCode: number | null;
  durationMs: number;
  /** Output exceeded the cap (or the terminal's scrollback); the tail is kept. */
  truncated: boolean;
  /** Stopped by the per-command timeout. */
  timedOut: boolean;
  /** Ctrl-C delivered by interrupt(), or the shell/sandbox died. */
  interrupted: boolean;
  /** Still running and idle, apparently reading stdin; the command stays attached (sendInput/interrupt). */
  waitingForInput: boolean;
  /** Plain-words notes for the learner (flood stopped, process limit hit, disk full, sandbox crashed...). */
  notices?: string[];
}

/** A bash script's run (setups, checks, lesson tests, pre-pulls): the one script-result type of the contract. */
export interface ScriptResult {
  /** null when unknown (timed out). */
  exitCode: number | null;
  /** stdout and stderr interleaved; the tail is kept when capped. */
  output: string;
  timedOut: boolean;
  truncated: boolean;
  durationMs: number;
}

export type SandboxEvent =
  | { type: 'created' | 'adopted' | 'removed' | 'reaped' | 'expired'; learnerKey: string; containerId: string }
  | { type: 'crashed' | 'oom-killed'; learnerKey: string; containerId: string; detail: string }
  // workspaceLimit: waiting for the workspace's share (SANDBOX_MAX_PER_WORKSPACE), not for the host's cap.
  | { type: 'queued'; learnerKey: string; position: number; workspaceLimit?: number }
  // the nested engine's disk (or the sandbox filesystem) ran out of space.
  | { type: 'disk-full'; learnerKey: string; containerId: string; detail: string };

export interface RunOptions {
  timeoutMs?: number;
  /** Called with the rendered screen so far, at most every `outputIntervalMs` (manager option). */
  onOutput?(screenSoFar: string): void;
}

export interface ScriptOptions {
  timeoutMs?: number;
  outputCapBytes?: number;
  /** Background work (an image pre-pull): runs only in a sandbox that exists or is being made, never starts one (SANDBOX_NOT_READY). */
  onlyExisting?: boolean;
}

export interface CheckOptions extends ScriptOptions {
  /** Name of a seed made by newSeed(): the check sees its value as DOCKHAND_SEED. */
  seed?: string;
}

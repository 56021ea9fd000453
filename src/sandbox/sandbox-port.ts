import type { PreparedSpec } from './lifecycle/prepared-pools';
import type { CheckOptions, CommandResult, RunOptions, SandboxEvent, ScriptOptions, ScriptResult } from './types';

/**
 * The sandbox contract as its callers see it, written once: SandboxManager implements it, the tutor, the
 * lesson runner, the metrics wrapper and the test fake all use it. Keys are plain strings (the sandbox layer
 * knows nothing of learners): the tutor passes its LearnerKey, the lesson test runner a key of its own.
 */
export interface SandboxPort {
  /** A shell command in the key's persistent shell (its sandbox is made on first use). */
  run(learnerKey: string, command: string, opts?: RunOptions): Promise<CommandResult>;
  /** Typed into a command that waits for input. */
  sendInput(learnerKey: string, text: string): Promise<CommandResult>;
  /** Ctrl-C; undefined when nothing was running. */
  interrupt(learnerKey: string): Promise<CommandResult | undefined>;
  /** In the sandbox, with the learner's tools: step setups, solutions, image pre-pulls. */
  execScript(learnerKey: string, script: string, opts?: ScriptOptions): Promise<ScriptResult>;
  /** A check, run with tools and state the learner cannot change (the sandbox's check inspector). */
  checkScript(learnerKey: string, script: string, opts?: CheckOptions): Promise<ScriptResult>;
  /** A fresh per-attempt seed kept out of the learner's reach; a seeded step's setup and check read it. */
  newSeed(learnerKey: string, name: string): Promise<string>;
  /** Removes the key's sandbox; the next use starts an empty one. */
  reset(learnerKey: string): Promise<void>;
  /** Starts the key's sandbox ahead of its first command (nothing runs in it); optional, callers do without. */
  prepare?(learnerKey: string): Promise<void>;
  /** Keeps `count` sandboxes warm for a class about to start; returns how many it will keep. Optional. */
  prewarm?(count: number, forMinutes?: number): number;
  /** Keeps fresh sandboxes with `spec.script` already run in them for `poolId` (a running challenge); count 0 removes them. Optional. */
  keepPrepared?(poolId: string, spec: PreparedSpec): Promise<void>;
  /** A key without a sandbox gets a ready one of `poolId` (true) or, when none is ready, one started as usual (false). Optional. */
  claimPrepared?(learnerKey: string, poolId: string): Promise<boolean>;
  /** What happened to sandboxes (created, queued, crashed, out of memory, disk full...); returns the unsubscribe. */
  on(listener: (e: SandboxEvent) => void): () => void;
}

/** How many sandboxes exist, are starting, wait warm or wait in line (read by the metrics). */
export interface SandboxStats {
  sandboxes: number;
  creating: number;
  warm: number;
  /** Ready sandboxes kept for a purpose (a running challenge's, its images pulled in). */
  prepared?: number;
  queued: number;
  spareNetworks?: { ready: number; creating: number; target: number };
  /** The host disk reservation as last measured (SANDBOX_DISK_MB set): free bytes, bytes promised to existing disks, refusals. */
  hostDisk?: { availBytes: number; promisedBytes: number; refusals: number };
  /** New sandboxes since start refused by the per-key start limit, or held in line by the workspace quota. */
  refusals?: { startLimit: number; workspaceQuota: number };
}

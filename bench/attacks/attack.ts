import type { CommandResult, SandboxManager } from '../../src/sandbox';

/**
 * One attack by a learner on the shared host. Most are a command run in the attacker's sandbox (`$PEER` is
 * replaced with the bystander's address); `drive` is for attacks that are a loop of requests to the sandbox
 * service instead (resets), and resolves to the last answer the attacker got.
 */
export interface Attack {
  name: string;
  command?: string;
  drive?: (m: SandboxManager, attacker: string) => Promise<CommandResult>;
  /** What the attacker must have been told; a row whose attack did not happen says so. */
  expect: (r: CommandResult) => boolean;
}

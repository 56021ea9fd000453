import type { CommandResult } from '../../src/sandbox';

/** One attack run as a learner's command in the attacker's sandbox; `$PEER` is replaced with the bystander's address. */
export interface Attack {
  name: string;
  command: string;
  /** What the attacker must have been told; a row whose attack did not happen says so. */
  expect: (r: CommandResult) => boolean;
}

import type { CommandResult, SandboxManager } from '../../src/sandbox';
import type { Attack } from './attack';

const ROUNDS = 12;

/** reset + a command, over and over: each round asks the host for a fresh sandbox until the per-learner limit says no. */
async function resetLoop(m: SandboxManager, attacker: string): Promise<CommandResult> {
  let last: CommandResult = { output: '', exitCode: null, timedOut: false, durationMs: 0, truncated: false, interrupted: false, waitingForInput: false };
  for (let i = 0; i < ROUNDS; i++) {
    await m.reset(attacker);
    try {
      last = await m.run(attacker, 'true');
    } catch (err) {
      return { ...last, output: (err as Error).message, exitCode: null };
    }
  }
  return last;
}

/** Sandbox churn: the loop the tutor's reset limit stops, run below it at the sandbox service's own start limit. */
export const CHURN_ATTACKS: Attack[] = [
  { name: `reset + command loop (${ROUNDS} rounds; 1 + SANDBOX_NEW_PER_LEARNER_10MIN new sandboxes allowed)`, drive: resetLoop, expect: (r) => /new sandboxes in a few minutes/.test(r.output) },
];

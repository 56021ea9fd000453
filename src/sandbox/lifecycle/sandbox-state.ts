/**
 * The lifecycle states of the sandbox layer, each with its allowed moves, so a class holds one state field
 * instead of booleans that could disagree (stopped and closed, removed and gone).
 */

/**
 * A learner's started sandbox: `ready` (container up; the shell opens lazily), `crashed` (its container died:
 * reported once, then removed), `removing` (removal under way: the next command needs a new sandbox), `removed`.
 */
export type SandboxState = 'ready' | 'crashed' | 'removing' | 'removed';

/**
 * The sandbox service: `running` accepts commands (also before start(), which adopts leftovers and starts the
 * reaper), `stopping` refuses new work while it detaches, `stopped` until started again.
 */
export type ServiceState = 'running' | 'stopping' | 'stopped';

/** Whether a pool (allocator, warm pool, spare networks) takes in new work: `closed` fails the line and stops refills. */
export type IntakeState = 'open' | 'closed';

const SANDBOX_MOVES: Record<SandboxState, readonly SandboxState[]> = {
  ready: ['crashed', 'removing'],
  crashed: ['removing'],
  removing: ['removed'],
  removed: [],
};

/** Whether a started sandbox may move from one state to another (e.g. a removed one never crashes again). */
export const canMoveSandbox = (from: SandboxState, to: SandboxState): boolean => SANDBOX_MOVES[from].includes(to);

/** Removed or being removed: the sandbox serves no more commands. */
export const isGone = (s: SandboxState): boolean => s === 'removing' || s === 'removed';

import { UpdateBudget } from './update-budget';

export interface WorkspaceBudgetsOptions {
  /** The workspace the current work is for (multi-workspace mode: WorkspaceContext.current); undefined: the one workspace. */
  current?: () => string | undefined;
  /** Makes one workspace's budget (tests inject a clock). */
  make?: () => UpdateBudget;
}

/**
 * chat.update budgets, one per workspace. Slack's rate limits are per app per workspace, so one busy
 * workspace must not slow another's live output down, and a 429 in one pauses only that one. With a
 * single workspace (no `current`) there is exactly one budget.
 */
export class WorkspaceBudgets {
  private readonly byTeam = new Map<string, UpdateBudget>();
  private readonly make: () => UpdateBudget;
  private readonly currentTeam: () => string | undefined;

  constructor(opts: WorkspaceBudgetsOptions = {}) {
    this.make = opts.make ?? (() => new UpdateBudget());
    this.currentTeam = opts.current ?? (() => undefined);
  }

  /** The budget of the workspace the current work is for (made on first use). */
  get current(): UpdateBudget {
    return this.for(this.currentTeam() ?? '');
  }

  for(teamId: string): UpdateBudget {
    let budget = this.byTeam.get(teamId);
    if (!budget) {
      budget = this.make();
      this.byTeam.set(teamId, budget);
    }
    return budget;
  }

  /** An uninstalled workspace's budget goes with it (a live message still holding it keeps working). */
  forget(teamId: string): void {
    this.byTeam.delete(teamId);
  }

  /** Every workspace's budget made so far, by team id ('' for the single workspace). */
  get all(): ReadonlyMap<string, UpdateBudget> {
    return this.byTeam;
  }

  /**
   * For the metrics: the tokens of the workspace closest to being throttled, and the finals waiting in all of
   * them (a per-workspace label would put team ids in every scrape).
   */
  summary(): { tokens: number; finalsWaiting: number } {
    if (this.byTeam.size === 0) return { tokens: this.make().tokensLeft, finalsWaiting: 0 };
    let tokens = Infinity;
    let finalsWaiting = 0;
    for (const b of this.byTeam.values()) {
      tokens = Math.min(tokens, b.tokensLeft);
      finalsWaiting += b.waitingFinals;
    }
    return { tokens, finalsWaiting };
  }
}

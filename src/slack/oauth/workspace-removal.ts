import type { Logger } from '../../logger';
import { learnerKeyOf } from '../../tutor';
import type { RemovalReason, WorkspaceRemover } from './workspace-remover';

export interface RemovalDeps {
  installs: { remove(teamId: string): Promise<boolean> };
  /** The user ids of the workspace's learners (database). */
  learnersOf(teamId: string): Promise<string[]>;
  /** Removes a learner's sandbox, if one runs. */
  removeSandbox(learnerKey: string): Promise<void>;
  log: Logger;
}

/**
 * Uninstall, or a token Slack refuses (revoked-token-guard.ts): the workspace's token goes first (nothing
 * more is sent there), then every sandbox of its learners. Progress and challenge history stay keyed by the workspace: a reinstall finds them again.
 */
export class WorkspaceRemoval implements WorkspaceRemover {
  constructor(private readonly deps: RemovalDeps) {}

  async remove(teamId: string, reason: RemovalReason): Promise<void> {
    const { log } = this.deps;
    const hadInstall = await this.deps.installs.remove(teamId);
    const users = await this.deps.learnersOf(teamId);
    let removed = 0;
    for (const userId of users) {
      try {
        await this.deps.removeSandbox(learnerKeyOf({ teamId, userId }));
        removed += 1;
      } catch (err) {
        log.warn({ err, team: teamId }, 'could not remove a sandbox of an uninstalled workspace');
      }
    }
    log.info({ team: teamId, reason, hadInstall, learners: users.length, sandboxesChecked: removed }, 'workspace removed: tokens deleted, sandboxes removed');
  }
}

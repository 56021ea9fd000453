/** Why a workspace goes: Slack's two uninstall events, or its token refused on a call (revoked without an event). */
export type RemovalReason = 'app_uninstalled' | 'tokens_revoked' | 'token_rejected';

/** Forgets a workspace: its tokens, and its learners' sandboxes (WorkspaceRemoval, workspace-removal.ts). */
export interface WorkspaceRemover {
  remove(teamId: string, reason: RemovalReason): Promise<void>;
}

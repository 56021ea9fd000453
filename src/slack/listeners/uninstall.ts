import type { App } from '@slack/bolt';
import type { Logger } from '../../logger';
import type { WorkspaceRemover } from '../oauth/workspace-remover';

/**
 * `app_uninstalled` and `tokens_revoked` (Bolt delivers both without authorizing: the token is gone).
 * A user token revoked alone changes nothing: the bot keeps only bot tokens.
 */
export function registerUninstall(app: App, deps: { remover: WorkspaceRemover; log: Logger }): void {
  const teamOf = (body: unknown) => (body as { team_id?: string }).team_id;
  app.event('app_uninstalled', async ({ body }) => {
    const teamId = teamOf(body);
    if (teamId) await deps.remover.remove(teamId, 'app_uninstalled');
  });
  app.event('tokens_revoked', async ({ event, body }) => {
    const teamId = teamOf(body);
    if (teamId && (event.tokens.bot?.length ?? 0) > 0) await deps.remover.remove(teamId, 'tokens_revoked');
  });
}

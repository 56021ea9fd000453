import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Installation } from '@slack/bolt';
import type { CallbackOptions } from '@slack/oauth';

type CodedError = Parameters<NonNullable<CallbackOptions['failure']>>[0];
import type { Logger } from '../../logger';

const page = (title: string, body: string) =>
  `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title><style>body{font-family:sans-serif;max-width:36em;margin:3em auto;padding:0 1em;line-height:1.5}</style></head><body><h1>${title}</h1>${body}</body></html>`;

/** What went wrong, in words for the person who clicked "Add to Slack" (no codes, no stack). */
const REASONS: Record<string, string> = {
  slack_oauth_missing_state: 'The link you followed has no security check (state). Start again from the install page.',
  slack_oauth_invalid_state: 'The install link expired or was opened in another browser. Start again from the install page, in one browser.',
  slack_oauth_missing_code: 'Slack did not send an authorization code. Start again from the install page.',
  slack_oauth_stale_code: 'That install link was already used or has expired. Start again from the install page.',
  slack_oauth_installer_authorization_error: 'The install was cancelled. You can start again any time from the install page.',
};

const STALE_CODE = new Set(['invalid_code', 'code_already_used', 'code_expired', 'bad_redirect_uri']);

/**
 * The redirect's answers: a plain "installed" page, and a friendly failure page with status 400 for a
 * bad link (state or code) and 500 otherwise. Details go to the log (Bolt's errors carry no tokens).
 */
export function installCallbacks(log: Logger, installPath: string, allowedTeamIds?: readonly string[]): CallbackOptions {
  return {
    // ALLOWED_TEAM_IDS: a workspace not on the list is refused before its installation (and token) is stored.
    afterInstallation: async (installation, _opts, _req: IncomingMessage, res: ServerResponse) => {
      const team = installation.team?.id;
      if (!allowedTeamIds || (team && allowedTeamIds.includes(team))) return true;
      log.warn({ team, enterprise: installation.enterprise?.id }, 'install refused: workspace not in ALLOWED_TEAM_IDS');
      res.writeHead(403, { 'content-type': 'text/html; charset=utf-8' });
      res.end(page('This Dockhand is not open to your workspace', '<p>The people who run this Dockhand have opened it to a few workspaces only, and yours is not one of them. Nothing was installed. If you think it should be, ask them to add your workspace.</p>'));
      return false;
    },
    success: (installation: Installation, _opts, _req: IncomingMessage, res: ServerResponse) => {
      log.info({ team: installation.team?.id }, 'workspace installed the app');
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(page('Dockhand is installed', '<p>Open Slack and send Dockhand a direct message, for example <code>help</code>, to start learning Docker.</p>'));
    },
    failure: (error: CodedError, _opts, _req: IncomingMessage, res: ServerResponse) => {
      // Slack refused the code (used twice, expired, another redirect URL): a stale link, not a fault here.
      const slackError = (error as { data?: { error?: string } }).data?.error;
      const reason = REASONS[error.code] ?? (slackError && STALE_CODE.has(slackError) ? REASONS.slack_oauth_stale_code : undefined);
      log.warn({ code: error.code, slackError }, 'an install attempt failed');
      res.writeHead(reason ? 400 : 500, { 'content-type': 'text/html; charset=utf-8' });
      const text = reason ?? 'Something went wrong while finishing the install. Please try again in a moment; if it keeps failing, tell the person who runs Dockhand.';
      res.end(page('Dockhand could not be installed', `<p>${text}</p><p><a href="${installPath}">Back to the install page</a></p>`));
    },
  };
}

import type { webApi } from '@slack/bolt';
import type { Logger } from '../../logger';
import type { WorkspaceRemover } from './workspace-remover';
import { revokedTokenError } from '../streaming/slack-call';
import type { WorkspaceContext } from './workspace-context';

type MakeRequest = (url: string, body: Record<string, unknown>, headers?: Record<string, string>) => Promise<unknown>;
const WATCHED = Symbol('dockhand.revokedTokenGuard');

/** Multi-workspace mode: whose work a call is for, and the token each workspace has now. */
export interface GuardWorkspaces {
  context: WorkspaceContext;
  tokenFor(teamId: string): Promise<string | undefined>;
}

export interface RevokedTokenGuardDeps {
  log: Logger;
  /** Absent in single-workspace mode (SLACK_BOT_TOKEN). */
  workspaces?: GuardWorkspaces;
}

/**
 * A token can die without any event (revoked by an admin, a deleted workspace): Slack then answers every
 * call with `token_revoked` and the like. Every Web API request goes through watch()'s wrapper, so this is
 * the one place that notices. Multi-workspace: that workspace is stopped as an uninstall stops it (its
 * installation and its learners' sandboxes go; its later events find no installation and are dropped),
 * with one warn line; other workspaces carry on. Single-workspace: one error line telling the operator
 * how to fix it; the bot keeps running.
 */
export class RevokedTokenGuard {
  private remover?: WorkspaceRemover;
  private readonly stopping = new Set<string>();
  private readonly pending = new Set<Promise<void>>();
  private singleReported = false;

  constructor(private readonly deps: RevokedTokenGuardDeps) {}

  /** Multi-workspace: what removes a workspace (set once the listeners are registered). */
  stopWith(remover: WorkspaceRemover): void {
    this.remover = remover;
  }

  /**
   * Reads the answer of each request `client` sends (idempotent). Install it before the token binding,
   * so it sees the token actually sent. The caller gets its answer unchanged and at once: the body is read
   * from a clone, and the workspace is stopped in the background.
   */
  watch(client: webApi.WebClient): void {
    const c = client as unknown as { [WATCHED]?: boolean; token?: string; makeRequest: MakeRequest };
    if (c[WATCHED]) return;
    const original = c.makeRequest.bind(c);
    c.makeRequest = async (url, body, headers) => {
      const teamId = this.deps.workspaces?.context.current;
      const response = await original(url, body, headers);
      const clone = (response as { clone?: () => { json(): Promise<unknown> } }).clone?.();
      if (clone) {
        const sent = headers?.Authorization?.replace(/^Bearer /, '') ?? c.token;
        const check = clone
          .json()
          .then((answer) => {
            const error = revokedTokenError(answer);
            return error ? this.onRejected(error, teamId, sent) : undefined;
          }, () => undefined)
          .catch((err: unknown) => this.deps.log.error({ err, team: teamId }, 'stopping a workspace whose token Slack refused failed'))
          .finally(() => this.pending.delete(check));
        this.pending.add(check);
      }
      return response;
    };
    c[WATCHED] = true;
  }

  /** Resolves once every answer read so far has been handled (workspaces stopped). */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  /** Slack refused the token `sent` with `error` on a call made for `teamId` (undefined in single-workspace mode). */
  async onRejected(error: string, teamId: string | undefined, sent: string | undefined): Promise<void> {
    const { log, workspaces } = this.deps;
    if (!workspaces) {
      if (this.singleReported) return;
      this.singleReported = true;
      log.error(
        { slackError: error },
        `Slack no longer accepts the bot token (${error}): it was revoked, or the app was removed from the workspace. Dockhand cannot answer anyone until it has a new one: reinstall the app to the workspace (api.slack.com, your app, Install App), put the new Bot User OAuth Token in SLACK_BOT_TOKEN and restart Dockhand.`,
      );
      return;
    }
    if (!teamId || this.stopping.has(teamId)) return;
    this.stopping.add(teamId);
    try {
      // Already removed (a call in flight at the time), or installed again since with a new token: nothing to do.
      const current = await workspaces.tokenFor(teamId);
      if (!current || (sent !== undefined && sent !== current)) return;
      log.warn({ team: teamId, slackError: error }, `Slack refused the bot token of workspace ${teamId} (${error}): that workspace is stopped (installation and its sandboxes removed) until it installs Dockhand again`);
      await this.remover?.remove(teamId, 'token_rejected');
    } finally {
      this.stopping.delete(teamId);
    }
  }
}

/**
 * Why a listener's failure is expected and needs no error line, if it is: the workspace has no
 * installation (uninstalled or stopped: Bolt drops its events, a call for it finds no token), or Slack
 * refused the token (the guard has said so once). Looks down Bolt's and the WebClient's error wrapping.
 */
export function expectedSlackFailure(err: unknown): string | undefined {
  let e = err as { code?: unknown; original?: unknown; cause?: unknown } | undefined;
  for (let depth = 0; e && typeof e === 'object' && depth < 5; depth += 1) {
    if (e.code === 'SLACK_NOT_INSTALLED') return 'no installation for the workspace';
    const refused = revokedTokenError(e);
    if (refused) return `Slack refused the token (${refused})`;
    e = (e.original ?? e.cause) as typeof e;
  }
  return undefined;
}

import { randomBytes } from 'node:crypto';
import type http from 'node:http';

/** One workspace of the stand-in: its bot token exists once the app is installed there. */
export interface StandInWorkspace {
  teamId: string;
  name: string;
  botUserId: string;
  botToken?: string;
  revoked: boolean;
}

/** The app's OAuth credentials as Slack knows them (App settings, Basic Information / OAuth & Permissions). */
export interface StandInOAuthApp {
  clientId: string;
  clientSecret: string;
  /** The app's configured Redirect URL(s); a redirect_uri must match one. */
  redirectUrls: string[];
}

interface PendingCode {
  teamId: string;
  userId: string;
  scope: string;
  redirectUri?: string;
  expiresAt: number;
}

const CODE_TTL_MS = 10 * 60 * 1000;

/**
 * Slack's side of the OAuth v2 install for the stand-in: the authorize page (which, like Slack after the
 * user clicks Allow, sends the browser to the redirect URL with a one-time `code` and the app's `state`),
 * `oauth.v2.access` (code -> bot token), and which workspace each token belongs to.
 */
export class StandInWorkspaces {
  readonly byTeam = new Map<string, StandInWorkspace>();
  private readonly codes = new Map<string, PendingCode>();

  constructor(
    private readonly app: StandInOAuthApp | undefined,
    private readonly appId: string,
  ) {}

  add(teamId: string, name: string, botUserId: string, botToken?: string): StandInWorkspace {
    const ws: StandInWorkspace = { teamId, name, botUserId, botToken, revoked: false };
    this.byTeam.set(teamId, ws);
    return ws;
  }

  /** The workspace a bot token belongs to; `revoked` when it was revoked (uninstall). */
  ofToken(token: string): { ws?: StandInWorkspace; revoked?: boolean } {
    for (const ws of this.byTeam.values()) if (ws.botToken === token) return ws.revoked ? { revoked: true } : { ws };
    return {};
  }

  /**
   * The token stops working (`token_revoked`); a reinstall issues a new one. Alone, this is a revocation
   * Slack sends no event for (the bot learns of it from its next call); uninstall() also sends the events.
   */
  revoke(teamId: string): void {
    const ws = this.byTeam.get(teamId);
    if (ws) ws.revoked = true;
  }

  /**
   * GET /oauth/v2/authorize?client_id&scope&state&redirect_uri&team: the user (stand-in query `user`,
   * default U0INSTALLER) allows the install in `team`; Slack redirects with `code` and `state`.
   */
  authorize(url: URL, res: http.ServerResponse): void {
    const q = url.searchParams;
    const ws = this.byTeam.get(q.get('team') ?? '');
    const fail = (status: number, text: string) => {
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(text);
    };
    if (!this.app || q.get('client_id') !== this.app.clientId) return fail(400, 'invalid_client_id');
    if (!ws) return fail(400, 'unknown team');
    const redirect = q.get('redirect_uri') ?? this.app.redirectUrls[0];
    if (!redirect || !this.app.redirectUrls.includes(redirect)) return fail(400, 'bad_redirect_uri');
    const code = `${Date.now()}.${randomBytes(12).toString('hex')}`;
    this.codes.set(code, { teamId: ws.teamId, userId: q.get('user') ?? 'U0INSTALLER', scope: q.get('scope') ?? '', redirectUri: q.get('redirect_uri') ?? undefined, expiresAt: Date.now() + CODE_TTL_MS });
    const target = new URL(redirect);
    target.searchParams.set('code', code);
    if (q.get('state') !== null) target.searchParams.set('state', q.get('state')!);
    res.writeHead(302, { location: target.toString() });
    res.end();
  }

  /** oauth.v2.access: client credentials from the body or HTTP Basic auth; a code works once. */
  access(args: Record<string, unknown>, authorization: string | undefined): Record<string, unknown> {
    let clientId = args.client_id as string | undefined;
    let clientSecret = args.client_secret as string | undefined;
    if (authorization?.startsWith('Basic ')) [clientId, clientSecret] = Buffer.from(authorization.slice(6), 'base64').toString('utf8').split(':');
    if (!this.app || clientId !== this.app.clientId) return { ok: false, error: 'invalid_client_id' };
    if (clientSecret !== this.app.clientSecret) return { ok: false, error: 'bad_client_secret' };
    const code = this.codes.get(String(args.code ?? ''));
    this.codes.delete(String(args.code ?? ''));
    if (!code || code.expiresAt < Date.now()) return { ok: false, error: 'invalid_code' };
    if (code.redirectUri !== undefined && args.redirect_uri !== code.redirectUri) return { ok: false, error: 'bad_redirect_uri' };
    const ws = this.byTeam.get(code.teamId)!;
    ws.botToken = `xoxb-${ws.teamId.toLowerCase()}-${randomBytes(12).toString('hex')}`;
    ws.revoked = false;
    return {
      ok: true,
      access_token: ws.botToken,
      token_type: 'bot',
      scope: code.scope,
      bot_user_id: ws.botUserId,
      app_id: this.appId,
      team: { id: ws.teamId, name: ws.name },
      enterprise: null,
      is_enterprise_install: false,
      authed_user: { id: code.userId },
    };
  }
}

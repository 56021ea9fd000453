/**
 * Multi-workspace (OAuth) settings, parsed from the environment record readConfig was given (this file
 * never reads process.env itself). All four SLACK_CLIENT_ID, SLACK_CLIENT_SECRET, SLACK_STATE_SECRET and
 * SLACK_TOKEN_KEY turn installs on; SLACK_BOT_TOKEN must then be unset (Bolt takes one or the other).
 */
export interface OAuthConfig {
  clientId: string;
  clientSecret: string;
  /** Signs the `state` parameter of /slack/install (CSRF protection of the redirect). */
  stateSecret: string;
  /** AES-256-GCM key for the bot tokens stored in the database (32 bytes). */
  tokenKey: Buffer;
  /** Where Slack sends the browser back; unset: the Redirect URL in the app's settings. */
  redirectUri?: string;
  /** Socket Mode only: the port of the small HTTP server for /slack/install and /slack/oauth_redirect. */
  installPort: number;
  /** Bot scopes asked for at install (the manifest's). */
  scopes: string[];
}

/** The manifest's bot scopes (slack-app-manifest.yaml): what an install asks each workspace for. */
export const BOT_SCOPES = ['app_mentions:read', 'channels:read', 'chat:write', 'chat:write.public', 'commands', 'files:write', 'groups:read', 'im:history', 'im:read', 'im:write', 'usergroups:read', 'users:read'];

const NAMES = ['SLACK_CLIENT_ID', 'SLACK_CLIENT_SECRET', 'SLACK_STATE_SECRET', 'SLACK_TOKEN_KEY'] as const;

/** A 32-byte key written as 64 hex digits or 44 base64 characters (`openssl rand -base64 32`). */
export function parseTokenKey(text: string): Buffer | undefined {
  const t = text.trim();
  if (/^[0-9a-f]{64}$/i.test(t)) return Buffer.from(t, 'hex');
  if (/^[A-Za-z0-9+/]{43}=$/.test(t)) return Buffer.from(t, 'base64');
  return undefined;
}

export function readOAuthConfig(env: Record<string, string | undefined>, problems: string[]): OAuthConfig | undefined {
  const get = (name: string) => (env[name]?.trim() ? env[name]!.trim() : undefined);
  const given = NAMES.filter((n) => get(n) !== undefined);
  if (given.length === 0) return undefined;
  const missing = NAMES.filter((n) => get(n) === undefined);
  if (missing.length) {
    problems.push(`${missing.join(', ')}: missing; multi-workspace installs need all of ${NAMES.join(', ')}`);
    return undefined;
  }
  const before = problems.length;
  if (!/^\d+\.\d+$/.test(get('SLACK_CLIENT_ID')!)) problems.push('SLACK_CLIENT_ID: expected the app\'s Client ID, e.g. 1234567890.1234567890');
  if (!/^[0-9a-f]{16,}$/i.test(get('SLACK_CLIENT_SECRET')!)) problems.push('SLACK_CLIENT_SECRET: expected the app\'s Client Secret (hexadecimal)');
  if (get('SLACK_STATE_SECRET')!.length < 16) problems.push('SLACK_STATE_SECRET: expected a random string of at least 16 characters');
  const tokenKey = parseTokenKey(get('SLACK_TOKEN_KEY')!);
  if (!tokenKey) problems.push('SLACK_TOKEN_KEY: expected a 32-byte key as 64 hex digits or base64 (openssl rand -base64 32)');
  const redirectUri = get('SLACK_REDIRECT_URI');
  if (redirectUri !== undefined && !/^https?:\/\/\S+$/.test(redirectUri)) problems.push('SLACK_REDIRECT_URI: expected an http(s) URL ending in /slack/oauth_redirect');
  const portText = get('SLACK_INSTALL_PORT') ?? '3000';
  const installPort = Number(portText);
  if (!/^\d+$/.test(portText) || installPort < 1 || installPort > 65535) problems.push(`SLACK_INSTALL_PORT: expected a TCP port (1 to 65535), got "${portText}"`);
  if (get('SLACK_BOT_TOKEN')) problems.push('SLACK_BOT_TOKEN: must be unset with SLACK_CLIENT_ID (multi-workspace installs keep one token per workspace in the database)');
  if (problems.length > before || !tokenKey) return undefined;
  return { clientId: get('SLACK_CLIENT_ID')!, clientSecret: get('SLACK_CLIENT_SECRET')!, stateSecret: get('SLACK_STATE_SECRET')!, tokenKey, redirectUri, installPort, scopes: BOT_SCOPES };
}

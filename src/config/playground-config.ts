/**
 * The web playground's settings, parsed from the environment record readConfig was given. WEB_PORT turns the
 * playground on (unset: no web server at all: it opens a shell into every learner's sandbox, so an operator
 * chooses to serve it); PUBLIC_URL is the address learners' browsers use (the reverse proxy's, with TLS);
 * PLAYGROUND_SECRET signs links and session cookies.
 */
export interface PlaygroundConfig {
  /** 0: any free port (tests). */
  port: number;
  host: string;
  /** Unset: http://127.0.0.1:<port> (a local try-out; no TLS). */
  publicUrl?: URL;
  /** HMAC key for links and cookies; unset: a random one per process (links and sessions end with a restart). */
  secret?: Buffer;
  /** PLAYGROUND_ADMIN_VIEW: workspace admins may watch a learner's terminal read-only (`/tutor watch`); off by default. */
  adminView: boolean;
  /** PLAYGROUND_PREVIEW_MAX_SECONDS: a port preview's response or WebSocket is cut after this long. */
  previewMaxSeconds: number;
  /** PLAYGROUND_PREVIEW_DOMAIN: previews are served at `<label>.<domain>` (an origin each); unset: under `/preview/<port>/`. */
  previewDomain?: string;
}

export function readPlaygroundConfig(env: Record<string, string | undefined>, problems: string[]): PlaygroundConfig | undefined {
  const get = (name: string) => (env[name]?.trim() ? env[name]!.trim() : undefined);
  const portText = get('WEB_PORT');
  const publicText = get('PUBLIC_URL');
  const secretText = get('PLAYGROUND_SECRET');
  const adminText = get('PLAYGROUND_ADMIN_VIEW')?.toLowerCase();
  if (adminText !== undefined && !['true', 'false'].includes(adminText)) problems.push(`PLAYGROUND_ADMIN_VIEW: expected true or false, got "${get('PLAYGROUND_ADMIN_VIEW')!}"`);
  if (portText === undefined) {
    if (adminText === 'true') problems.push('PLAYGROUND_ADMIN_VIEW: only applies with WEB_PORT (the playground\'s port) set');
    if (get('PLAYGROUND_PREVIEW_DOMAIN') !== undefined) problems.push('PLAYGROUND_PREVIEW_DOMAIN: only applies with WEB_PORT (the playground\'s port) set');
    if (publicText !== undefined || secretText !== undefined) problems.push('WEB_PORT: missing; PUBLIC_URL and PLAYGROUND_SECRET only apply with WEB_PORT (the playground\'s port) set');
    return undefined;
  }
  const before = problems.length;
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) problems.push(`WEB_PORT: expected a TCP port for the web playground (1 to 65535), got "${portText}"`);
  let publicUrl: URL | undefined;
  if (publicText !== undefined) {
    try {
      publicUrl = new URL(publicText);
    } catch {
      // named below
    }
    // an origin only: the Origin check compares it exactly, and links are built under it
    if (!publicUrl || !['http:', 'https:'].includes(publicUrl.protocol) || publicUrl.pathname !== '/' || publicUrl.search || publicUrl.hash || publicUrl.username || publicUrl.password) {
      problems.push(`PUBLIC_URL: expected the playground's public address as an http(s) origin without a path, e.g. https://play.example.com, got "${publicText}"`);
      publicUrl = undefined;
    }
  }
  if (secretText !== undefined && secretText.length < 32) problems.push('PLAYGROUND_SECRET: expected a random string of at least 32 characters (openssl rand -base64 32)');
  const host = get('WEB_HOST') ?? '0.0.0.0';
  if (!/^[0-9a-fA-F.:]+$|^localhost$/.test(host)) problems.push(`WEB_HOST: expected an IP address to listen on, e.g. 0.0.0.0 or 127.0.0.1, got "${host}"`);
  const previewText = get('PLAYGROUND_PREVIEW_MAX_SECONDS') ?? '600';
  const previewMaxSeconds = Number(previewText);
  if (!/^\d+$/.test(previewText) || previewMaxSeconds < 1 || previewMaxSeconds > 86_400) problems.push(`PLAYGROUND_PREVIEW_MAX_SECONDS: expected how long a port preview may stream (a whole number of seconds from 1 to 86400), got "${previewText}"`);
  const previewDomain = get('PLAYGROUND_PREVIEW_DOMAIN')?.toLowerCase().replace(/\.$/, '');
  if (previewDomain !== undefined) {
    if (!/^(?=.{1,200}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(previewDomain)) problems.push(`PLAYGROUND_PREVIEW_DOMAIN: expected a DNS name whose sub-domains serve port previews, e.g. preview.example.net, got "${get('PLAYGROUND_PREVIEW_DOMAIN')!}"`);
    // a playground host inside the preview domain would be routed as a preview
    else if (publicUrl && (publicUrl.hostname === previewDomain || publicUrl.hostname.endsWith(`.${previewDomain}`))) problems.push(`PLAYGROUND_PREVIEW_DOMAIN: PUBLIC_URL's host ${publicUrl.hostname} must not be ${previewDomain} or inside it; use a separate domain, e.g. preview.example.net`);
  }
  if (problems.length > before) return undefined;
  return { port, host, publicUrl, secret: secretText === undefined ? undefined : Buffer.from(secretText, 'utf8'), adminView: adminText === 'true', previewMaxSeconds, ...(previewDomain !== undefined && { previewDomain }) };
}

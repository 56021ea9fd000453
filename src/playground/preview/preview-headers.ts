import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { isSessionCookieName } from '../web-security';

/** The preview origin's own sign-in cookie (`__Host-` prefixed behind https). */
export const PREVIEW_COOKIE = 'dockhand_preview';
/** The playground's sessions and the preview origin's sign-in: kept from the app, never set by it. */
const isOurs = (name: string) => isSessionCookieName(name) || name.replace(/^__Host-/, '') === PREVIEW_COOKIE;

/** On a preview's own origin the app needs no sandbox: only framing stays forbidden. */
export const OWN_ORIGIN_CSP = "frame-ancestors 'none'";

/**
 * The previewed app is learner-controlled content (or a third-party image's) served on the playground's origin.
 * Its documents get a CSP sandbox without allow-same-origin: an opaque origin, so its scripts cannot read the
 * playground's pages or API, open the terminal socket (the Origin check refuses `null`), register a service worker
 * or touch cookies through document.cookie. Scripts, forms and popups still run, so ordinary apps work.
 */
export const PREVIEW_CSP = "sandbox allow-scripts allow-forms allow-popups allow-modals allow-downloads; frame-ancestors 'none'";

// hop-by-hop (RFC 9110 7.6.1) and what the relay sets itself
const HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authorization', 'proxy-authenticate', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host']);
// response headers an app could use against the playground's origin: HSTS for the operator's host, wiping or
// planting state for the whole origin, widening a service worker's scope. On a preview's own origin they still
// matter: HSTS and Alt-Svc would steer the browser's later connections (TLS of the preview domain is the
// operator's), NEL and Report-To send reports to an address the app picks, and previews have no service workers.
const DROPPED_RESPONSE = new Set(['strict-transport-security', 'clear-site-data', 'service-worker-allowed', 'alt-svc', 'public-key-pins', 'expect-ct', 'nel', 'report-to']);

/** The request headers sent on to the app: the playground's session cookies never reach the learner's app. */
export function upstreamRequestHeaders(h: IncomingHttpHeaders, o: { port: number; prefix: string; publicUrl: URL; upgrade?: boolean }): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(h)) {
    if (v === undefined || HOP.has(k) || k === 'cookie') continue;
    out[k] = v;
  }
  const cookie = withoutSession(h.cookie);
  if (cookie) out.cookie = cookie;
  // what `curl localhost:PORT` in the sandbox sends; redirects naming it are mapped back under the prefix
  out.host = `localhost:${o.port}`;
  out['x-forwarded-host'] = o.publicUrl.host;
  out['x-forwarded-proto'] = o.publicUrl.protocol.replace(':', '');
  if (o.prefix) out['x-forwarded-prefix'] = o.prefix;
  // otherwise the keep-alive pool sets Connection itself
  if (o.upgrade) {
    out.connection = 'Upgrade';
    out.upgrade = h.upgrade ?? 'websocket';
  }
  return out;
}

/**
 * The app's response headers for the browser: its own, minus the dangerous ones, plus the preview CSP. On its own
 * origin (`ownOrigin`, no prefix) the app keeps that origin (no sandbox), and its cookies are made host-only: a
 * `Domain` attribute would reach every other preview under the preview domain (another learner's).
 */
export function browserResponseHeaders(h: IncomingHttpHeaders, o: { prefix: string; ownOrigin?: boolean }): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(h)) {
    if (v === undefined || HOP.has(k) || DROPPED_RESPONSE.has(k)) continue;
    if (k === 'set-cookie') {
      const kept = (Array.isArray(v) ? v : [v]).filter((c) => !isOurs(c.split('=')[0]!.trim())).map((c) => (o.ownOrigin ? withoutDomain(c) : c));
      if (kept.length) out[k] = kept;
    } else if (k === 'location' && typeof v === 'string') out[k] = rewriteLocation(v, o.prefix);
    else out[k] = v;
  }
  const theirs = h['content-security-policy'];
  (out as Record<string, string[]>)['content-security-policy'] = [...(theirs === undefined ? [] : Array.isArray(theirs) ? theirs : [theirs]), o.ownOrigin ? OWN_ORIGIN_CSP : PREVIEW_CSP];
  out['referrer-policy'] = 'no-referrer';
  out['cross-origin-opener-policy'] = 'same-origin';
  return out;
}

/** A Set-Cookie without its Domain attribute: a host-only cookie of the preview's own origin. */
export function withoutDomain(setCookie: string): string {
  return setCookie
    .split(';')
    .filter((attr, i) => i === 0 || attr.split('=')[0]!.trim().toLowerCase() !== 'domain')
    .join(';');
}

/** A redirect inside the app (`/login`, `http://localhost/dir/`) stays inside the preview. */
export function rewriteLocation(location: string, prefix: string): string {
  if (location.startsWith('/') && !location.startsWith('//')) return `${prefix}${location}`;
  try {
    const u = new URL(location);
    if ((u.protocol === 'http:' || u.protocol === 'https:') && ['localhost', '127.0.0.1', '[::1]'].includes(u.hostname)) return `${prefix}${u.pathname}${u.search}${u.hash}`;
  } catch {
    // a relative location resolves against the preview's own path already
  }
  return location;
}

export function withoutSession(cookie: string | undefined): string | undefined {
  if (!cookie) return undefined;
  const kept = cookie
    .split(';')
    .map((c) => c.trim())
    .filter((c) => c && !isOurs(c.split('=')[0]!.trim()));
  return kept.length ? kept.join('; ') : undefined;
}

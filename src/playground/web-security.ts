import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

export const SESSION_COOKIE = 'dockhand_playground';
/**
 * A watching admin's session lives in a cookie of its own per watched learner (`dockhand_watch_<learner>`), so
 * it never replaces the admin's own learner session (nor another watch); the watch page names it with `?watch=`.
 */
export const WATCH_COOKIE_PREFIX = 'dockhand_watch_';
export const watchCookieName = (learnerUserId: string) => `${WATCH_COOKIE_PREFIX}${learnerUserId}`;
/** Whether a cookie name is one of the playground's sessions, prefixed or not (kept from, and never set by, a previewed app). */
export const isSessionCookieName = (name: string) => {
  const base = name.replace(/^__Host-/, '');
  return base === SESSION_COOKIE || base.startsWith(WATCH_COOKIE_PREFIX);
};

/**
 * Every response's headers: scripts only from the bot itself (the bundled page), no framing, no referrer (the
 * first URL holds the link token), nothing cached. Inline styles are allowed: xterm.js writes its theme and cell
 * measurements into a <style> element, which a CSP without 'unsafe-inline' blocks; scripts stay strict.
 */
export function securityHeaders(publicUrl: URL): Record<string, string> {
  const wsOrigin = `${publicUrl.protocol === 'https:' ? 'wss:' : 'ws:'}//${publicUrl.host}`;
  return {
    'Content-Security-Policy': [
      "default-src 'none'",
      "script-src 'self'",
      "style-src 'self' 'unsafe-inline'",
      "img-src 'self' data:",
      "font-src 'self'",
      `connect-src 'self' ${wsOrigin}`,
      "base-uri 'none'",
      "form-action 'none'",
      "frame-ancestors 'none'",
    ].join('; '),
    'Referrer-Policy': 'no-referrer',
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Cache-Control': 'no-store',
  };
}

/**
 * Behind https the cookie takes the `__Host-` prefix: a browser accepts it only without Domain, Secure and at
 * Path=/, so no other host (a sub-domain, a preview's) can plant or overwrite it.
 */
export const sessionCookieName = (publicUrl: URL, base = SESSION_COOKIE): string => (publicUrl.protocol === 'https:' ? `__Host-${base}` : base);

/** The Set-Cookie header: host-only, HttpOnly, SameSite=Strict, Secure behind https, for the session's lifetime. */
export function sessionCookieHeader(value: string, maxAgeSeconds: number, publicUrl: URL, base = SESSION_COOKIE): string {
  return `${sessionCookieName(publicUrl, base)}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${publicUrl.protocol === 'https:' ? '; Secure' : ''}`;
}

/** A session cookie's value from a request (the last one wins if a browser sends two); `publicUrl` picks its name. */
export function sessionCookieOf(req: IncomingMessage, publicUrl?: URL, base = SESSION_COOKIE): string | undefined {
  return cookiesOf(req, publicUrl ? sessionCookieName(publicUrl, base) : base).at(-1);
}

/** Every value a request carries for the cookie `name` (one per cookie a browser holds under that name). */
export function cookiesOf(req: IncomingMessage, name: string): string[] {
  const found: string[] = [];
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) found.push(part.slice(eq + 1).trim());
  }
  return found;
}

/**
 * A state-changing request or a WebSocket upgrade must come from the playground's own page: its Origin is
 * exactly PUBLIC_URL's origin. A missing Origin is refused (browsers always send it on these requests).
 */
export function sameOrigin(req: IncomingMessage, publicUrl: URL): boolean {
  return req.headers.origin === publicUrl.origin;
}

export function send(res: ServerResponse, status: number, headers: Record<string, string>, body: string | Buffer = ''): void {
  res.writeHead(status, { 'Content-Length': String(Buffer.byteLength(body)), ...headers });
  res.end(body);
}

/**
 * Answers an Upgrade with a plain status and closes. The upgraded socket is not being read, so the client's own
 * close would never be seen and the socket (a file descriptor) would stay open until the process ends: it is
 * read to its end and destroyed there, or after `lingerMs` whatever the client does.
 */
export function refuseUpgrade(socket: Duplex, status: number, text: string, lingerMs = 5000): void {
  socket.on('error', () => undefined);
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  socket.resume();
  socket.once('end', () => socket.destroy());
  setTimeout(() => socket.destroy(), lingerMs).unref();
}

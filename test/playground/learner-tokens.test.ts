import type { IncomingMessage } from 'node:http';
import { LearnerTokens, LINK_TTL_MS } from '../../src/playground/learner-tokens';
import { sameOrigin, securityHeaders, sessionCookieHeader, sessionCookieOf } from '../../src/playground/web-security';

const secret = Buffer.from('a-test-secret-of-at-least-32-characters!!');
const A = { teamId: 'T0TEAM1', userId: 'U0AAAA' };
const B = { teamId: 'T0TEAM1', userId: 'U0BBBB' };

function clockAt(start: number) {
  const c = { t: start, now: () => c.t };
  return c;
}

describe('playground links: signed, bound to one learner, 10 minutes, once', () => {
  it('a fresh link opens once, for its learner, and never again', () => {
    const tokens = new LearnerTokens(secret, clockAt(1_000_000), 20 * 60_000);
    const link = tokens.mintLink(A);
    expect(tokens.redeemLink(link)).toEqual(A);
    expect(tokens.redeemLink(link)).toEqual({ refused: 'used' });
  });

  it('refuses a link at 10 minutes and accepts it just before', () => {
    const clock = clockAt(1_000_000);
    const tokens = new LearnerTokens(secret, clock, 60_000);
    const early = tokens.mintLink(A);
    const late = tokens.mintLink(A);
    clock.t += LINK_TTL_MS - 1;
    expect(tokens.redeemLink(early)).toEqual(A);
    clock.t += 1;
    expect(tokens.redeemLink(late)).toEqual({ refused: 'expired' });
  });

  it('refuses a link whose learner was changed, one signed with another secret, and garbage', () => {
    const tokens = new LearnerTokens(secret, clockAt(5_000), 60_000);
    const link = tokens.mintLink(A);
    const [payload, mac] = link.split('.') as [string, string];
    const body = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const forged = `${Buffer.from(JSON.stringify({ ...body, u: B.userId })).toString('base64url')}.${mac}`;
    expect(tokens.redeemLink(forged)).toEqual({ refused: 'bad-signature' });
    const other = new LearnerTokens(Buffer.from('another-secret-another-secret-another!!'), clockAt(5_000), 60_000);
    expect(tokens.redeemLink(other.mintLink(A))).toEqual({ refused: 'bad-signature' });
    for (const junk of ['', 'x', 'a.b', `${payload}.${mac}x`, '../../etc/passwd', 'a'.repeat(600)]) expect(tokens.redeemLink(junk)).toHaveProperty('refused');
  });

  it('a link minted before this process started (a restart) is refused, so a spent link cannot come back', () => {
    const clock = clockAt(10_000);
    const before = new LearnerTokens(secret, clock, 60_000);
    const link = before.mintLink(A);
    expect(before.redeemLink(link)).toEqual(A);
    clock.t += 1000;
    const after = new LearnerTokens(secret, clock, 60_000);
    expect(after.redeemLink(link)).toEqual({ refused: 'before-start' });
  });

  it('a link is not a session cookie, nor the reverse', () => {
    const tokens = new LearnerTokens(secret, clockAt(1), 60_000);
    expect(tokens.verifySession(tokens.mintLink(A))).toEqual({ refused: 'bad-signature' });
    expect(tokens.redeemLink(tokens.mintSession(A))).toEqual({ refused: 'bad-signature' });
  });
});

describe('playground sessions', () => {
  it('a session names its learner until it expires (the sandbox idle limit)', () => {
    const clock = clockAt(1_000);
    const tokens = new LearnerTokens(secret, clock, 20 * 60_000);
    const cookie = tokens.mintSession(B);
    expect(tokens.verifySession(cookie)).toEqual(B);
    expect(tokens.sessionSeconds).toBe(1200);
    clock.t += 20 * 60_000;
    expect(tokens.verifySession(cookie)).toEqual({ refused: 'expired' });
    expect(tokens.verifySession(undefined)).toEqual({ refused: 'malformed' });
  });

  it('the cookie is HttpOnly and SameSite=Strict, Secure behind https only', () => {
    // behind https the __Host- prefix: no other host can plant or overwrite it
    expect(sessionCookieHeader('v', 60, new URL('https://play.example.com'))).toBe('__Host-dockhand_playground=v; Path=/; HttpOnly; SameSite=Strict; Max-Age=60; Secure');
    expect(sessionCookieHeader('v', 60, new URL('http://127.0.0.1:8080'))).not.toContain('Secure');
    const req = { headers: { cookie: 'other=1; dockhand_playground=abc.def ; x=y' } } as unknown as IncomingMessage;
    expect(sessionCookieOf(req)).toBe('abc.def');
    expect(sessionCookieOf({ headers: {} } as IncomingMessage)).toBeUndefined();
    // under https only the prefixed name counts (a plain one could come from a sibling host)
    expect(sessionCookieOf(req, new URL('https://play.example.com'))).toBeUndefined();
    const prefixed = { headers: { cookie: 'dockhand_playground=planted; __Host-dockhand_playground=abc.def' } } as unknown as IncomingMessage;
    expect(sessionCookieOf(prefixed, new URL('https://play.example.com'))).toBe('abc.def');
  });

  it('only the playground origin itself passes the Origin check', () => {
    const url = new URL('https://play.example.com');
    const req = (origin?: string) => ({ headers: origin === undefined ? {} : { origin } }) as unknown as IncomingMessage;
    expect(sameOrigin(req('https://play.example.com'), url)).toBe(true);
    for (const o of [undefined, 'null', 'http://play.example.com', 'https://play.example.com.evil.com', 'https://evil.com', 'https://play.example.com:444']) expect(sameOrigin(req(o), url)).toBe(false);
  });

  it('every response carries a strict script policy and no referrer', () => {
    const h = securityHeaders(new URL('https://play.example.com'));
    expect(h['Content-Security-Policy']).toContain("script-src 'self'");
    expect(h['Content-Security-Policy']).not.toMatch(/script-src[^;]*unsafe/);
    expect(h['Content-Security-Policy']).toContain("frame-ancestors 'none'");
    expect(h['Content-Security-Policy']).toContain('connect-src \'self\' wss://play.example.com');
    expect(h['Referrer-Policy']).toBe('no-referrer');
  });
});

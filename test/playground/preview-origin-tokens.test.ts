import { LearnerTokens } from '../../src/playground/learner-tokens';
import { PreviewOriginTokens, TICKET_TTL_MS } from '../../src/playground/preview/preview-origin-tokens';

const A = { teamId: 'T1', userId: 'UA' };
const B = { teamId: 'T1', userId: 'UB' };
const make = (secret = 's'.repeat(32)) => {
  const clock = { now: () => 5_000_000 };
  const tokens = new LearnerTokens(Buffer.from(secret), clock, 3_600_000);
  return { clock, tokens, origins: new PreviewOriginTokens(tokens, clock) };
};

describe('preview origin labels, tickets and cookies', () => {
  it('a label names the port, differs per learner, port, workspace and secret, and is stable for one learner', () => {
    const { origins } = make();
    const label = origins.labelFor(A, 8080);
    expect(label).toMatch(/^p8080-[0-9a-f]{32}$/);
    expect(origins.labelFor(A, 8080)).toBe(label);
    expect(new Set([label, origins.labelFor(B, 8080), origins.labelFor(A, 8081), origins.labelFor({ teamId: 'T2', userId: 'UA' }, 8080), make('t'.repeat(32)).origins.labelFor(A, 8080)]).size).toBe(5);
    expect(origins.portOf(label)).toBe(8080);
    for (const bad of ['p0-' + '0'.repeat(32), 'p70000-' + '0'.repeat(32), 'p8080-XYZ', 'www']) expect(origins.portOf(bad)).toBeUndefined();
  });

  it('a ticket works once, for a minute, on its own label only, and only as a ticket', () => {
    const { clock, origins, tokens } = make();
    const label = origins.labelFor(A, 8080);
    const until = clock.now() + 3_600_000;
    const ticket = origins.mintTicket(A, label, until);
    expect(origins.redeemTicket(ticket, origins.labelFor(B, 8080))).toEqual({ refused: 'other-label' });
    expect(origins.redeemTicket(ticket, label)).toEqual({ who: A, until });
    expect(origins.redeemTicket(ticket, label)).toEqual({ refused: 'used' });
    const late = origins.mintTicket(A, label, until);
    clock.now = () => 5_000_000 + TICKET_TTL_MS;
    expect(origins.redeemTicket(late, label)).toEqual({ refused: 'expired' });
    // a ticket minted for a label that is not the learner's own is refused too (a forged binding)
    const forged = origins.mintTicket(B, label, until);
    expect(origins.redeemTicket(forged, label)).toEqual({ refused: 'other-label' });
    // kinds never cross: a link, a session or a cookie is no ticket, and the reverse
    expect(origins.redeemTicket(tokens.mintLink(A), label)).toEqual({ refused: 'bad-signature' });
    expect(tokens.verifySession(origins.mintCookie(A, label, until))).toEqual({ refused: 'bad-signature' });
    expect(origins.verifyCookie(origins.mintTicket(A, label, until), label)).toEqual({ refused: 'bad-signature' });
  });

  it('a cookie holds on its label until the session it came from ends', () => {
    const { clock, origins } = make();
    const label = origins.labelFor(A, 8080);
    const cookie = origins.mintCookie(A, label, clock.now() + 1000);
    expect(origins.verifyCookie(cookie, label)).toEqual(A);
    expect(origins.verifyCookie(cookie, origins.labelFor(A, 9090))).toEqual({ refused: 'other-label' });
    clock.now = () => 5_001_000;
    expect(origins.verifyCookie(cookie, label)).toEqual({ refused: 'expired' });
  });
});

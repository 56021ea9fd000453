import { randomBytes } from 'node:crypto';
import type { Clock } from '../../kit';
import type { LearnerTokens, PlaygroundLearner, Refusal, TokenSigner } from '../learner-tokens';

/** A ticket carries the sign-in from the playground's origin to a preview's: spent within this long, once. */
export const TICKET_TTL_MS = 60_000;

const LABEL = /^p(\d{1,5})-([0-9a-f]{32})$/;
const ID = /^[A-Z0-9]{2,32}$/;

/**
 * The names and sign-in of previews on their own origins (`<label>.<domain>`). A label names the port and is a
 * MAC of learner and port, so it is unguessable, stable for the learner (a bookmark keeps working) and never
 * shared by two learners or two ports. A ticket (single use, a minute) and the cookie it is exchanged for are
 * each bound to one label: neither works on another learner's or another port's origin.
 */
export class PreviewOriginTokens {
  private readonly labels: TokenSigner;
  private readonly tickets: TokenSigner;
  private readonly cookies: TokenSigner;
  private readonly startedAt: number;
  /** Spent ticket nonces until their expiry (a replay after that fails as expired anyway). */
  private readonly spent = new Map<string, number>();

  constructor(
    tokens: LearnerTokens,
    private readonly clock: Pick<Clock, 'now'>,
  ) {
    this.labels = tokens.keyed('preview label v1');
    this.tickets = tokens.keyed('preview ticket v1');
    this.cookies = tokens.keyed('preview cookie v1');
    this.startedAt = clock.now();
  }

  /** The host label of the learner's preview of `port`: `p8080-<32 hex>`. */
  labelFor(who: PlaygroundLearner, port: number): string {
    return `p${port}-${this.labels.mac(`${who.teamId}:${who.userId}:${port}`).subarray(0, 16).toString('hex')}`;
  }

  /** The port a well-formed label names (whoever it belongs to), else undefined. */
  portOf(label: string): number | undefined {
    const m = LABEL.exec(label);
    const port = m ? Number(m[1]) : 0;
    return port >= 1 && port <= 65535 ? port : undefined;
  }

  /** A ticket for the learner's own label; `until`: their session's end, which the preview's cookie keeps. */
  mintTicket(who: PlaygroundLearner, label: string, until: number): string {
    return this.tickets.sign({ k: 't', t: who.teamId, u: who.userId, lb: label, exp: until, iat: this.clock.now(), n: randomBytes(12).toString('base64url') });
  }

  /** Spends a ticket presented on `label`: the learner and their session's end, or why not. */
  redeemTicket(token: string, label: string): { who: PlaygroundLearner; until: number } | { refused: Refusal | 'other-label' } {
    const opened = this.tickets.open(token);
    if ('refused' in opened) return opened;
    const { k, t, u, lb, exp, iat, n } = opened.body;
    if (k !== 't' || !isId(t) || !isId(u) || typeof lb !== 'string' || typeof exp !== 'number' || typeof iat !== 'number' || typeof n !== 'string') return { refused: 'malformed' };
    const now = this.clock.now();
    for (const [nonce, until] of this.spent) if (until <= now) this.spent.delete(nonce);
    if (lb !== label || this.labelFor({ teamId: t, userId: u }, this.portOf(label) ?? 0) !== label) return { refused: 'other-label' };
    if (iat < this.startedAt) return { refused: 'before-start' };
    if (now - iat >= TICKET_TTL_MS || iat > now + 60_000 || now >= exp) return { refused: 'expired' };
    if (this.spent.has(n)) return { refused: 'used' };
    this.spent.set(n, iat + TICKET_TTL_MS);
    return { who: { teamId: t, userId: u }, until: exp };
  }

  /** The preview origin's cookie value: this label only, until the session's end. */
  mintCookie(who: PlaygroundLearner, label: string, until: number): string {
    return this.cookies.sign({ k: 'c', t: who.teamId, u: who.userId, lb: label, exp: until });
  }

  /** The learner of a cookie presented on `label`, or why not (another label's cookie is refused). */
  verifyCookie(value: string, label: string): PlaygroundLearner | { refused: Refusal | 'other-label' } {
    const opened = this.cookies.open(value);
    if ('refused' in opened) return opened;
    const { k, t, u, lb, exp } = opened.body;
    if (k !== 'c' || !isId(t) || !isId(u) || typeof lb !== 'string' || typeof exp !== 'number') return { refused: 'malformed' };
    if (lb !== label || this.labelFor({ teamId: t, userId: u }, this.portOf(label) ?? 0) !== label) return { refused: 'other-label' };
    if (this.clock.now() >= exp) return { refused: 'expired' };
    return { teamId: t, userId: u };
  }
}

const isId = (v: unknown): v is string => typeof v === 'string' && ID.test(v);

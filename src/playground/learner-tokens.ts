import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../kit';

/** Whose a link or a session is: a learner is a user within one workspace. */
export interface PlaygroundLearner {
  teamId: string;
  userId: string;
}

/**
 * Who opens a playground: the learner, or (with `watcher` set) a workspace admin watching that learner's
 * terminal read-only. A watcher's link and session name both; the server lets them read, never type or write.
 */
export interface PlaygroundVisitor extends PlaygroundLearner {
  watcher?: string;
}

export const LINK_TTL_MS = 10 * 60_000;

/** Why a link or cookie was refused (logged as such; never the token itself). */
export type Refusal = 'malformed' | 'bad-signature' | 'expired' | 'used' | 'before-start';

const b64 = (b: Buffer | string) => Buffer.from(b).toString('base64url');
const ID = /^[A-Z0-9]{2,32}$/;

/**
 * Signed, short-lived, single-use links and the session cookies they are exchanged for. Both are
 * `base64url(json).base64url(hmac)`, each kind under its own key derived from the one secret, so a link can
 * never pass as a cookie or the reverse. Single use is remembered in this process: the bot is one process per
 * sandbox engine (learners' shells live in it), so a second replica could not serve the terminal anyway; links
 * minted before this process started are refused, so a restart cannot make a spent link good again.
 */
export class LearnerTokens {
  private readonly linkKey: Buffer;
  private readonly cookieKey: Buffer;
  private readonly startedAt: number;
  /** Spent link nonces until their expiry (then a replay fails as expired anyway). */
  private readonly spent = new Map<string, number>();

  constructor(
    private readonly secret: Buffer,
    private readonly clock: Pick<Clock, 'now'>,
    private readonly sessionMs: number,
  ) {
    this.linkKey = createHmac('sha256', secret).update('dockhand playground link v1').digest();
    this.cookieKey = createHmac('sha256', secret).update('dockhand playground session v1').digest();
    this.startedAt = clock.now();
  }

  /** A link token for one learner: 10 minutes, once. */
  mintLink(who: PlaygroundVisitor): string {
    return this.sign(this.linkKey, { k: 'l', t: who.teamId, u: who.userId, ...(who.watcher && { w: who.watcher }), iat: this.clock.now(), n: randomBytes(12).toString('base64url') });
  }

  /** Spends a link token: the learner it names, or why not. */
  redeemLink(token: string): PlaygroundVisitor | { refused: Refusal } {
    const opened = this.open(this.linkKey, token);
    if ('refused' in opened) return opened;
    const { t, u, iat, n, k, w } = opened.body as { t?: unknown; u?: unknown; iat?: unknown; n?: unknown; k?: unknown; w?: unknown };
    if (k !== 'l' || typeof t !== 'string' || typeof u !== 'string' || typeof iat !== 'number' || typeof n !== 'string' || !ID.test(t) || !ID.test(u) || !watcherOk(w)) return { refused: 'malformed' };
    const now = this.clock.now();
    this.prune(now);
    if (iat < this.startedAt) return { refused: 'before-start' };
    if (now - iat >= LINK_TTL_MS || iat > now + 60_000) return { refused: 'expired' };
    if (this.spent.has(n)) return { refused: 'used' };
    this.spent.set(n, iat + LINK_TTL_MS);
    return visitor(t, u, w);
  }

  /** A session cookie's value for the learner, valid sessionMs. */
  mintSession(who: PlaygroundVisitor): string {
    return this.sign(this.cookieKey, { k: 's', t: who.teamId, u: who.userId, ...(who.watcher && { w: who.watcher }), exp: this.clock.now() + this.sessionMs });
  }

  verifySession(value: string | undefined): PlaygroundVisitor | { refused: Refusal } {
    if (!value) return { refused: 'malformed' };
    const opened = this.open(this.cookieKey, value);
    if ('refused' in opened) return opened;
    const { t, u, exp, k, w } = opened.body as { t?: unknown; u?: unknown; exp?: unknown; k?: unknown; w?: unknown };
    if (k !== 's' || typeof t !== 'string' || typeof u !== 'string' || typeof exp !== 'number' || !ID.test(t) || !ID.test(u) || !watcherOk(w)) return { refused: 'malformed' };
    if (this.clock.now() >= exp) return { refused: 'expired' };
    return visitor(t, u, w);
  }

  /** When a valid session cookie ends (a preview's cookie lives no longer), else undefined. */
  sessionExpiresAt(value: string | undefined): number | undefined {
    if (!value || isRefusal(this.verifySession(value))) return undefined;
    const opened = this.open(this.cookieKey, value);
    return 'body' in opened && typeof opened.body.exp === 'number' ? opened.body.exp : undefined;
  }

  /**
   * The same signed-token format under a key of its own for another purpose (the port previews' tickets and
   * cookies), so those can never pass as links or sessions; `mac` names things unguessably (a preview's host label).
   */
  keyed(purpose: string): TokenSigner {
    const key = createHmac('sha256', this.secret).update(`dockhand playground keyed ${purpose}`).digest();
    return { sign: (body) => this.sign(key, body), open: (token) => this.open(key, token), mac: (data) => createHmac('sha256', key).update(data).digest() };
  }

  get sessionSeconds(): number {
    return Math.floor(this.sessionMs / 1000);
  }

  private sign(key: Buffer, body: object): string {
    const payload = b64(JSON.stringify(body));
    return `${payload}.${b64(createHmac('sha256', key).update(payload).digest())}`;
  }

  private open(key: Buffer, token: string): { body: Record<string, unknown> } | { refused: Refusal } {
    if (token.length > 512 || !/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/.test(token)) return { refused: 'malformed' };
    const [payload, mac] = token.split('.') as [string, string];
    const want = createHmac('sha256', key).update(payload).digest();
    const got = Buffer.from(mac, 'base64url');
    if (got.length !== want.length || !timingSafeEqual(got, want)) return { refused: 'bad-signature' };
    try {
      const body: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
      return body && typeof body === 'object' ? { body: body as Record<string, unknown> } : { refused: 'malformed' };
    } catch {
      return { refused: 'malformed' };
    }
  }

  private prune(now: number): void {
    for (const [n, until] of this.spent) if (until <= now) this.spent.delete(n);
  }
}

export interface TokenSigner {
  sign(body: object): string;
  open(token: string): { body: Record<string, unknown> } | { refused: Refusal };
  mac(data: string): Buffer;
}

export const isRefusal = (v: PlaygroundVisitor | { refused: Refusal }): v is { refused: Refusal } => 'refused' in v;

const watcherOk = (w: unknown) => w === undefined || (typeof w === 'string' && ID.test(w));
const visitor = (t: string, u: string, w: unknown): PlaygroundVisitor => (typeof w === 'string' ? { teamId: t, userId: u, watcher: w } : { teamId: t, userId: u });

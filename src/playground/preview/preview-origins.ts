import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Clock } from '../../kit';
import type { Logger } from '../../logger';
import type { PlaygroundLearner } from '../learner-tokens';
import { cookiesOf, refuseUpgrade } from '../web-security';
import { PREVIEW_COOKIE } from './preview-headers';
import type { PreviewOriginTokens } from './preview-origin-tokens';
import { sendProblem, type PreviewProxy } from './preview-proxy';

/** The preview origin's one path of its own: a ticket is exchanged there for the origin's cookie. */
export const ENTER_PATH = '/.dockhand-preview/enter';

export interface PreviewOriginsOptions {
  /** PLAYGROUND_PREVIEW_DOMAIN: previews are `<label>.<domain>`. */
  domain: string;
  publicUrl: () => URL;
  tokens: PreviewOriginTokens;
  proxy: PreviewProxy;
  clock: Pick<Clock, 'now'>;
  log: Logger;
}

/**
 * Port previews on their own origins, served on the playground's listener by Host. Anything under the preview
 * domain is answered here and nowhere else, so learner content there never reaches the playground's pages, API
 * or sockets. Sign-in is per origin: the playground mints a ticket for one label, the preview origin spends it
 * for a host-only cookie of that label (no cookie for a parent domain, which every preview would receive).
 */
export class PreviewOrigins {
  constructor(private readonly o: PreviewOriginsOptions) {}

  /** Whether the request is for a host under the preview domain (then it is a preview's, whatever its path). */
  owns(req: IncomingMessage): boolean {
    const host = hostnameOf(req);
    return host === this.o.domain || host.endsWith(`.${this.o.domain}`);
  }

  /** The origin of a label: PUBLIC_URL's scheme and port. */
  originOf(label: string): URL {
    const pub = this.o.publicUrl();
    return new URL(`${pub.protocol}//${label}.${this.o.domain}${pub.port ? `:${pub.port}` : ''}`);
  }

  /** Where the learner's sign-in to their preview of `port` goes: a fresh ticket, landing on `path` there. */
  enterUrl(who: PlaygroundLearner, port: number, until: number, path = '/'): string {
    const label = this.o.tokens.labelFor(who, port);
    const url = new URL(ENTER_PATH, this.originOf(label));
    url.searchParams.set('ticket', this.o.tokens.mintTicket(who, label, until));
    if (path !== '/') url.searchParams.set('to', path);
    return url.toString();
  }

  async http(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const label = this.labelOf(req);
    const port = label && this.o.tokens.portOf(label);
    if (!label || !port) return sendProblem(res, 'no-preview', 0);
    const url = new URL(req.url ?? '/', 'http://preview.invalid');
    const who = this.learnerOf(req, label);
    if (url.pathname === ENTER_PATH) return this.enter(res, label, url, who);
    if (!who) return sendProblem(res, 'sign-in', port);
    // a worker would outlive the preview and see every later navigation of its origin, the next ticket's too
    if (req.headers['service-worker'] === 'script') return sendProblem(res, 'worker', port);
    const path = req.url?.startsWith('/') ? req.url : `${url.pathname}${url.search}`;
    await this.o.proxy.http(req, res, who, port, path, { prefix: '', origin: this.originOf(label) });
  }

  async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const label = this.labelOf(req);
    const port = label && this.o.tokens.portOf(label);
    if (!label || !port) return refuseUpgrade(socket, 404, 'Not Found');
    const who = this.learnerOf(req, label);
    if (!who) return refuseUpgrade(socket, 401, 'Unauthorized');
    // the app's own page only: another site's script would otherwise ride the learner's cookie
    if (req.headers.origin !== this.originOf(label).origin) return refuseUpgrade(socket, 403, 'Forbidden');
    const url = new URL(req.url ?? '/', 'http://preview.invalid');
    await this.o.proxy.upgrade(req, socket, head, who, port, req.url?.startsWith('/') ? req.url : `${url.pathname}${url.search}`, { prefix: '', origin: this.originOf(label) });
  }

  /** The ticket's exchange: a host-only cookie for this label, then the path without the ticket. */
  private enter(res: ServerResponse, label: string, url: URL, signedIn: PlaygroundLearner | undefined): void {
    const to = landing(url.searchParams.get('to'));
    const redeemed = this.o.tokens.redeemTicket(url.searchParams.get('ticket') ?? '', label);
    if ('refused' in redeemed) {
      this.o.log.info({ refused: redeemed.refused }, 'preview ticket refused');
      // the back button replays a spent ticket: a learner signed in here already just goes on
      if (signedIn) return redirect(res, to);
      return sendProblem(res, 'ticket', this.o.tokens.portOf(label) ?? 0);
    }
    const seconds = Math.floor((redeemed.until - this.o.clock.now()) / 1000);
    const https = this.o.publicUrl().protocol === 'https:';
    const cookie = `${cookieName(https)}=${this.o.tokens.mintCookie(redeemed.who, label, redeemed.until)}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${seconds}${https ? '; Secure' : ''}`;
    redirect(res, to, cookie);
  }

  private labelOf(req: IncomingMessage): string | undefined {
    const host = hostnameOf(req);
    const label = host.slice(0, -(this.o.domain.length + 1));
    return host.endsWith(`.${this.o.domain}`) && label && !label.includes('.') ? label : undefined;
  }

  /** The learner of any of the request's preview cookies valid on this label (a cookie planted from elsewhere cannot shadow it). */
  private learnerOf(req: IncomingMessage, label: string): PlaygroundLearner | undefined {
    for (const value of cookiesOf(req, cookieName(this.o.publicUrl().protocol === 'https:'))) {
      const who = this.o.tokens.verifyCookie(value, label);
      if (!('refused' in who)) return who;
    }
    return undefined;
  }
}

const cookieName = (https: boolean) => (https ? `__Host-${PREVIEW_COOKIE}` : PREVIEW_COOKIE);

function hostnameOf(req: IncomingMessage): string {
  return String(req.headers.host ?? '')
    .toLowerCase()
    .replace(/:\d+$/, '')
    .replace(/\.$/, '');
}

/** A path on the same origin (never `//host` or a backslash trick), else the root. */
function landing(to: string | null): string {
  return to && to.length <= 4096 && to.startsWith('/') && !to.startsWith('//') && !/[\\\s]/.test(to) ? to : '/';
}

function redirect(res: ServerResponse, to: string, cookie?: string): void {
  res.writeHead(303, { Location: to, 'Content-Length': '0', 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer', ...(cookie && { 'Set-Cookie': cookie }) });
  res.end();
}

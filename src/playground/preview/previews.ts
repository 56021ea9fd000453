import type { Clock } from '../../kit';
import type { Logger } from '../../logger';
import type { LearnerTokens, PlaygroundLearner } from '../learner-tokens';
import type { PlaygroundHosts, PlaygroundPrefix, PlaygroundRoute } from '../playground-server';
import { refuseUpgrade, sessionCookieOf } from '../web-security';
import { PreviewOriginTokens } from './preview-origin-tokens';
import { PreviewOrigins } from './preview-origins';
import { PreviewProxy, sendProblem, type PreviewDialer, type PreviewLimits } from './preview-proxy';

const PREVIEW_PATH = /^\/preview\/(\d{1,5})(\/.*)?$/;

export interface Previews {
  /** `/preview/<port>/...`: HTTP and Upgrade, to the session's learner's own sandbox (with a domain: a sign-in there). */
  prefix: PlaygroundPrefix;
  /** GET /api/previews: the learner's published ports, for the page's "Preview :PORT" links. */
  route: PlaygroundRoute;
  /** With a preview domain: the previews' own origins, served on the playground's listener by Host. */
  hosts?: PlaygroundHosts;
  /** With a preview domain: where a learner just signed in to the playground lands for `/preview/<port>/`. */
  landingFor?(who: PlaygroundLearner, port: number, until: number): string;
  close(): void;
  readonly proxy: PreviewProxy;
}

export interface PreviewsOptions {
  dialer: PreviewDialer;
  publicUrl: () => URL;
  log: Logger;
  limits?: Partial<PreviewLimits>;
  /** PLAYGROUND_PREVIEW_DOMAIN; unset: previews under the playground's own origin, `/preview/<port>/`. */
  domain?: string;
  /** The playground's tokens (sessions; the preview origins' tickets and cookies take keys of their own). */
  tokens: LearnerTokens;
  clock: Pick<Clock, 'now'>;
}

/**
 * Port previews, in one of two places (docs/operating.md, "Port previews"): under a path prefix of the
 * playground's origin, sandboxed by CSP into an opaque origin; or, with a preview domain, each on an origin of its
 * own, where `/preview/<port>/` on the playground only signs the learner in there.
 */
export function createPreviews(o: PreviewsOptions): Previews {
  const proxy = new PreviewProxy(o);
  const origins = o.domain ? new PreviewOrigins({ domain: o.domain, publicUrl: o.publicUrl, tokens: new PreviewOriginTokens(o.tokens, o.clock), proxy, clock: o.clock, log: o.log }) : undefined;
  const portOf = (match: RegExpExecArray) => {
    const port = Number(match[1]);
    return port >= 1 && port <= 65535 ? port : undefined;
  };
  // the raw path after the prefix (its own encoding kept), else the parsed one
  const restOf = (url: string | undefined, port: number, match: RegExpExecArray) => {
    const raw = url ?? '';
    const prefix = `/preview/${port}/`;
    if (raw.startsWith(prefix)) return raw.slice(prefix.length - 1);
    const q = raw.indexOf('?');
    return `${match[2] ?? '/'}${q >= 0 ? raw.slice(q) : ''}`;
  };
  return {
    proxy,
    prefix: {
      path: PREVIEW_PATH,
      async http(req, res, match, learner) {
        const port = portOf(match);
        if (!port) return sendProblem(res, 'bad-port', 0);
        if (!learner) return sendProblem(res, 'session', port);
        if (origins) {
          // learner content never runs on the playground's origin: a ticket to the preview's own instead
          const until = o.tokens.sessionExpiresAt(sessionCookieOf(req, o.publicUrl()));
          if (until === undefined || !['GET', 'HEAD'].includes(req.method ?? 'GET')) return sendProblem(res, until === undefined ? 'session' : 'no-preview', port);
          res.writeHead(303, { Location: origins.enterUrl(learner, port, until, restOf(req.url, port, match)), 'Content-Length': '0', 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' });
          return void res.end();
        }
        // relative links of the app's pages need the folder form
        if (!match[2]) {
          res.writeHead(308, { Location: `/preview/${port}/`, 'Content-Length': '0', 'Cache-Control': 'no-store' });
          return void res.end();
        }
        await proxy.http(req, res, learner, port, restOf(req.url, port, match));
      },
      async upgrade(req, socket, head, match, learner) {
        const port = portOf(match);
        const origin = req.headers.origin;
        // the playground's page, or a previewed page (its sandbox CSP makes its origin opaque: `null`); with a
        // preview domain the app's sockets go to its own origin, never here
        const status = !port || origins ? 404 : !learner ? 401 : origin !== o.publicUrl().origin && origin !== 'null' ? 403 : 0;
        if (status || !port || !learner) return refuseUpgrade(socket, status, 'Refused');
        await proxy.upgrade(req, socket, head, learner, port, restOf(req.url, port, match));
      },
    },
    ...(origins && {
      hosts: { owns: (req) => origins.owns(req), http: (req, res) => origins.http(req, res), upgrade: (req, socket, head) => origins.upgrade(req, socket, head) },
      landingFor: (who, port, until) => origins.enterUrl(who, port, until),
    }),
    route: {
      method: 'GET',
      path: /^\/api\/previews$/,
      handle: async ({ learner, json }) => json(200, { ports: await o.dialer.ports(learner) }),
    },
    close: () => proxy.close(),
  };
}

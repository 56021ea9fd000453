import type { Logger } from '../../logger';
import type { PlaygroundPrefix, PlaygroundRoute } from '../playground-server';
import { refuseUpgrade } from '../web-security';
import { PreviewProxy, sendProblem, type PreviewDialer, type PreviewLimits } from './preview-proxy';

const PREVIEW_PATH = /^\/preview\/(\d{1,5})(\/.*)?$/;

export interface Previews {
  /** `/preview/<port>/...`: HTTP and Upgrade, to the session's learner's own sandbox. */
  prefix: PlaygroundPrefix;
  /** GET /api/previews: the learner's published ports, for the page's "Preview :PORT" links. */
  route: PlaygroundRoute;
  close(): void;
  readonly proxy: PreviewProxy;
}

/**
 * Port previews under a path prefix of the playground's own origin (a wildcard subdomain per port would need
 * wildcard DNS and TLS from the operator and a cookie for every subdomain; see docs/operating.md).
 */
export function createPreviews(o: { dialer: PreviewDialer; publicUrl: () => URL; log: Logger; limits?: Partial<PreviewLimits> }): Previews {
  const proxy = new PreviewProxy(o);
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
        // the playground's page, or a previewed page (its sandbox CSP makes its origin opaque: `null`)
        const status = !port ? 404 : !learner ? 401 : origin !== o.publicUrl().origin && origin !== 'null' ? 403 : 0;
        if (status || !port || !learner) return refuseUpgrade(socket, status, 'Refused');
        await proxy.upgrade(req, socket, head, learner, port, restOf(req.url, port, match));
      },
    },
    route: {
      method: 'GET',
      path: /^\/api\/previews$/,
      handle: async ({ learner, json }) => json(200, { ports: await o.dialer.ports(learner) }),
    },
    close: () => proxy.close(),
  };
}

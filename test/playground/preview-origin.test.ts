import http, { type IncomingHttpHeaders } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { createPlayground, type Playground } from '../../src/playground';
import { idlePlayground } from './playground-stubs';
import { upgradeStatus } from './playground-client';

// Previews on an origin each (PLAYGROUND_PREVIEW_DOMAIN), against the real playground server with stand-in apps:
// learner A's sandbox port is one local HTTP server, B's another. A virtual clock ages tickets and sessions.
const DOMAIN = 'preview.test';
const A = { teamId: 'T1', userId: 'UA' };
const B = { teamId: 'T1', userId: 'UB' };
let now = 1_000_000;
const clock = { now: () => now, setTimeout: (fn: () => void, ms: number) => setTimeout(fn, ms), clearTimeout: (h: unknown) => clearTimeout(h as NodeJS.Timeout) };

interface Seen {
  url?: string;
  headers?: IncomingHttpHeaders;
}
const seen: Record<string, Seen> = {};
function app(name: string): http.Server {
  return http.createServer((req, res) => {
    seen[name] = { url: req.url, headers: req.headers };
    res.setHeader('Set-Cookie', ['theme=dark; Path=/; Domain=preview.test', 'dockhand_preview=planted; Path=/']);
    res.setHeader('Content-Security-Policy', "img-src 'self'");
    res.end(`app of ${name}`);
  });
}
const apps = { UA: app('UA'), UB: app('UB') };

let playground: Playground;
let base: URL;
beforeAll(async () => {
  for (const s of Object.values(apps)) await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  playground = createPlayground({
    config: { port: 0, host: '127.0.0.1', previewMaxSeconds: 60, adminView: false, previewDomain: DOMAIN },
    ...idlePlayground(),
    previews: {
      ports: async () => [{ port: 8080, container: 'web' }],
      connect: async (who) => net.connect((apps[who.userId as 'UA' | 'UB'].address() as AddressInfo).port, '127.0.0.1'),
    },
    clock,
  });
  await playground.start();
  base = playground.publicUrl;
});
afterAll(async () => {
  await playground?.stop();
  for (const s of Object.values(apps)) s.close();
});

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}
/** A request to the playground's listener with any Host (fetch may not set one). */
function request(path: string, o: { host?: string; cookie?: string; method?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: base.hostname, port: base.port, path, method: o.method ?? 'GET', headers: { host: o.host ?? base.host, ...(o.cookie && { cookie: o.cookie }), ...o.headers } }, (res) => {
      let body = '';
      res.on('data', (b: Buffer) => (body += b.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function sessionOf(who: typeof A): Promise<string> {
  const res = await request(new URL(playground.linkFor(who)).pathname);
  expect(res.status).toBe(303);
  return String(res.headers['set-cookie']![0]).split(';')[0]!;
}

/** The ticket URL `/preview/<port>/<rest>` on the playground sends the learner to. */
async function ticketUrl(session: string, port = 8080, rest = '/'): Promise<URL> {
  const res = await request(`/preview/${port}${rest}`, { cookie: session });
  expect(res.status).toBe(303);
  return new URL(String(res.headers.location));
}

const hostOf = (u: URL) => u.host;
const labelOf = (u: URL) => u.hostname.split('.')[0]!;

async function previewCookie(session: string, port = 8080): Promise<{ cookie: string; host: string; setCookie: string }> {
  const t = await ticketUrl(session, port);
  const res = await request(`${t.pathname}${t.search}`, { host: hostOf(t) });
  expect(res.status).toBe(303);
  const setCookie = String(res.headers['set-cookie']![0]);
  return { cookie: setCookie.split(';')[0]!, host: hostOf(t), setCookie };
}

describe('port previews on their own origins', () => {
  it("sign the learner in on the preview's origin with a single-use ticket, then serve their app there without the sandbox CSP", async () => {
    const session = await sessionOf(A);
    const t = await ticketUrl(session, 8080, '/shop/cart?item=2');
    expect(t.hostname).toMatch(/^p8080-[0-9a-f]{32}\.preview\.test$/);
    expect(t.port).toBe(base.port);
    expect(t.pathname).toBe('/.dockhand-preview/enter');
    expect(t.searchParams.get('to')).toBe('/shop/cart?item=2');

    const entered = await request(`${t.pathname}${t.search}`, { host: hostOf(t) });
    expect(entered.status).toBe(303);
    expect(entered.headers.location).toBe('/shop/cart?item=2');
    const setCookie = String(entered.headers['set-cookie']![0]);
    // host-only (no Domain), HttpOnly, Lax, no longer than the session (3600 s)
    expect(setCookie).toMatch(/^dockhand_preview=[^;]+; Path=\/; HttpOnly; SameSite=Lax; Max-Age=3600$/);

    const page = await request('/shop/cart?item=2', { host: hostOf(t), cookie: `${setCookie.split(';')[0]!}; app=1; ${session}` });
    expect([page.status, page.body]).toEqual([200, 'app of UA']);
    // the app sees its own path and cookies, never the playground's or the preview's
    expect(seen.UA!.url).toBe('/shop/cart?item=2');
    expect(seen.UA!.headers!.cookie).toBe('app=1');
    expect(seen.UA!.headers!['x-forwarded-host']).toBe(hostOf(t));
    expect(seen.UA!.headers!['x-forwarded-prefix']).toBeUndefined();
    // no sandbox: the app keeps its origin; framing still refused; its cookies stay host-only, ours are not planted
    expect(page.headers['content-security-policy']).toBe("img-src 'self', frame-ancestors 'none'");
    expect(page.headers['set-cookie']).toEqual(['theme=dark; Path=/']);
  });

  it('the link from Slack lands on the preview origin directly', async () => {
    const link = new URL(playground.previewLinkFor(A, 8080)!);
    const res = await request(`${link.pathname}${link.search}`);
    expect(res.status).toBe(303);
    expect(String(res.headers.location)).toMatch(/^http:\/\/p8080-[0-9a-f]{32}\.preview\.test:\d+\/\.dockhand-preview\/enter\?ticket=/);
  });

  it('refuse a replayed, an expired or another label\'s ticket', async () => {
    const session = await sessionOf(A);
    const t = await ticketUrl(session);
    expect((await request(`${t.pathname}${t.search}`, { host: hostOf(t) })).status).toBe(303);
    const replay = await request(`${t.pathname}${t.search}`, { host: hostOf(t) });
    expect(replay.status).toBe(403);
    expect(replay.body).toMatch(/already used or has expired/);
    expect(replay.headers['set-cookie']).toBeUndefined();

    const late = await ticketUrl(session);
    now += 61_000;
    expect((await request(`${late.pathname}${late.search}`, { host: hostOf(late) })).status).toBe(403);

    // A's ticket on B's label, and on A's own other port
    const a = await ticketUrl(session);
    const bLabel = labelOf(await ticketUrl(await sessionOf(B)));
    const aOther = labelOf(await ticketUrl(session, 9090));
    for (const label of [bLabel, aOther]) expect((await request(`${a.pathname}${a.search}`, { host: `${label}.${DOMAIN}:${base.port}` })).status).toBe(403);
    // the refused tries did not spend it: on its own label it still works once
    expect((await request(`${a.pathname}${a.search}`, { host: hostOf(a) })).status).toBe(303);
  });

  it("refuse A's cookie on B's label, and a guessed label without one, with a page instead of the app", async () => {
    const a = await previewCookie(await sessionOf(A));
    const b = await previewCookie(await sessionOf(B));
    expect(a.host).not.toBe(b.host);
    expect((await request('/', { host: b.host, cookie: b.cookie })).body).toBe('app of UB');
    delete seen.UB;
    const stolen = await request('/', { host: b.host, cookie: a.cookie });
    expect(stolen.status).toBe(401);
    expect(stolen.body).toMatch(/Open this preview from your playground/);
    expect(seen.UB).toBeUndefined();
    const guessed = await request('/', { host: `p8080-${'0'.repeat(32)}.${DOMAIN}` });
    expect([guessed.status, guessed.body.includes('Open this preview from your playground')]).toEqual([401, true]);
    expect((await request('/', { host: `nonsense.${DOMAIN}` })).status).toBe(404);
    // a planted cookie of the same name beside the learner's own does not shadow it
    expect((await request('/', { host: b.host, cookie: `${a.cookie}; ${b.cookie}` })).body).toBe('app of UB');
    // the preview cookie ends with the session it came from
    now += 3_600_000;
    expect((await request('/', { host: b.host, cookie: b.cookie })).status).toBe(401);
  });

  it("answer everything on a preview host as a preview: never the playground's page, API, link exchange or terminal", async () => {
    const session = await sessionOf(A);
    const a = await previewCookie(session);
    for (const path of ['/api/previews', '/api/step', '/assets/playground.js']) {
      delete seen.UA;
      const res = await request(path, { host: a.host, cookie: `${a.cookie}; ${session}` });
      expect(res.body).toBe('app of UA');
      expect(seen.UA!.url).toBe(path);
    }
    // a link token shown on a preview host is not spent there
    const link = new URL(playground.linkFor(B));
    await request(link.pathname, { host: a.host, cookie: a.cookie });
    expect((await request(link.pathname)).status).toBe(303);
    // the terminal socket: on a preview host it is the app's path (refused without the app's Origin); on the
    // playground's host the preview's Origin is refused
    const origin = `http://${a.host}`;
    expect(await upgradeStatus(`http://127.0.0.1:${base.port}`, { Host: a.host, Cookie: `${a.cookie}; ${session}`, Origin: base.origin })).toBe(403);
    expect(await upgradeStatus(base.origin, { Cookie: session, Origin: origin })).toBe(403);
    // the file API and every other state-changing route check Origin as well
    expect((await request('/api/check', { method: 'POST', cookie: session, headers: { origin } })).status).toBe(403);
    // and `/preview/<port>/` on the playground serves no learner content in this mode: HTTP redirects, sockets are refused
    const sock = await upgradeStatusAt('/preview/8080/', { Cookie: session, Origin: base.origin });
    expect(sock).toBe(404);
  });

  it('refuse a service worker script on a preview origin', async () => {
    const a = await previewCookie(await sessionOf(A));
    const res = await request('/sw.js', { host: a.host, cookie: a.cookie, headers: { 'service-worker': 'script' } });
    expect(res.status).toBe(403);
  });
});

function upgradeStatusAt(path: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve) => {
    const req = http.request({ host: base.hostname, port: base.port, path, headers: { Connection: 'Upgrade', Upgrade: 'websocket', ...headers } });
    req.on('response', (res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve(101);
    });
    req.on('error', () => resolve(-1));
    req.end();
  });
}

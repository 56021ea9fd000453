import http, { type IncomingHttpHeaders } from 'node:http';
import { chromium, type Browser } from 'playwright-core';
import { LearnerDriver } from '../support/learner-driver';
import { startTestBot, uniqueId, type TestBot } from '../support/start-test-bot';
import { openLink, TerminalClient } from './playground-client';

jest.setTimeout(900_000);

// Debian's chromium (installed by .ci/run), headless, reaching nothing but the bot's own playground. Chromium
// resolves every *.localhost name to loopback, so the preview domain needs no DNS here.
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-sync'];
const DOMAIN = 'preview.localhost';

let t: TestBot;
let browser: Browser;
beforeAll(async () => {
  t = await startTestBot({ env: { WEB_PORT: '0', PLAYGROUND_PREVIEW_DOMAIN: DOMAIN } });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
});
afterAll(async () => {
  await browser?.close();
  await t?.stop();
});

async function linkOf(l: LearnerDriver): Promise<string> {
  const since = l.mark;
  await l.say('playground');
  return /Your playground: (\S+)/.exec(String((await l.waitForPost(/Your playground: /, since)).args.text))![1]!;
}

/** A request to the bot's listener under any Host (as the operator's proxy forwards a preview's). */
function request(base: string, path: string, o: { host: string; cookie?: string }): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, path, headers: { host: o.host, ...(o.cookie && { cookie: o.cookie }) } }, (res) => {
      let body = '';
      res.on('data', (b: Buffer) => (body += b.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Signs in on a learner's preview origin as a browser would, without one: the preview's host and cookie. */
async function previewSignIn(base: string, session: string, port: number): Promise<{ host: string; cookie: string }> {
  const toTicket = await request(base, `/preview/${port}/`, { host: new URL(base).host, cookie: session });
  expect(toTicket.status).toBe(303);
  const ticket = new URL(String(toTicket.headers.location));
  const entered = await request(base, `${ticket.pathname}${ticket.search}`, { host: ticket.host });
  expect(entered.status).toBe(303);
  return { host: ticket.host, cookie: String(entered.headers['set-cookie']![0]).split(';')[0]! };
}

// the learner's app: a page with an image by relative URL, a script by absolute path and a fetch('/api'), in nginx
const GIF = 'R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==';
const SITE = [
  'mkdir -p $HOME/site && cd $HOME/site',
  `printf '%s' '<!doctype html><html><body><img id="logo" src="logo.gif"><p id="out">waiting</p><script src="/app.js"></script></body></html>' > index.html`,
  `printf '%s' 'fetch("/api").then(function (r) { return r.text(); }).then(function (t) { document.getElementById("out").textContent = t; });' > app.js`,
  `printf '%s' 'hello-from-the-api' > api`,
  `echo ${GIF} | base64 -d > logo.gif`,
  'docker run -d -p 8080:80 -v $HOME/site:/usr/share/nginx/html:ro nginx >/dev/null',
  'cd && echo site-$((6*7))',
].join(' && ');

describe('port previews on their own origins, in a real browser', () => {
  it("load the app's image, absolute-path script and fetch() on the preview's origin, which cannot reach the playground", async () => {
    const a = new LearnerDriver(t, uniqueId('U'));
    const b = new LearnerDriver(t, uniqueId('U'));
    const session = await openLink(await linkOf(a));
    expect(session.status).toBe(303);
    const base = new URL(await linkOf(a)).origin;
    const term = new TerminalClient(base, { cookie: session.cookie, origin: base });
    await term.opened;
    term.type(`${SITE}\r`);
    await term.waitFor(/site-42/, 400_000);

    // the learner opens the link Slack offers for a published port (the playground's link, landing on the preview),
    // then reloads it as the page's "Preview :8080" link does: /preview/8080/ on the playground, with the session
    const context = await browser.newContext();
    const tab = await context.newPage();
    const errors: string[] = [];
    tab.on('pageerror', (e) => errors.push(e.message));
    await tab.goto(`${await linkOf(a)}?to=/preview/8080/`);
    let origin = new URL(tab.url()).origin;
    for (let tries = 0; (await tab.locator('#out').count()) === 0 && tries < 60; tries++) {
      await tab.waitForTimeout(1000); // nginx may still be starting
      await tab.goto(`${base}/preview/8080/`);
      origin = new URL(tab.url()).origin;
    }
    expect(origin).toMatch(new RegExp(`^http://p8080-[0-9a-f]{32}\\.preview\\.localhost:${new URL(base).port}$`));
    expect(new URL(tab.url()).pathname).toBe('/');
    // the script by absolute path ran and fetched /api; the image by relative URL loaded
    await tab.locator('#out', { hasText: 'hello-from-the-api' }).waitFor({ timeout: 60_000 });
    await tab.waitForFunction('document.getElementById("logo").complete');
    expect(await tab.evaluate('document.getElementById("logo").naturalWidth')).toBeGreaterThan(0);
    // its own origin, not an opaque one; no cookie a script can read (the preview's is HttpOnly, the playground's another host's)
    expect(await tab.evaluate('[window.origin === location.origin, document.cookie]')).toEqual([true, '']);

    // what a hostile app could try from there: read the playground's API, open its terminal socket
    const read = await tab.evaluate(`fetch(${JSON.stringify(`${base}/api/step`)}, { credentials: 'include' }).then(() => 'read', () => 'refused')`);
    expect(read).toBe('refused');
    const socket = await tab.evaluate(`new Promise((resolve) => { const ws = new WebSocket(${JSON.stringify(`${base.replace('http', 'ws')}/ws/terminal`)}); ws.onopen = () => resolve('open'); ws.onerror = () => resolve('refused'); })`);
    expect(socket).toBe('refused');
    expect(t.logs.some((l) => JSON.stringify(l).includes('playground WebSocket from another origin refused'))).toBe(true);
    expect(errors).toEqual([]);

    // learner B: their own preview origin for the same port is another one, and A's cookie is refused there
    const bSession = await openLink(await linkOf(b));
    const bPreview = await previewSignIn(base, bSession.cookie!, 8080);
    const aPreview = await previewSignIn(base, session.cookie!, 8080);
    expect(bPreview.host).not.toBe(aPreview.host);
    const stolen = await request(base, '/api', { host: bPreview.host, cookie: aPreview.cookie });
    expect(stolen.status).toBe(401);
    expect(stolen.body).not.toContain('hello-from-the-api');
    // B's own sign-in reaches B's sandbox (where nothing listens on 8080), never A's app
    const own = await request(base, '/api', { host: bPreview.host, cookie: bPreview.cookie });
    expect(own.body).not.toContain('hello-from-the-api');
    expect(own.body).toMatch(/Nothing is listening on port 8080|Your sandbox is not running/);
    // and A's, over HTTP as in the browser
    expect((await request(base, '/api', { host: aPreview.host, cookie: aPreview.cookie })).body).toBe('hello-from-the-api');

    // the bystander still works
    term.type('echo still-here-$((5*5))\r');
    await term.waitFor(/still-here-25/);
    term.close();
    await context.close();
  });
});

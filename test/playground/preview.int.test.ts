import net from 'node:net';
import { LearnerDriver } from '../support/learner-driver';
import { startTestBot, uniqueId, type TestBot } from '../support/start-test-bot';
import { openLink, TerminalClient } from './playground-client';

jest.setTimeout(900_000);

// previews are cut after 8 s here, so an app that streams forever ends within the test
let t: TestBot;
beforeAll(async () => {
  t = await startTestBot({ env: { WEB_PORT: '0', PLAYGROUND_PREVIEW_MAX_SECONDS: '8' } });
});
afterAll(async () => {
  await t?.stop();
});

async function sessionOf(l: LearnerDriver): Promise<{ base: string; cookie: string }> {
  const since = l.mark;
  await l.say('playground');
  const post = await l.waitForPost(/Your playground: /, since);
  const link = /Your playground: (\S+)/.exec(String(post.args.text))![1]!;
  const opened = await openLink(link);
  expect(opened.status).toBe(303);
  return { base: new URL(link).origin, cookie: opened.cookie! };
}

async function portsOf(base: string, cookie: string): Promise<number[]> {
  const res = await fetch(`${base}/api/previews`, { headers: { Cookie: cookie } });
  expect(res.status).toBe(200);
  return ((await res.json()) as { ports: { port: number }[] }).ports.map((p) => p.port);
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 180_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`never: ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Milliseconds from typing a command in a terminal to its output. */
async function echoMs(term: TerminalClient, n: number): Promise<number> {
  const started = performance.now();
  term.type(`echo lat-$((${n}*3))\r`);
  await term.waitFor(new RegExp(`lat-${n * 3}\\b`));
  return performance.now() - started;
}

// a web server in busybox that answers every request with a body that never ends
const FOREVER = `docker run -d -p 9000:9000 busybox sh -c 'while true; do { printf "HTTP/1.1 200 OK\\r\\nContent-Type: text/plain\\r\\n\\r\\n"; while echo tick; do usleep 50000; done; } | nc -l -p 9000; done'`;

// answers any Upgrade with 101, then echoes what it gets (the handshake included)
const ECHO_UPGRADE = `docker run -d -p 9001:9001 busybox sh -c 'while true; do nc -l -p 9001 -e sh -c "printf \\"HTTP/1.1 101 Switching Protocols\\r\\nUpgrade: websocket\\r\\nConnection: Upgrade\\r\\n\\r\\n\\"; cat"; done'`;

/** A raw Upgrade request through the playground; resolves with everything received once `until` shows (or the socket ends). */
function rawUpgrade(base: string, path: string, headers: Record<string, string>, send: string, until: RegExp): Promise<string> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const sock = net.connect(Number(u.port), u.hostname);
    let got = '';
    let sent = false;
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`no ${until} in: ${got}`));
    }, 20_000);
    const done = () => {
      clearTimeout(timer);
      sock.destroy();
      resolve(got);
    };
    sock.on('data', (b) => {
      got += b.toString();
      if (!sent && got.includes('\r\n\r\n')) {
        sent = true;
        sock.write(send);
      }
      if (until.test(got)) done();
    });
    sock.on('close', done);
    sock.on('error', reject);
    const lines = [`GET ${path} HTTP/1.1`, `Host: ${u.host}`, 'Connection: Upgrade', 'Upgrade: websocket', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
    sock.write(`${lines.join('\r\n')}\r\n\r\n`);
  });
}

describe('port previews (real bot, real sandboxes, two learners)', () => {
  it("serve the learner's own published ports only, say so when nothing listens, and pass an endless stream through within its cap", async () => {
    const a = new LearnerDriver(t, uniqueId('U'));
    const b = new LearnerDriver(t, uniqueId('U'));
    const sa = await sessionOf(a);
    const sb = await sessionOf(b);
    const { base } = sa;

    const aTerm = new TerminalClient(base, { cookie: sa.cookie, origin: base });
    const bTerm = new TerminalClient(base, { cookie: sb.cookie, origin: base });
    await Promise.all([aTerm.opened, bTerm.opened]);
    aTerm.type(`docker run -d -p 8080:80 nginx >/dev/null && ${FOREVER} >/dev/null && echo started-$((40+2))\r`);
    await aTerm.waitFor(/started-42/, 300_000);

    // the page's list: A's two ports, read from A's nested engine; B has none
    const ports = await until('both ports listed', async () => {
      const p = await portsOf(base, sa.cookie);
      return p.includes(8080) && p.includes(9000) ? p : undefined;
    });
    expect(ports).toEqual([8080, 9000]);
    expect(await portsOf(base, sb.cookie)).toEqual([]);

    // A sees the nginx stand-in's page, under the preview CSP, without the session cookie reaching nginx
    const page = await until('nginx answers', async () => {
      const res = await fetch(`${base}/preview/8080/`, { headers: { Cookie: sa.cookie } });
      return res.status === 200 ? res : undefined;
    });
    expect(await page.text()).toMatch(/nginx/i);
    expect(page.headers.get('content-security-policy')).toContain('sandbox allow-scripts');
    // the folder form, so the app's relative links work
    const bare = await fetch(`${base}/preview/8080`, { headers: { Cookie: sa.cookie }, redirect: 'manual' });
    expect([bare.status, bare.headers.get('location')]).toEqual([308, '/preview/8080/']);

    // B's cookie on the same address reaches B's own sandbox, where nothing listens: never A's nginx
    const bView = await fetch(`${base}/preview/8080/`, { headers: { Cookie: sb.cookie } });
    expect(bView.status).toBe(502);
    const bText = await bView.text();
    expect(bText).toContain('Nothing is listening on port 8080');
    expect(bText).not.toMatch(/welcome to nginx/i);
    // no cookie, a forged one: the session page
    for (const cookie of ['', `${sa.cookie}x`]) {
      const res = await fetch(`${base}/preview/8080/`, { headers: cookie ? { Cookie: cookie } : {} });
      expect(res.status).toBe(401);
      expect(await res.text()).toContain('Your playground session has ended');
    }
    // a port nothing listens on in A's own sandbox: the friendly page, no stack trace
    const none = await fetch(`${base}/preview/8099/`, { headers: { Cookie: sa.cookie } });
    expect(none.status).toBe(502);
    const noneText = await none.text();
    expect(noneText).toContain('Nothing is listening on port 8099');
    expect(noneText).not.toMatch(/Error|at .*\.ts/);
    // ports outside 1..65535 are never dialed
    expect((await fetch(`${base}/preview/70000/`, { headers: { Cookie: sa.cookie } })).status).toBe(404);

    // B's command latency, before and while A's app streams forever through the preview
    const before: number[] = [];
    for (let i = 1; i <= 5; i++) before.push(await echoMs(bTerm, i));
    const stream = await fetch(`${base}/preview/9000/`, { headers: { Cookie: sa.cookie } });
    expect(stream.status).toBe(200);
    const reader = stream.body!.getReader();
    let bytes = 0;
    let chunks = 0;
    const reading = (async () => {
      for (;;) {
        const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
        if (done) return;
        bytes += value.length;
        chunks++;
      }
    })();
    // bytes arrive while the response is still open: passed through, not buffered to its end
    await until('the first ticks', async () => (bytes >= 50 ? true : undefined), 60_000);
    const during: number[] = [];
    for (let i = 6; i <= 10; i++) during.push(await echoMs(bTerm, i));
    // and it ends: the cap (8 s here) cuts an app that never stops
    await reading;
    expect(chunks).toBeGreaterThan(1);
    expect(Buffer.byteLength('tick\n') * 10).toBeLessThan(bytes);
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
    console.log(`B's command echo while A's preview streams: median ${median(during).toFixed(0)} ms (before: ${median(before).toFixed(0)} ms); A's stream passed ${bytes} bytes in ${chunks} chunks before its cap`);

    // an Upgrade (WebSocket) passes both ways, from the playground's page or a previewed one; another origin is refused
    aTerm.type(`${ECHO_UPGRADE} >/dev/null && echo echo-up-$((7*7))\r`);
    await aTerm.waitFor(/echo-up-49/, 300_000);
    let last = '';
    const upgraded = await until('the echo server answers', async () => {
      const got = await rawUpgrade(base, '/preview/9001/socket', { Cookie: sa.cookie, Origin: 'null' }, 'ping-from-browser\n', /ping-from-browser/).catch((e: Error) => e.message);
      last = got;
      return /ping-from-browser/.test(got) ? got : undefined;
    }, 90_000).catch((e: Error) => {
      throw new Error(`${e.message}; last answer: ${last.slice(0, 300)}`);
    });
    expect(upgraded).toMatch(/^HTTP\/1\.1 101/);
    expect(upgraded).not.toContain('dockhand_playground');
    expect(await rawUpgrade(base, '/preview/9001/socket', { Cookie: sa.cookie, Origin: 'http://evil.example' }, '', /^HTTP\/1\.1 \d+/)).toMatch(/^HTTP\/1\.1 403/);
    expect(await rawUpgrade(base, '/preview/9001/socket', { Cookie: sb.cookie, Origin: base }, 'x', /^HTTP\/1\.1 \d+/)).toMatch(/^HTTP\/1\.1 502/);

    // a chat command that publishes a port: a DM line with a link that lands on its preview
    const since = a.mark;
    await a.run('docker run -d -p 8082:80 nginx', 240_000);
    const offer = await a.waitForPost(/Port 8082 is published/, since, 90_000).catch((e: Error) => {
      const said = t.standIn.calls.filter((c) => c.method === 'chat.postMessage' || c.method === 'chat.update').slice(-6).map((c) => String(c.args.text).slice(0, 200));
      const logs = t.logs.filter((l) => JSON.stringify(l).match(/preview|warn|error/i)).slice(-8).map((l) => JSON.stringify(l).slice(0, 400));
      console.log(`no offer: ${e.message}; the bot said last: ${JSON.stringify(said)}; logs: ${logs.join('\n')}`);
      throw new Error(`${e.message}; the bot said last: ${JSON.stringify(said)}`);
    });
    expect([String(offer.args.unfurl_links), String(offer.args.unfurl_media)]).toEqual(['false', 'false']);
    const offered = /Port 8082 is published: see it in your browser: (\S+)/.exec(String(offer.args.text))![1]!;
    const landed = await openLink(offered);
    expect([landed.status, landed.location]).toEqual([303, '/preview/8082/']);

    // the bystander still works
    bTerm.type('echo bystander-$((3*3))\r');
    await bTerm.waitFor(/bystander-9/);
    aTerm.close();
    bTerm.close();
  });
});

import net, { type AddressInfo } from 'node:net';
import { createPlayground, type Playground } from '../../src/playground';
import { idlePlayground } from './playground-stubs';

// The proxy's own behaviour, with a dialer that reaches a local stand-in app (the int test dials real sandboxes).
let app: net.Server;
let playground: Playground;
let cookie: string;
const dialed: string[] = [];

beforeAll(async () => {
  // answers an Upgrade with 101 and echoes; a plain request with a page
  app = net.createServer((sock) => {
    let buf = '';
    sock.on('data', (b) => {
      buf += b.toString();
      if (!buf.includes('\r\n\r\n')) return;
      if (/^upgrade: /im.test(buf)) {
        sock.removeAllListeners('data');
        sock.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
        sock.pipe(sock);
      } else {
        sock.end(`HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nSet-Cookie: dockhand_playground=evil\r\nConnection: close\r\n\r\n<p>${/^cookie: (.*)$/im.exec(buf)?.[1] ?? 'no cookie'}</p>`);
      }
    });
  });
  await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
  const appPort = (app.address() as AddressInfo).port;
  playground = createPlayground({
    config: { port: 0, host: '127.0.0.1', previewMaxSeconds: 30, adminView: false },
    ...idlePlayground(),
    previews: {
      ports: async () => [{ port: 8080, container: 'web' }],
      connect: async (who, port) => {
        dialed.push(`${who.userId}:${port}`);
        if (port !== 8080) throw Object.assign(new Error('refused'), { reason: 'refused' });
        return net.connect(appPort, '127.0.0.1');
      },
    },
  });
  await playground.start();
  const res = await fetch(playground.linkFor({ teamId: 'T1', userId: 'U1' }), { redirect: 'manual' });
  cookie = res.headers.get('set-cookie')!.split(';')[0]!;
});
afterAll(async () => {
  await playground?.stop();
  app?.close();
});

function upgrade(headers: Record<string, string>): Promise<string> {
  const base = playground.publicUrl;
  return new Promise((resolve, reject) => {
    const sock = net.connect(Number(base.port), base.hostname);
    let got = '';
    sock.on('data', (b) => {
      got += b.toString();
      if (got.includes('\r\n\r\n') && got.startsWith('HTTP/1.1 101') && !got.includes('hello')) sock.write('hello');
      if (!got.startsWith('HTTP/1.1 101') || got.includes('hello')) sock.end();
    });
    sock.on('close', () => resolve(got));
    sock.on('error', reject);
    sock.write(`GET /preview/8080/ws HTTP/1.1\r\nHost: ${base.host}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`);
  });
}

describe('the preview proxy', () => {
  it("serves the session's learner's port, without the session cookie, and drops the app's try to replace it", async () => {
    const res = await fetch(new URL('/preview/8080/', playground.publicUrl), { headers: { Cookie: `${cookie}; theirs=1` } });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('<p>theirs=1</p>');
    expect(res.headers.get('set-cookie')).toBeNull();
    expect(res.headers.get('content-security-policy')).toContain('sandbox');
    expect(dialed).toContain('U1:8080');
  });

  it('passes an Upgrade both ways from the page or a previewed page, and refuses other origins and no session', async () => {
    expect(await upgrade({ Cookie: cookie, Origin: 'null' })).toMatch(/^HTTP\/1\.1 101[\s\S]*hello$/);
    expect(await upgrade({ Cookie: cookie, Origin: playground.publicUrl.origin })).toMatch(/^HTTP\/1\.1 101/);
    expect(await upgrade({ Cookie: cookie, Origin: 'http://evil.example' })).toMatch(/^HTTP\/1\.1 403/);
    expect(await upgrade({ Origin: 'null' })).toMatch(/^HTTP\/1\.1 401/);
  });

  it('answers a port nothing listens on with the friendly page', async () => {
    const res = await fetch(new URL('/preview/9999/', playground.publicUrl), { headers: { Cookie: cookie } });
    expect(res.status).toBe(502);
    expect(await res.text()).toContain('Nothing is listening on port 9999');
    const list = await fetch(new URL('/api/previews', playground.publicUrl), { headers: { Cookie: cookie } });
    expect(await list.json()).toEqual({ ports: [{ port: 8080, container: 'web' }] });
  });
});

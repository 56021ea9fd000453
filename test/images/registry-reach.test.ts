import { execFile } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { directReach, engineReachScript, parseEngineReachOutput, type RegistryAnswer } from '../../src/images/registry-reach';

/**
 * The remote-engine path of the mirror's API runs `engineReachScript` in a helper on the engine host; here the same
 * script runs in a local shell against a registry stand-in this test starts, and must answer like the direct path.
 */
const MANIFEST = JSON.stringify({ schemaVersion: 2, config: { digest: 'sha256:cfg' } }, null, 2);
let server: http.Server;
let host: string;
const seen: Array<{ url?: string; accept?: string }> = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    seen.push({ url: req.url, accept: req.headers.accept });
    if (req.url === '/v2/library/nginx/manifests/latest') {
      res.writeHead(200, { 'Docker-Content-Digest': 'sha256:abc', 'Content-Type': 'application/json' });
      res.end(MANIFEST);
    } else {
      res.writeHead(404);
      res.end('{"errors":[{"code":"MANIFEST_UNKNOWN"}]}');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const viaScript = (h: string, path: string, accept?: string) =>
  new Promise<RegistryAnswer>((resolve) => execFile('sh', ['-c', engineReachScript(h, path, { accept, timeoutMs: 3000 })], (_e, out) => resolve(parseEngineReachOutput(out))));

describe('registry reach', () => {
  it('the helper script and the direct fetch give the same status, digest and body', async () => {
    const accept = 'application/vnd.docker.distribution.manifest.v2+json';
    const [script, direct] = [await viaScript(host, '/v2/library/nginx/manifests/latest', accept), await directReach.get(host, '/v2/library/nginx/manifests/latest', { accept, timeoutMs: 3000 })];
    expect(script).toEqual({ status: 200, digest: 'sha256:abc', body: MANIFEST });
    expect(direct).toEqual(script);
    expect(seen.at(-1)?.accept).toBe(accept);
    expect(seen.at(-2)?.accept).toBe(accept);
  });

  it('a 404 is a status, not an error', async () => {
    const r = await viaScript(host, "/v2/evil/it's/manifests/1");
    expect(r.status).toBe(404);
    expect(r.error).toBeUndefined();
  });

  it('no answer at all is status 0 with the reason', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const r = await viaScript(`127.0.0.1:${port}`, '/v2/');
    expect(r.status).toBe(0);
    expect(r.error).toMatch(/refused|connect/i);
  });
});

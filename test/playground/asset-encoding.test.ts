import http from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { assetAnswer, compress, hashOf, pickEncoding, type EncodedAsset } from '../../src/playground/asset-encoding';

describe('pickEncoding (Accept-Encoding)', () => {
  it.each([
    [undefined, 'identity'],
    ['', 'identity'],
    ['gzip, deflate, br', 'br'],
    ['gzip, deflate, br, zstd', 'br'],
    ['gzip, deflate', 'gzip'],
    ['x-gzip', 'gzip'],
    ['GZIP, BR', 'br'],
    ['deflate', 'identity'],
    ['identity', 'identity'],
    ['br;q=0, gzip', 'gzip'],
    ['br;q=0.5, gzip;q=0.8', 'gzip'],
    ['gzip;q=0.8, br;q=0.8', 'br'],
    ['br;q=0, gzip;q=0', 'identity'],
    ['*', 'br'],
    ['*;q=0.5, br;q=0', 'gzip'],
    ['*;q=0', 'identity'],
    ['identity;q=1, br;q=0.5', 'identity'],
    ['identity;q=0', 'identity'],
    ['br;q=nonsense', 'br'],
    [' , ;q=1, gzip', 'gzip'],
  ])('%j → %s', (header, want) => {
    expect(pickEncoding(header)).toBe(want);
  });
});

describe('assetAnswer', () => {
  let asset: EncodedAsset;
  beforeAll(async () => {
    const identity = Buffer.from('console.log("the playground");\n'.repeat(2000));
    asset = { identity, ...(await compress(identity)), hash: hashOf(identity) };
  });

  it('sends the compressed bytes the browser accepts, of the same content, with Vary and an ETag per encoding', () => {
    const br = assetAnswer({ 'accept-encoding': 'gzip, deflate, br' }, asset);
    const gz = assetAnswer({ 'accept-encoding': 'gzip' }, asset);
    const plain = assetAnswer({}, asset);
    expect([br.headers['Content-Encoding'], gz.headers['Content-Encoding'], plain.headers['Content-Encoding']]).toEqual(['br', 'gzip', undefined]);
    expect(brotliDecompressSync(br.body)).toEqual(asset.identity);
    expect(gunzipSync(gz.body)).toEqual(asset.identity);
    expect(plain.body).toBe(asset.identity);
    expect(br.body.length).toBeLessThan(asset.identity.length / 10);
    for (const a of [br, gz, plain]) expect(a.headers).toMatchObject({ Vary: 'Accept-Encoding', 'Cache-Control': 'no-cache' });
    expect(new Set([br.headers.ETag, gz.headers.ETag, plain.headers.ETag]).size).toBe(3);
  });

  it("answers 304 to the browser's own current copy, and the whole asset to another encoding's ETag or an old one", () => {
    const first = assetAnswer({ 'accept-encoding': 'br' }, asset);
    const again = assetAnswer({ 'accept-encoding': 'br', 'if-none-match': `"old", ${first.headers.ETag!}` }, asset);
    expect([again.status, again.body.length, again.headers.ETag]).toEqual([304, 0, first.headers.ETag]);
    expect(assetAnswer({ 'accept-encoding': 'br', 'if-none-match': `W/${first.headers.ETag!}` }, asset).status).toBe(304);
    expect(assetAnswer({ 'accept-encoding': 'gzip', 'if-none-match': first.headers.ETag }, asset).status).toBe(200);
    expect(assetAnswer({ 'accept-encoding': 'br', 'if-none-match': '"0000"' }, asset).status).toBe(200);
  });
});

describe("the playground server's bundle", () => {
  it('goes out compressed by the real server: far fewer bytes on the wire, the same script once decoded', async () => {
    // the real assets and server, with nothing behind them (no engine, no Slack): only GETs of the bundle
    const { createPlayground } = await import('../../src/playground');
    const { captureLogs } = await import('../support/capture-logs');
    const p = createPlayground({
      config: { port: 0, host: '127.0.0.1', adminView: false, secret: Buffer.from('x'.repeat(40)), previewMaxSeconds: 600 },
      sessionMs: 60_000,
      terminals: { open: async () => Promise.reject(new Error('unused')), touch: async () => undefined },
      mark: '\x1b]6973;end\x07',
      lessons: { step: async () => undefined, check: async () => [], hint: async () => [], commandEnded: async () => undefined },
      log: captureLogs().log,
    });
    await p.start();
    try {
      const get = (headers: Record<string, string>) =>
        new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
          const { port } = new URL(p.publicUrl.origin);
          http
            .get({ host: '127.0.0.1', port: Number(port), path: '/assets/playground.js', headers, agent: false }, (res) => {
              const chunks: Buffer[] = [];
              res.on('data', (c: Buffer) => chunks.push(c));
              res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
            })
            .on('error', (e) => reject(new Error(`GET with ${JSON.stringify(headers)}: ${String(e)}`)));
        });
      const plain = await get({});
      const br = await get({ 'Accept-Encoding': 'gzip, deflate, br' });
      const gz = await get({ 'Accept-Encoding': 'gzip' });
      expect([plain.headers['content-encoding'], br.headers['content-encoding'], gz.headers['content-encoding']]).toEqual([undefined, 'br', 'gzip']);
      expect(brotliDecompressSync(br.body)).toEqual(plain.body);
      expect(gunzipSync(gz.body)).toEqual(plain.body);
      expect(Number(br.headers['content-length'])).toBe(br.body.length);
      expect(br.body.length).toBeLessThan(plain.body.length / 3);
      expect(br.headers.vary).toBe('Accept-Encoding');
      // the page's own security headers stay on it
      expect(br.headers['content-security-policy']).toMatch(/script-src 'self'/);
      const revalidated = await get({ 'Accept-Encoding': 'gzip, deflate, br', 'If-None-Match': String(br.headers.etag) });
      expect([revalidated.status, revalidated.body.length]).toEqual([304, 0]);
    } finally {
      await p.stop();
    }
  });
});

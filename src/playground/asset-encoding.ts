import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';

export type Encoding = 'br' | 'gzip' | 'identity';
const COMPRESSED = ['br', 'gzip'] as const;

/** A static asset in each form it is served in: compressed once (at build, or at start), never per request. */
export interface EncodedAsset {
  identity: Buffer;
  br: Buffer;
  gzip: Buffer;
  /** sha256 of the uncompressed bytes (each encoding's ETag is made from it). */
  hash: string;
}

const brotli = promisify(brotliCompress);
const gz = promisify(gzip);

export const hashOf = (body: Buffer) => createHash('sha256').update(body).digest('hex');

/**
 * Compresses in zlib's thread pool (the event loop stays free). Brotli quality 10, not 11: on this bundle 11 is
 * about ten times slower for under 2% fewer bytes.
 */
export async function compress(body: Buffer): Promise<Pick<EncodedAsset, 'br' | 'gzip'>> {
  const [br, gzipped] = await Promise.all([
    brotli(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 10, [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT, [constants.BROTLI_PARAM_SIZE_HINT]: body.length } }),
    gz(body, { level: 9 }),
  ]);
  return { br, gzip: gzipped };
}

/**
 * The content coding for an `Accept-Encoding` (RFC 9110 §12.5.3): the best-rated of br and gzip (`x-gzip`
 * counts as gzip, `*` rates any not named), br first on a tie; identity when the client names neither, rates
 * both 0, or sends no header at all (a plain `curl`). Identity is sent even where refused (`identity;q=0`): the
 * one representation every client can read.
 */
export function pickEncoding(acceptEncoding: string | undefined): Encoding {
  if (!acceptEncoding) return 'identity';
  const rated = new Map<string, number>();
  for (const part of acceptEncoding.toLowerCase().split(',')) {
    const [name = '', ...params] = part.split(';').map((s) => s.trim());
    if (!name) continue;
    const q = params.map((p) => /^q=([01](?:\.\d{0,3})?)$/.exec(p)).find(Boolean);
    rated.set(name === 'x-gzip' ? 'gzip' : name, q ? Number(q[1]) : 1);
  }
  const star = rated.get('*');
  let best: Encoding = 'identity';
  let bestQ = 0;
  for (const coding of COMPRESSED) {
    const q = rated.get(coding) ?? star ?? 0;
    if (q > bestQ) [best, bestQ] = [coding, q];
  }
  if (best === 'identity') return best;
  // an identity rated above every compression the client takes (rare: a debugging client) wins
  const identityQ = rated.get('identity') ?? 0;
  return identityQ > bestQ ? 'identity' : best;
}

const etagOf = (asset: EncodedAsset, e: Encoding) => `"${asset.hash.slice(0, 32)}${e === 'identity' ? '' : `-${e}`}"`;

/**
 * The answer to a GET of the asset: the encoding the client prefers, `Vary: Accept-Encoding` (a shared cache must
 * not hand brotli to a client that cannot read it), an ETag per encoding, and 304 when the browser's copy is
 * current. `no-cache`: the browser keeps its copy but asks each time (the asset's URL is not versioned, so a new
 * bundle must be seen at once; the 304 costs a few hundred bytes).
 */
export function assetAnswer(headers: IncomingHttpHeaders, asset: EncodedAsset): { status: 200 | 304; headers: Record<string, string>; body: Buffer } {
  const encoding = pickEncoding(headers['accept-encoding']);
  const etag = etagOf(asset, encoding);
  const out: Record<string, string> = { Vary: 'Accept-Encoding', ETag: etag, 'Cache-Control': 'no-cache' };
  if (encoding !== 'identity') out['Content-Encoding'] = encoding;
  const match = headers['if-none-match'];
  if (match && (match.trim() === '*' || match.split(',').some((t) => t.trim().replace(/^W\//, '') === etag))) return { status: 304, headers: out, body: Buffer.alloc(0) };
  return { status: 200, headers: out, body: asset[encoding] };
}

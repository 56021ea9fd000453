import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../project-root';
import { compress, hashOf, type EncodedAsset } from './asset-encoding';

/** Where the bundled page lives: built by `npm run build` (and shipped in dist/), or on first use from the sources. */
export const ASSET_DIR = path.join(PROJECT_ROOT, 'dist', 'playground');
const SOURCE_DIR = path.join(PROJECT_ROOT, 'src', 'playground', 'browser');
const STAMP = 'sources.sha256';

const NAMES = ['playground.js', 'playground.css'] as const;

export interface BrowserAssets {
  'playground.js': EncodedAsset;
  'playground.css': EncodedAsset;
}

/** What the bundle is made from: the page's sources and the exact xterm.js and CodeMirror versions. */
function sourcesHash(): string {
  const h = createHash('sha256');
  for (const f of fs.readdirSync(SOURCE_DIR).sort()) h.update(f).update(fs.readFileSync(path.join(SOURCE_DIR, f)));
  for (const pkg of ['@xterm/xterm', '@xterm/addon-fit', 'codemirror', '@codemirror/view', '@codemirror/state', '@codemirror/language', '@codemirror/legacy-modes', '@codemirror/theme-one-dark']) h.update(fs.readFileSync(path.join(PROJECT_ROOT, 'node_modules', pkg, 'package.json')));
  return h.digest('hex');
}

/**
 * Bundles xterm.js and the page into ASSET_DIR with esbuild (no CDN at run time), unless a bundle of the same
 * sources is there. Without the sources (the production image ships only dist/), the built bundle is used as is.
 */
export async function buildBrowserAssets(opts: { force?: boolean } = {}): Promise<string> {
  const out = path.join(ASSET_DIR, 'playground.js');
  if (!fs.existsSync(SOURCE_DIR)) {
    if (fs.existsSync(out)) return ASSET_DIR;
    throw new Error(`the playground page is not built (${path.relative(PROJECT_ROOT, out)} is missing): run npm run build`);
  }
  const hash = sourcesHash();
  const stampFile = path.join(ASSET_DIR, STAMP);
  if (!opts.force && fs.existsSync(out) && fs.existsSync(stampFile) && fs.readFileSync(stampFile, 'utf8') === hash) return ASSET_DIR;
  // esbuild comes with the build tools (tsx); a production install without it uses the bundle npm run build made
  const esbuild = await import('esbuild');
  fs.mkdirSync(ASSET_DIR, { recursive: true });
  await esbuild.build({
    entryPoints: { playground: path.join(SOURCE_DIR, 'playground.ts') },
    bundle: true,
    minify: true,
    format: 'iife',
    target: 'es2020',
    outdir: ASSET_DIR,
    logLevel: 'silent',
    legalComments: 'none',
  });
  // compressed once here, beside the bundle: a start then only reads them
  for (const name of NAMES) {
    const identity = fs.readFileSync(path.join(ASSET_DIR, name));
    writeEncoded(ASSET_DIR, name, { identity, ...(await compress(identity)), hash: hashOf(identity) });
  }
  fs.writeFileSync(stampFile, hash);
  return ASSET_DIR;
}

export async function loadBrowserAssets(): Promise<BrowserAssets> {
  const dir = await buildBrowserAssets();
  const [js, css] = await Promise.all(NAMES.map((name) => loadEncoded(dir, name)));
  return { 'playground.js': js!, 'playground.css': css! };
}

/** The bundle's file and its compressed copies of the same bytes; compressed now when they are missing or stale. */
async function loadEncoded(dir: string, name: string): Promise<EncodedAsset> {
  const identity = fs.readFileSync(path.join(dir, name));
  const hash = hashOf(identity);
  const read = (suffix: string) => (fs.existsSync(path.join(dir, `${name}${suffix}`)) ? fs.readFileSync(path.join(dir, `${name}${suffix}`)) : undefined);
  const [br, gzip] = [read('.br'), read('.gz')];
  if (br && gzip && read('.sha256')?.toString() === hash) return { identity, br, gzip, hash };
  const made = { identity, ...(await compress(identity)), hash };
  writeEncoded(dir, name, made);
  return made;
}

/** Kept beside the bundle for the next start where the folder is writable (a read-only image compresses each start). */
function writeEncoded(dir: string, name: string, asset: EncodedAsset): void {
  // each file whole or not at all (renamed into place), the digest last: a start beside this one never reads half
  const put = (file: string, data: Buffer | string) => {
    const tmp = path.join(dir, `.${file}.${process.pid}.tmp`);
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, path.join(dir, file));
  };
  try {
    put(`${name}.br`, asset.br);
    put(`${name}.gz`, asset.gzip);
    put(`${name}.sha256`, asset.hash);
  } catch {
    // read-only: compressed again at the next start (about a second, off the event loop)
  }
}

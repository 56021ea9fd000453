import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../project-root';

/** Where the bundled page lives: built by `npm run build` (and shipped in dist/), or on first use from the sources. */
export const ASSET_DIR = path.join(PROJECT_ROOT, 'dist', 'playground');
const SOURCE_DIR = path.join(PROJECT_ROOT, 'src', 'playground', 'browser');
const STAMP = 'sources.sha256';

export interface BrowserAssets {
  'playground.js': Buffer;
  'playground.css': Buffer;
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
  fs.writeFileSync(stampFile, hash);
  return ASSET_DIR;
}

export async function loadBrowserAssets(): Promise<BrowserAssets> {
  const dir = await buildBrowserAssets();
  return { 'playground.js': fs.readFileSync(path.join(dir, 'playground.js')), 'playground.css': fs.readFileSync(path.join(dir, 'playground.css')) };
}

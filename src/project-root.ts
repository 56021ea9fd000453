import fs from 'node:fs';
import path from 'node:path';

/**
 * The folder holding the project's package.json (and lessons/, images/, prisma/, scripts/). Found by
 * walking up, so the same code works from `src/` under tsx and from `dist/src/` after `npm run build`.
 */
export function findProjectRoot(from: string = __dirname): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg) && (JSON.parse(fs.readFileSync(pkg, 'utf8')) as { name?: string }).name === 'dockhand') return dir;
    if (path.dirname(dir) === dir) throw new Error(`no dockhand package.json above ${from}`);
  }
}

export const PROJECT_ROOT = findProjectRoot();

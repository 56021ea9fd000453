import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../project-root';

export interface BuildInfo {
  version: string;
  commit: string;
}

/**
 * What `dockhand_build_info` reports: the version from package.json, the commit from DOCKHAND_COMMIT (set at
 * image build time: scripts/build-image.sh passes `git rev-parse --short HEAD` as a build argument), else
 * `unknown` (a checkout run with `npm start`, an image built without it).
 */
export function readBuildInfo(env: Record<string, string | undefined> = process.env, root: string = PROJECT_ROOT): BuildInfo {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version?: string };
  const commit = env.DOCKHAND_COMMIT?.trim();
  return { version: pkg.version ?? 'unknown', commit: commit && /^[0-9a-f]{4,40}$/i.test(commit) ? commit.toLowerCase() : 'unknown' };
}

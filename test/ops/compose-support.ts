import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { LESSON_IMAGES } from '../../src/images/images';
import { run } from './ops-helpers';

/** What both compose tests share: the offline `db` image. */

// The compose `db`: the offline lesson mirror's postgres image (Debian's postgresql, the official image's
// variables), unless DOCKHAND_POSTGRES_IMAGE names another (online: postgres:17-bookworm).
export const POSTGRES_IMAGE = process.env.DOCKHAND_POSTGRES_IMAGE || LESSON_IMAGES.find((l) => l.id === 'postgres')?.localImage;

/**
 * compose.yaml gives the db its password as POSTGRES_PASSWORD_FILE, which the official image reads and the lesson
 * stand-in does not: the test runs the stand-in behind a three-line entrypoint doing what the official one does.
 */
export async function postgresWithFileSecrets(base: string, dir: string, tag: string): Promise<string> {
  mkdirSync(dir);
  writeFileSync(
    path.join(dir, 'file-env.sh'),
    '#!/bin/bash\nset -e\nif [ -n "${POSTGRES_PASSWORD_FILE:-}" ]; then POSTGRES_PASSWORD=$(<"$POSTGRES_PASSWORD_FILE"); export POSTGRES_PASSWORD; unset POSTGRES_PASSWORD_FILE; fi\nexec docker-entrypoint.sh "$@"\n',
    { mode: 0o755 },
  );
  writeFileSync(path.join(dir, 'Dockerfile'), `FROM ${base}\nCOPY file-env.sh /usr/local/bin/\nENTRYPOINT ["file-env.sh"]\nCMD ["postgres"]\n`);
  const r = await run('docker', ['build', '-q', '--label', 'dockhand.test=compose', '-t', tag, dir], { timeoutMs: 300_000 });
  if (r.code !== 0) throw new Error(`building ${tag} failed:\n${r.output}`);
  return tag;
}

import { statSync } from 'node:fs';
import path from 'node:path';

/** Mode bits of a folder, or undefined when it cannot be read; injectable for tests. */
export type ModeOf = (dir: string) => number | undefined;

const realMode: ModeOf = (dir) => {
  try {
    return statSync(dir).mode;
  } catch {
    return undefined;
  }
};

/**
 * As root, the embedded PostgreSQL runs as the unprivileged user `postgres`, which needs search permission
 * (o+x) on every folder above its binaries and its data. A checkout in a private folder (`mktemp -d` makes
 * 0700 folders) fails deep inside initdb with a message that names neither; this names the folder instead.
 */
export function foldersPostgresCannotReach(targets: string[], modeOf: ModeOf = realMode): string[] {
  const blocked = new Set<string>();
  for (const target of targets) {
    for (let dir = path.dirname(path.resolve(target)); ; dir = path.dirname(dir)) {
      const mode = modeOf(dir);
      if (mode !== undefined && (mode & 0o001) === 0) blocked.add(dir);
      if (dir === path.dirname(dir)) break;
    }
  }
  return [...blocked].sort();
}

/** One line for the operator, or undefined when the embedded PostgreSQL can reach everything it needs. */
export function postgresReachProblem(targets: string[], isRoot: boolean, modeOf: ModeOf = realMode): string | undefined {
  if (!isRoot) return undefined;
  const blocked = foldersPostgresCannotReach(targets, modeOf);
  if (!blocked.length) return undefined;
  return (
    `The embedded PostgreSQL runs as user "postgres" when started as root, and that user cannot enter ${blocked.join(', ')} ` +
    `(no search permission for others). Run \`chmod o+x ${blocked.join(' ')}\`, start as a non-root user, or set DATABASE_URL.`
  );
}

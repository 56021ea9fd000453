import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseEnv } from 'node:util';
import { ConfigError } from './config';

export type Env = Record<string, string | undefined>;

/**
 * The environment with a `.env` file under it: `DOCKHAND_ENV_FILE` names the file, else `.env` in `cwd` is used
 * when present. Variables already in the environment win (as with `docker compose` and Node's `--env-file`), so
 * an operator's `FOO=x npm start` always beats the file. Parsing is Node's own (`util.parseEnv`).
 */
export function withEnvFile(env: Env, cwd: string): { env: Env; file?: string } {
  const named = env.DOCKHAND_ENV_FILE?.trim();
  const file = named ? path.resolve(cwd, named) : path.join(cwd, '.env');
  let text: string;
  try {
    if (!statSync(file).isFile()) throw new ConfigError([`DOCKHAND_ENV_FILE: ${file} is not a file`]);
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !named) return { env };
    throw new ConfigError([`${named ? 'DOCKHAND_ENV_FILE' : '.env'}: cannot read ${file} (${code ?? String(err)})`]);
  }
  const fromFile = parseEnv(text);
  const merged: Env = { ...fromFile };
  for (const [k, v] of Object.entries(env)) if (v !== undefined) merged[k] = v;
  return { env: merged, file };
}

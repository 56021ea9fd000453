import { readFileSync } from 'node:fs';

type Env = Record<string, string | undefined>;

/**
 * Every variable holding a secret. Each may instead be given as `NAME_FILE=/run/secrets/name` (Docker and
 * Compose secrets, Kubernetes secret volumes), so the value never shows in `docker inspect` or the process
 * environment of anything the bot starts.
 */
export const SECRET_VARIABLES = [
  'SLACK_BOT_TOKEN',
  'SLACK_APP_TOKEN',
  'SLACK_SIGNING_SECRET',
  'SLACK_CLIENT_SECRET',
  'SLACK_STATE_SECRET',
  'SLACK_TOKEN_KEY',
  'DATABASE_URL',
  'DATABASE_PASSWORD',
  'MIRROR_UPSTREAM_PASSWORD',
  'PLAYGROUND_SECRET',
] as const;

export interface SecretFiles {
  /** The environment with each `NAME_FILE` read into `NAME` (and DATABASE_PASSWORD folded into DATABASE_URL). */
  env: Env;
  /** NAME -> the NAME_FILE it was read from (or that was empty), so a problem can say where the value came from. */
  fromFile: Map<string, string>;
  /** One line per problem; never a secret's content. */
  problems: string[];
}

const given = (v: string | undefined) => v !== undefined && v.trim() !== '';

export function readSecretFiles(input: Env, read: (path: string) => string = (p) => readFileSync(p, 'utf8')): SecretFiles {
  const env: Env = { ...input };
  const fromFile = new Map<string, string>();
  const problems: string[] = [];
  for (const name of SECRET_VARIABLES) {
    const fileVar = `${name}_FILE`;
    const file = input[fileVar]?.trim();
    if (!file) continue;
    let text: string;
    try {
      text = read(file);
    } catch (err) {
      // the error's code only: its message could quote the file, and nothing here may echo a secret
      problems.push(`${fileVar}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'unreadable'})`);
      continue;
    }
    // `echo secret > file` and editors end the file with a newline that is not part of the secret
    const value = text.replace(/[\r\n]+$/, '');
    // An empty file is an unused secret: compose.yaml mounts one file per secret whatever the Slack mode, and
    // an .env from before the files keeps working beside them.
    if (value.trim() === '') {
      if (!given(input[name])) fromFile.set(name, `${fileVar}, an empty file`);
      continue;
    }
    if (given(input[name])) {
      problems.push(`${name} and ${fileVar}: both set; keep one (${fileVar} names a file holding the value)`);
      continue;
    }
    env[name] = value;
    fromFile.set(name, fileVar);
  }
  if (!problems.length) withDatabasePassword(env, fromFile, problems);
  return { env, fromFile, problems };
}

/**
 * DATABASE_PASSWORD (or its _FILE) goes into DATABASE_URL's password: the URL itself is no secret then, and
 * one secret file can serve both the database container (POSTGRES_PASSWORD_FILE) and the bot.
 */
function withDatabasePassword(env: Env, fromFile: Map<string, string>, problems: string[]): void {
  const password = env.DATABASE_PASSWORD;
  if (!given(password)) return;
  const label = fromFile.get('DATABASE_PASSWORD') ?? 'DATABASE_PASSWORD';
  let url: URL;
  try {
    url = new URL(env.DATABASE_URL!.trim());
  } catch {
    problems.push(`${label}: needs DATABASE_URL (a PostgreSQL URL without a password, e.g. postgresql://dockhand@db:5432/dockhand)`);
    return;
  }
  if (url.password) {
    problems.push(`${label}: DATABASE_URL already holds a password; keep one of them`);
    return;
  }
  url.password = encodeURIComponent(password!);
  env.DATABASE_URL = url.toString();
  if (fromFile.has('DATABASE_PASSWORD')) fromFile.set('DATABASE_URL', fromFile.get('DATABASE_PASSWORD')!);
}

/** `NAME: problem` becomes `NAME (read from NAME_FILE): problem` for a value that came from a file. */
export function labelSecretProblem(problem: string, fromFile: Map<string, string>): string {
  const name = /^([A-Z_]+):/.exec(problem)?.[1];
  const fileVar = name ? fromFile.get(name) : undefined;
  return fileVar ? `${name} (read from ${fileVar})${problem.slice(name!.length)}` : problem;
}

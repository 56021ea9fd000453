import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readConfig } from '../../src/config';
import { readSecretFiles, SECRET_VARIABLES } from '../../src/config/secret-files';
import { problemsOf } from './config-problems';

const SIGNING = 'abcdef0123456789abcdef0123456789';
const OAUTH = {
  SLACK_CLIENT_ID: '1234567890.1234567890',
  SLACK_CLIENT_SECRET: '0123456789abcdef0123456789abcdef',
  SLACK_STATE_SECRET: 'a-state-secret-of-enough-length',
  SLACK_TOKEN_KEY: Buffer.alloc(32, 7).toString('base64'),
  SLACK_APP_TOKEN: 'xapp-1-abc',
};

describe('secrets from files (NAME_FILE)', () => {
  let dir: string;
  const secret = (name: string, content: string) => {
    const file = path.join(dir, name);
    writeFileSync(file, content, { mode: 0o600 });
    return file;
  };
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'dockhand-secrets-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads each Slack secret from its file, without the trailing newline', () => {
    const c = readConfig({
      SLACK_BOT_TOKEN_FILE: secret('bot', 'xoxb-from-file\n'),
      SLACK_SIGNING_SECRET_FILE: secret('signing', `${SIGNING}\r\n`),
    });
    expect(c.mode).toBe('http');
    expect(c.slack).toMatchObject({ botToken: 'xoxb-from-file', signingSecret: SIGNING });
    expect(readConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN_FILE: secret('app', 'xapp-from-file') }).slack.appToken).toBe('xapp-from-file');
  });

  it('reads the multi-workspace secrets and the token key from files', () => {
    const c = readConfig({
      ...OAUTH,
      SLACK_CLIENT_SECRET: '',
      SLACK_STATE_SECRET: '',
      SLACK_TOKEN_KEY: '',
      SLACK_CLIENT_SECRET_FILE: secret('client', `${OAUTH.SLACK_CLIENT_SECRET}\n`),
      SLACK_STATE_SECRET_FILE: secret('state', OAUTH.SLACK_STATE_SECRET),
      SLACK_TOKEN_KEY_FILE: secret('key', `${OAUTH.SLACK_TOKEN_KEY}\n`),
    });
    expect(c.oauth).toMatchObject({ clientSecret: OAUTH.SLACK_CLIENT_SECRET, stateSecret: OAUTH.SLACK_STATE_SECRET });
    expect(c.oauth!.tokenKey.equals(Buffer.alloc(32, 7))).toBe(true);
  });

  it('reads DATABASE_URL from a file, or only its password (DATABASE_PASSWORD[_FILE]) into the URL', () => {
    expect(readConfig({ DATABASE_URL_FILE: secret('url', 'postgresql://u:p@db:5432/d\n') }).databaseUrl).toBe('postgresql://u:p@db:5432/d');
    const c = readConfig({ DATABASE_URL: 'postgresql://dockhand@db:5432/dockhand', DATABASE_PASSWORD_FILE: secret('pw', 'p@ss/w:rd#1\n') });
    expect(c.databaseUrl).toBe('postgresql://dockhand:p%40ss%2Fw%3Ard%231@db:5432/dockhand');
    expect(decodeURIComponent(new URL(c.databaseUrl!).password)).toBe('p@ss/w:rd#1');
    expect(readConfig({ DATABASE_URL: 'postgresql://dockhand@db/dockhand', DATABASE_PASSWORD: 'plain' }).databaseUrl).toBe('postgresql://dockhand:plain@db/dockhand');
  });

  it('refuses a variable set both ways, naming both', () => {
    expect(problemsOf({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_BOT_TOKEN_FILE: secret('bot', 'xoxb-2'), SLACK_APP_TOKEN: 'xapp-1' })).toEqual([
      'SLACK_BOT_TOKEN and SLACK_BOT_TOKEN_FILE: both set; keep one (SLACK_BOT_TOKEN_FILE names a file holding the value)',
    ]);
  });

  it('treats an empty NAME (an .env copied from .env.example) as unset beside NAME_FILE', () => {
    expect(readConfig({ SLACK_BOT_TOKEN: '', SLACK_APP_TOKEN: ' ', SLACK_BOT_TOKEN_FILE: secret('bot', 'xoxb-f'), SLACK_APP_TOKEN_FILE: secret('app', 'xapp-f') }).slack).toMatchObject({
      botToken: 'xoxb-f',
      appToken: 'xapp-f',
    });
    expect(readConfig({ SLACK_BOT_TOKEN_FILE: '' }).mode).toBe('local');
  });

  it('names the variable and path of a file it cannot read, never its content', () => {
    const missing = path.join(dir, 'nope');
    expect(problemsOf({ SLACK_BOT_TOKEN_FILE: missing })).toEqual([`SLACK_BOT_TOKEN_FILE: cannot read ${missing} (ENOENT)`]);
    const folder = path.join(dir, 'folder');
    mkdirSync(folder);
    expect(problemsOf({ SLACK_SIGNING_SECRET_FILE: folder })).toEqual([`SLACK_SIGNING_SECRET_FILE: cannot read ${folder} (EISDIR)`]);
  });

  it('an unreadable file (permissions) is a config error naming its code, not the error text', () => {
    // injected: root (CI) reads any file whatever its mode; the error's message may quote the file, so only its code is shown
    const denied = () => {
      throw Object.assign(new Error('EACCES: permission denied, open xoxb-secret-content'), { code: 'EACCES' });
    };
    const { problems } = readSecretFiles({ SLACK_BOT_TOKEN_FILE: '/run/secrets/bot' }, denied);
    expect(problems).toEqual(['SLACK_BOT_TOKEN_FILE: cannot read /run/secrets/bot (EACCES)']);
  });

  it('an empty file is an unused secret: the variable stays unset, or keeps its value from the environment', () => {
    const blank = secret('blank', '\n');
    expect(readConfig({ SLACK_BOT_TOKEN_FILE: blank, SLACK_APP_TOKEN_FILE: blank, SLACK_SIGNING_SECRET_FILE: blank }).mode).toBe('local');
    // an .env from before the secret files, beside compose.yaml's empty ones
    expect(readConfig({ SLACK_BOT_TOKEN: 'xoxb-env', SLACK_BOT_TOKEN_FILE: blank, SLACK_APP_TOKEN: 'xapp-env', SLACK_APP_TOKEN_FILE: blank }).slack.botToken).toBe('xoxb-env');
    // a secret the mode needs, left empty, is named with its file
    expect(problemsOf({ SLACK_BOT_TOKEN_FILE: blank, SLACK_APP_TOKEN_FILE: secret('app', 'xapp-1') })).toEqual([
      'SLACK_BOT_TOKEN (read from SLACK_BOT_TOKEN_FILE, an empty file): missing; expected a bot token starting with "xoxb-" when SLACK_APP_TOKEN or SLACK_SIGNING_SECRET is set',
    ]);
  });

  it('a bad value read from a file is reported against the file variable, without the value', () => {
    const problems = problemsOf({ SLACK_BOT_TOKEN_FILE: secret('bot', 'not-a-token-SECRET\n'), SLACK_APP_TOKEN: 'xapp-1' });
    expect(problems).toEqual(['SLACK_BOT_TOKEN (read from SLACK_BOT_TOKEN_FILE): expected a bot token starting with "xoxb-"']);
    expect(problems.join('\n')).not.toContain('SECRET');
  });

  it('refuses DATABASE_PASSWORD without DATABASE_URL, or beside a URL that has a password', () => {
    expect(problemsOf({ DATABASE_PASSWORD: 'x' })).toEqual([
      'DATABASE_PASSWORD: needs DATABASE_URL (a PostgreSQL URL without a password, e.g. postgresql://dockhand@db:5432/dockhand)',
    ]);
    expect(problemsOf({ DATABASE_URL: 'postgresql://u:p@db/d', DATABASE_PASSWORD_FILE: secret('pw', 'x') })).toEqual([
      'DATABASE_PASSWORD_FILE: DATABASE_URL already holds a password; keep one of them',
    ]);
  });

  it('covers every variable that holds a secret', () => {
    expect([...SECRET_VARIABLES].sort()).toEqual(
      ['DATABASE_PASSWORD', 'DATABASE_URL', 'SLACK_APP_TOKEN', 'SLACK_BOT_TOKEN', 'SLACK_CLIENT_SECRET', 'SLACK_SIGNING_SECRET', 'SLACK_STATE_SECRET', 'SLACK_TOKEN_KEY', 'MIRROR_UPSTREAM_PASSWORD', 'PLAYGROUND_SECRET'].sort(),
    );
  });
});

import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, readConfig } from '../../src/config';
import { withEnvFile } from '../../src/config';

describe('withEnvFile: a .env file under the environment', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'dockhand-envfile-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('without a .env file, the environment is used as it is', () => {
    const env = { LOG_LEVEL: 'debug' };
    expect(withEnvFile(env, dir)).toEqual({ env });
  });

  it("reads .env from the working folder (comments, quotes, export-free lines); the environment wins where both set a variable", () => {
    writeFileSync(path.join(dir, '.env'), '# Slack\nSLACK_BOT_TOKEN=xoxb-from-file\nSLACK_APP_TOKEN=xapp-1-from-file\nCOMMANDS_PER_MINUTE="12"\nLOG_LEVEL=error\n');
    const { env, file } = withEnvFile({ LOG_LEVEL: 'debug', UNSET: undefined }, dir);
    expect(file).toBe(path.join(dir, '.env'));
    expect(env).toMatchObject({ SLACK_BOT_TOKEN: 'xoxb-from-file', COMMANDS_PER_MINUTE: '12', LOG_LEVEL: 'debug' });
    // and readConfig sees the file's values like any other
    const config = readConfig(env);
    expect(config.mode).toBe('socket');
    expect(config.sandbox.commandsPerMinute).toBe(12);
  });

  it('DOCKHAND_ENV_FILE names another file, relative to the working folder', () => {
    mkdirSync(path.join(dir, 'conf'));
    writeFileSync(path.join(dir, 'conf', 'prod.env'), 'COMMANDS_PER_MINUTE=7\n');
    writeFileSync(path.join(dir, '.env'), 'COMMANDS_PER_MINUTE=99\n');
    expect(withEnvFile({ DOCKHAND_ENV_FILE: 'conf/prod.env' }, dir).env.COMMANDS_PER_MINUTE).toBe('7');
  });

  it('a DOCKHAND_ENV_FILE that is missing or a folder is a configuration error naming it', () => {
    expect(() => withEnvFile({ DOCKHAND_ENV_FILE: 'nope.env' }, dir)).toThrow(ConfigError);
    expect(() => withEnvFile({ DOCKHAND_ENV_FILE: 'nope.env' }, dir)).toThrow(/DOCKHAND_ENV_FILE: cannot read .*nope\.env \(ENOENT\)/);
    expect(() => withEnvFile({ DOCKHAND_ENV_FILE: '.' }, dir)).toThrow(/is not a file/);
  });
});

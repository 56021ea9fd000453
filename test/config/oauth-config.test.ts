import { randomBytes } from 'node:crypto';
import { parseTokenKey, readConfig } from '../../src/config';
import { problemsOf } from './config-problems';


const OAUTH = {
  SLACK_CLIENT_ID: '1111111111.2222222222',
  SLACK_CLIENT_SECRET: 'a1b2c3d4e5f60718293a4b5c6d7e8f90',
  SLACK_STATE_SECRET: 'a-long-random-state-secret',
  SLACK_TOKEN_KEY: randomBytes(32).toString('base64'),
};

describe('multi-workspace (OAuth) configuration', () => {
  it('turns installs on with the four variables and an app token or signing secret, without SLACK_BOT_TOKEN', () => {
    const socket = readConfig({ ...OAUTH, SLACK_APP_TOKEN: 'xapp-1-abc', SLACK_INSTALL_PORT: '3100', SLACK_REDIRECT_URI: 'https://bot.example.com/slack/oauth_redirect' });
    expect(socket.mode).toBe('socket');
    expect(socket.slack.botToken).toBeUndefined();
    expect(socket.oauth).toMatchObject({ clientId: OAUTH.SLACK_CLIENT_ID, installPort: 3100, redirectUri: 'https://bot.example.com/slack/oauth_redirect' });
    expect(socket.oauth!.tokenKey).toHaveLength(32);
    expect(socket.oauth!.scopes).toContain('chat:write');
    const http = readConfig({ ...OAUTH, SLACK_SIGNING_SECRET: 'a1b2c3d4e5f60718293a4b5c6d7e8f90' });
    expect(http.mode).toBe('http');
    expect(http.oauth?.installPort).toBe(3000);
  });

  it('keeps single-workspace mode as it was when none of them is set', () => {
    const c = readConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1', ADMIN_USER_IDS: 'U012ABCDEF' });
    expect(c.oauth).toBeUndefined();
    expect(c.mode).toBe('socket');
    expect(c.adminUserIds).toEqual(['U012ABCDEF']);
  });

  it('names every missing or malformed variable', () => {
    expect(problemsOf({ SLACK_APP_TOKEN: 'xapp-1', SLACK_CLIENT_ID: OAUTH.SLACK_CLIENT_ID })).toEqual([
      'SLACK_CLIENT_SECRET, SLACK_STATE_SECRET, SLACK_TOKEN_KEY: missing; multi-workspace installs need all of SLACK_CLIENT_ID, SLACK_CLIENT_SECRET, SLACK_STATE_SECRET, SLACK_TOKEN_KEY',
      'SLACK_BOT_TOKEN: missing; expected a bot token starting with "xoxb-" when SLACK_APP_TOKEN or SLACK_SIGNING_SECRET is set',
    ]);
    const bad = problemsOf({ SLACK_APP_TOKEN: 'xapp-1', SLACK_CLIENT_ID: 'abc', SLACK_CLIENT_SECRET: 'zz', SLACK_STATE_SECRET: 'short', SLACK_TOKEN_KEY: 'not-a-key', SLACK_INSTALL_PORT: '99999' });
    expect(bad.map((p) => p.split(':')[0])).toEqual(['SLACK_CLIENT_ID', 'SLACK_CLIENT_SECRET', 'SLACK_STATE_SECRET', 'SLACK_TOKEN_KEY', 'SLACK_INSTALL_PORT', 'SLACK_BOT_TOKEN']);
  });

  it('refuses a bot token next to the OAuth settings, and OAuth without a way to receive events', () => {
    expect(problemsOf({ ...OAUTH, SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1' })).toEqual([expect.stringMatching(/^SLACK_BOT_TOKEN: must be unset with SLACK_CLIENT_ID/)]);
    expect(problemsOf({ ...OAUTH })).toEqual([expect.stringMatching(/^SLACK_CLIENT_ID: multi-workspace installs need SLACK_APP_TOKEN/)]);
  });

  it('needs admins as TEAM:USER with installs (a user id is unique only within its workspace)', () => {
    expect(problemsOf({ ...OAUTH, SLACK_APP_TOKEN: 'xapp-1', ADMIN_USER_IDS: 'T01TEAM:U012ABCDEF,U099OTHER' })).toEqual([
      'ADMIN_USER_IDS: with multi-workspace installs write each admin as TEAM_ID:USER_ID, got "U099OTHER"',
    ]);
    expect(readConfig({ ...OAUTH, SLACK_APP_TOKEN: 'xapp-1', ADMIN_USER_IDS: 'T01TEAM:U012ABCDEF' }).adminUserIds).toEqual(['T01TEAM:U012ABCDEF']);
  });

  it('reads the token key as 64 hex digits or base64 of 32 bytes, nothing else', () => {
    const key = randomBytes(32);
    expect(parseTokenKey(key.toString('hex'))).toEqual(key);
    expect(parseTokenKey(key.toString('base64'))).toEqual(key);
    expect(parseTokenKey(randomBytes(16).toString('base64'))).toBeUndefined();
    expect(parseTokenKey('x'.repeat(64))).toBeUndefined();
  });
});

describe('workspaces served and their share of the sandboxes', () => {
  it('ALLOWED_TEAM_IDS: unset serves any workspace; set, a list of team ids; anything else is refused', () => {
    expect(readConfig({ ...OAUTH, SLACK_APP_TOKEN: 'xapp-1-abc' }).allowedTeamIds).toBeUndefined();
    expect(readConfig({ ...OAUTH, SLACK_APP_TOKEN: 'xapp-1-abc', ALLOWED_TEAM_IDS: ' T012AB, T034CD ' }).allowedTeamIds).toEqual(['T012AB', 'T034CD']);
    expect(problemsOf({ ALLOWED_TEAM_IDS: 'T012AB,U0USER1' })).toEqual([expect.stringMatching(/^ALLOWED_TEAM_IDS: expected comma-separated Slack workspace \(team\) ids.*"U0USER1"/)]);
    expect(problemsOf({ ALLOWED_TEAM_IDS: ',' })).toEqual([expect.stringMatching(/^ALLOWED_TEAM_IDS: expected/)]);
  });

  it('SANDBOX_MAX_PER_WORKSPACE: half the cap (at least 2) with installs, no quota with one workspace, unless set', () => {
    const multi = { ...OAUTH, SLACK_APP_TOKEN: 'xapp-1-abc' };
    expect(readConfig({ ...multi, SANDBOX_MAX_COUNT: '47' }).sandbox.maxPerWorkspace).toBe(24);
    expect(readConfig({ ...multi, SANDBOX_MAX_COUNT: '3' }).sandbox.maxPerWorkspace).toBe(2);
    expect(readConfig({ ...multi, SANDBOX_MAX_COUNT: '47', SANDBOX_MAX_PER_WORKSPACE: '10' }).sandbox.maxPerWorkspace).toBe(10);
    expect(readConfig({ SANDBOX_MAX_COUNT: '47' }).sandbox.maxPerWorkspace).toBeUndefined();
    expect(problemsOf({ SANDBOX_MAX_PER_WORKSPACE: '0' })).toEqual([expect.stringMatching(/^SANDBOX_MAX_PER_WORKSPACE: expected/)]);
  });
});

import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { BOT_SCOPES } from '../../src/config';
import { START_LESSON_SHORTCUT } from '../../src/slack/team/welcome-and-shortcut';

const ROOT = path.join(__dirname, '..', '..');
type Manifest = {
  features: { slash_commands: { url?: string }[]; shortcuts?: { type: string; callback_id: string; name: string }[] };
  oauth_config: { scopes: { bot: string[] } };
  settings: { event_subscriptions: { request_url?: string; bot_events: string[] }; interactivity: { request_url?: string }; socket_mode_enabled: boolean };
};
const load = (f: string) => parse(readFileSync(path.join(ROOT, f), 'utf8')) as Manifest;
const socket = load('slack-app-manifest.yaml');
const http = load('slack-app-manifest.http.yaml');

/** The scope each Web API method the bot calls needs (Slack's method docs); methods that need none map to ''. */
const SCOPE_OF: Record<string, string> = {
  'auth.test': '',
  'apps.connections.open': '',
  'chat.postMessage': 'chat:write',
  'chat.update': 'chat:write',
  'chat.delete': 'chat:write',
  'chat.postEphemeral': 'chat:write',
  'conversations.open': 'im:write',
  'conversations.members': 'channels:read',
  'users.info': 'users:read',
  'usergroups.list': 'usergroups:read',
  'usergroups.users.list': 'usergroups:read',
  'conversations.list': 'channels:read',
  'views.open': '',
  'views.publish': '',
  'files.getUploadURLExternal': 'files:write',
  'files.completeUploadExternal': 'files:write',
  'files.uploadV2': 'files:write',
  filesUploadV2: 'files:write', // the WebClient helper over the two files.* calls above
};
/** Scopes that events, commands or posting without an invitation need, rather than a method call. */
const NOT_FROM_METHODS = { 'app_mentions:read': 'app_mention events', commands: '/tutor', 'im:history': 'message.im events', 'im:read': 'DM channel info with message.im', 'chat:write.public': 'challenge cards in public channels not joined', 'groups:read': 'private channels for conversations.list/members (report, /tutor assign)' };

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    if (statSync(p).isDirectory()) return f === 'stand-in' ? [] : sources(p);
    return p.endsWith('.ts') ? [readFileSync(p, 'utf8')] : [];
  });
}

describe('Slack app manifests', () => {
  it('Socket Mode and HTTP mode ask for the same scopes and events, and OAuth installs ask for those scopes', () => {
    expect(http.oauth_config.scopes.bot).toEqual(socket.oauth_config.scopes.bot);
    expect(http.settings.event_subscriptions.bot_events).toEqual(socket.settings.event_subscriptions.bot_events);
    expect([...BOT_SCOPES].sort()).toEqual([...socket.oauth_config.scopes.bot].sort());
    expect(socket.settings.event_subscriptions.bot_events).toEqual(expect.arrayContaining(['message.im', 'app_mention', 'app_home_opened', 'app_uninstalled', 'tokens_revoked']));
  });

  it('both declare the global shortcut the bot listens for', () => {
    for (const m of [socket, http]) expect(m.features.shortcuts).toEqual([expect.objectContaining({ type: 'global', callback_id: START_LESSON_SHORTCUT, name: 'Start a Docker lesson' })]);
  });

  it('the HTTP variant points every request URL at /slack/events and has Socket Mode off; the Socket Mode one has none', () => {
    expect(http.settings.socket_mode_enabled).toBe(false);
    for (const url of [http.settings.event_subscriptions.request_url, http.settings.interactivity.request_url, ...http.features.slash_commands.map((c) => c.url)]) {
      expect(url).toMatch(/^https:\/\/[^/]+\/slack\/events$/);
    }
    expect(socket.settings.socket_mode_enabled).toBe(true);
    expect(socket.settings.event_subscriptions.request_url).toBeUndefined();
  });

  it('every Web API method the bot calls is covered by a scope it asks for, and every scope is used', () => {
    const code = sources(path.join(ROOT, 'src')).join('\n');
    const called = new Set([...code.matchAll(/client\.((?:chat|conversations|users|usergroups|views|files|auth|apps)\.[a-zA-Z0-9.]*[a-zA-Z0-9]|filesUploadV2)\b|'((?:chat|conversations|users|usergroups|views|files)\.[a-zA-Z0-9.]+)'/g)].map((m) => m[1] ?? m[2]!));
    called.delete('chat.scheduleMessage'); // only named in rate-limit-gate's per-channel list; never called
    const unknown = [...called].filter((m) => !(m in SCOPE_OF));
    expect(unknown).toEqual([]); // a new method: add the scope it needs to SCOPE_OF (and to the manifests)
    const needed = new Set([...called].map((m) => SCOPE_OF[m]!).filter(Boolean));
    for (const s of needed) expect(socket.oauth_config.scopes.bot).toContain(s);
    const unused = socket.oauth_config.scopes.bot.filter((s) => !needed.has(s) && !(s in NOT_FROM_METHODS));
    expect(unused).toEqual([]);
  });
});

import { SlackStandIn } from '../../../src/slack/stand-in/slack-stand-in';

const APP = { clientId: '111.222', clientSecret: 'f00dfeedf00dfeed', redirectUrls: ['http://127.0.0.1:9/slack/oauth_redirect'] };

/** The stand-in's OAuth v2 wire protocol: authorize redirect, oauth.v2.access, per-workspace tokens. */
describe('stand-in workspaces and OAuth v2', () => {
  let standIn: SlackStandIn;
  let api: string;
  beforeEach(async () => {
    standIn = new SlackStandIn({ teamId: 'T0HOME', oauth: APP });
    standIn.addWorkspace('T0OTHER', 'Other');
    api = await standIn.start();
  });
  afterEach(() => standIn.stop());

  const call = async (method: string, form: Record<string, string>, token?: string) => {
    const res = await fetch(`${api}${method}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: new URLSearchParams(form), signal: AbortSignal.timeout(5000) });
    return (await res.json()) as Record<string, unknown>;
  };
  const authorize = async (query: Record<string, string>) => {
    const url = new URL(api.replace(/api\/$/, 'oauth/v2/authorize'));
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    return fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(5000) });
  };

  it('redirects to the app with a one-time code and the state, and trades the code for that workspace\'s bot token', async () => {
    const res = await authorize({ client_id: APP.clientId, scope: 'chat:write', state: 's1', team: 'T0OTHER', user: 'U0BOSS' });
    expect(res.status).toBe(302);
    const back = new URL(res.headers.get('location')!);
    expect(back.origin + back.pathname).toBe(APP.redirectUrls[0]);
    expect(back.searchParams.get('state')).toBe('s1');
    const code = back.searchParams.get('code')!;

    const wrongSecret = await call('oauth.v2.access', { client_id: APP.clientId, client_secret: 'nope', code });
    expect(wrongSecret).toEqual({ ok: false, error: 'bad_client_secret' });
    const granted = await call('oauth.v2.access', { client_id: APP.clientId, client_secret: APP.clientSecret, code });
    expect(granted).toMatchObject({ ok: true, token_type: 'bot', scope: 'chat:write', team: { id: 'T0OTHER', name: 'Other' }, authed_user: { id: 'U0BOSS' }, is_enterprise_install: false });
    expect(await call('oauth.v2.access', { client_id: APP.clientId, client_secret: APP.clientSecret, code })).toEqual({ ok: false, error: 'invalid_code' });

    const token = String(granted.access_token);
    expect(await call('auth.test', {}, token)).toMatchObject({ ok: true, team_id: 'T0OTHER', user_id: granted.bot_user_id });
    expect(await call('auth.test', {}, standIn.botToken)).toMatchObject({ ok: true, team_id: 'T0HOME' });
    expect(standIn.calls.filter((c) => c.method === 'auth.test').map((c) => c.teamId)).toEqual(['T0OTHER', 'T0HOME']);
  });

  it('refuses an unknown client, workspace or redirect URL on the authorize page', async () => {
    expect((await authorize({ client_id: '999.999', team: 'T0OTHER' })).status).toBe(400);
    expect((await authorize({ client_id: APP.clientId, team: 'T0NOPE' })).status).toBe(400);
    expect((await authorize({ client_id: APP.clientId, team: 'T0OTHER', redirect_uri: 'https://evil.example/cb' })).status).toBe(400);
  });

  it('after an uninstall the token answers token_revoked, and Slack sends app_uninstalled then tokens_revoked', async () => {
    const events: string[] = [];
    const ws = await import('ws');
    const open = await call('apps.connections.open', {}, standIn.appToken);
    const socket = new ws.WebSocket(String(open.url));
    socket.on('message', (raw) => {
      const msg = JSON.parse(String(raw)) as { envelope_id?: string; payload?: { team_id?: string; event?: { type: string } } };
      if (!msg.envelope_id) return;
      events.push(`${msg.payload?.team_id}:${msg.payload?.event?.type}`);
      socket.send(JSON.stringify({ envelope_id: msg.envelope_id }));
    });
    await standIn.waitForConnection();
    await standIn.uninstall('T0HOME');
    expect(events).toEqual(['T0HOME:app_uninstalled', 'T0HOME:tokens_revoked']);
    expect(await call('auth.test', {}, standIn.botToken)).toEqual({ ok: false, error: 'token_revoked' });
    expect(await call('auth.test', {}, 'xoxb-never-issued')).toEqual({ ok: false, error: 'invalid_auth' });
    socket.close();
  });
  it('revokes a token silently: no event is sent, that token answers token_revoked, other workspaces\' tokens still work', async () => {
    standIn.workspaces.byTeam.get('T0OTHER')!.botToken = 'xoxb-other';
    const events: string[] = [];
    const ws = await import('ws');
    const open = await call('apps.connections.open', {}, standIn.appToken);
    const socket = new ws.WebSocket(String(open.url));
    socket.on('message', (raw) => {
      const msg = JSON.parse(String(raw)) as { envelope_id?: string; payload?: { event?: { type: string } } };
      if (!msg.envelope_id) return;
      events.push(String(msg.payload?.event?.type));
      socket.send(JSON.stringify({ envelope_id: msg.envelope_id }));
    });
    await standIn.waitForConnection();
    standIn.workspaces.revoke('T0HOME');
    expect(await call('chat.postMessage', { channel: 'D0X', text: 'hi' }, standIn.botToken)).toEqual({ ok: false, error: 'token_revoked' });
    expect(await call('auth.test', {}, 'xoxb-other')).toMatchObject({ ok: true, team_id: 'T0OTHER' });
    // A round trip over the socket after the revocation: anything sent before it would have arrived by now.
    await standIn.sendDirectMessage('U0SOMEONE', 'ping');
    expect(events).toEqual(['message']);
    socket.close();
  });
});

import { webApi } from '@slack/bolt';
import type { RemovalReason } from '../../../src/slack/oauth/workspace-remover';
import { expectedSlackFailure, RevokedTokenGuard } from '../../../src/slack/oauth/revoked-token-guard';
import { AppError } from '../../../src/errors';
import { bindWorkspaceTokens, WorkspaceContext } from '../../../src/slack/oauth/workspace-context';
import { revokedTokenError } from '../../../src/slack/streaming/slack-call';
import { SlackStandIn } from '../../../src/slack/stand-in/slack-stand-in';
import { captureLogs } from '../../support/capture-logs';

describe('revokedTokenError (which Slack errors mean the token is dead)', () => {
  it.each(['token_revoked', 'invalid_auth', 'account_inactive', 'token_expired'])('%s in an answer or a WebClient error', (error) => {
    expect(revokedTokenError({ ok: false, error })).toBe(error);
    expect(revokedTokenError({ code: webApi.ErrorCode.PlatformError, data: { ok: false, error } })).toBe(error);
  });

  it('anything else is not a revocation: other errors, a missing token, success, network failures, junk', () => {
    for (const error of ['channel_not_found', 'not_in_channel', 'missing_scope', 'not_authed', 'ratelimited', 'team_access_revoked']) expect(revokedTokenError({ ok: false, error })).toBeUndefined();
    expect(revokedTokenError({ ok: true, error: 'token_revoked' })).toBeUndefined();
    expect(revokedTokenError({ code: webApi.ErrorCode.RequestError, data: { error: 'token_revoked' } })).toBeUndefined();
    for (const junk of [undefined, null, 'token_revoked', 42, { ok: false }, { ok: false, error: { nested: true } }]) expect(revokedTokenError(junk)).toBeUndefined();
  });
});

describe('expectedSlackFailure (listener failures that need no error line)', () => {
  it('finds a missing installation or a refused token under Bolt\'s and the WebClient\'s wrapping', () => {
    const notInstalled = new AppError('SLACK_NOT_INSTALLED', 'No installation for workspace T0X');
    const oauthWrap = { code: 'slack_oauth_installer_authorization_error', original: notInstalled };
    expect(expectedSlackFailure({ code: 'slack_bolt_authorization_error', original: oauthWrap })).toMatch(/no installation/);
    expect(expectedSlackFailure(notInstalled)).toMatch(/no installation/);
    const refused = { code: webApi.ErrorCode.PlatformError, data: { ok: false, error: 'account_inactive' } };
    expect(expectedSlackFailure({ code: 'slack_bolt_unknown_error', original: refused })).toMatch(/account_inactive/);
    expect(expectedSlackFailure(new Error('wrapped', { cause: refused }))).toMatch(/account_inactive/);
  });

  it('anything else is a real failure', () => {
    expect(expectedSlackFailure(new Error('boom'))).toBeUndefined();
    expect(expectedSlackFailure({ code: 'slack_bolt_authorization_error', original: new Error('database down') })).toBeUndefined();
    expect(expectedSlackFailure({ code: webApi.ErrorCode.PlatformError, data: { ok: false, error: 'channel_not_found' } })).toBeUndefined();
    expect(expectedSlackFailure(undefined)).toBeUndefined();
    const loop: { original?: unknown } = {};
    loop.original = loop;
    expect(expectedSlackFailure(loop)).toBeUndefined();
  });
});

/** The guard on real WebClients against the stand-in (Slack's answers); the remover is a recorder. */
describe('RevokedTokenGuard', () => {
  let standIn: SlackStandIn;
  let api: string;
  beforeEach(async () => {
    standIn = new SlackStandIn({ teamId: 'T0AAA', botToken: 'xoxb-aaa-secret' });
    standIn.addWorkspace('T0BBB').botToken = 'xoxb-bbb-secret';
    api = await standIn.start();
  });
  afterEach(() => standIn.stop());

  function multi() {
    const { logs, log } = captureLogs();
    const ctx = new WorkspaceContext();
    const tokens = new Map([
      ['T0AAA', 'xoxb-aaa-secret'],
      ['T0BBB', 'xoxb-bbb-secret'],
    ]);
    const removed: [string, RemovalReason][] = [];
    const guard = new RevokedTokenGuard({ log, workspaces: { context: ctx, tokenFor: async (teamId) => tokens.get(teamId) } });
    guard.stopWith({
      remove: async (teamId, reason) => {
        removed.push([teamId, reason]);
        tokens.delete(teamId);
      },
    });
    const client = new webApi.WebClient(undefined, { slackApiUrl: api, retryConfig: { retries: 0 } });
    guard.watch(client);
    guard.watch(client); // idempotent: one wrapper
    bindWorkspaceTokens(client, ctx, async (teamId) => tokens.get(teamId));
    const post = (teamId: string) => ctx.run(teamId, () => client.chat.postMessage({ channel: 'D0X', text: 'hi' }));
    return { logs, guard, tokens, removed, post, ctx };
  }

  it('stops the workspace whose token was revoked silently, once, with one warn line; the other keeps working', async () => {
    const { logs, guard, removed, post } = multi();
    standIn.workspaces.revoke('T0AAA');
    // Three calls fail at the same time (a reply, a live edit, the App Home): one removal.
    const failed = await Promise.allSettled([post('T0AAA'), post('T0AAA'), post('T0AAA')]);
    expect(failed.map((f) => f.status)).toEqual(['rejected', 'rejected', 'rejected']);
    await expect(post('T0BBB')).resolves.toMatchObject({ ok: true });
    await guard.settled();
    expect(removed).toEqual([['T0AAA', 'token_rejected']]);

    // Later calls for A (work already in flight) find no installation: nothing more happens.
    await expect(post('T0AAA')).rejects.toMatchObject({ code: 'SLACK_NOT_INSTALLED' });
    await guard.settled();
    expect(removed).toHaveLength(1);

    const warns = logs.filter((l) => l.level === 40);
    expect(warns).toHaveLength(1);
    expect(warns[0]).toMatchObject({ team: 'T0AAA', slackError: 'token_revoked' });
    expect(warns[0]!.msg).toMatch(/T0AAA.*token_revoked.*stopped/);
    expect(JSON.stringify(logs)).not.toMatch(/xoxb-/);
  });

  it('refusals arriving together while the removal still runs stop the workspace once', async () => {
    const { logs, log } = captureLogs();
    const ctx = new WorkspaceContext();
    let finish!: () => void;
    const removing = new Promise<void>((resolve) => (finish = resolve));
    const removed: string[] = [];
    const guard = new RevokedTokenGuard({ log, workspaces: { context: ctx, tokenFor: async () => (removed.length ? undefined : 'xoxb-aaa-secret') } });
    guard.stopWith({ remove: async (teamId) => void (await removing, removed.push(teamId)) });
    const all = Promise.all([1, 2, 3].map(() => guard.onRejected('token_revoked', 'T0AAA', 'xoxb-aaa-secret')));
    await new Promise((r) => setImmediate(r));
    finish();
    await all;
    expect(removed).toEqual(['T0AAA']);
    expect(logs.filter((l) => l.level === 40)).toHaveLength(1);
  });

  it('treats account_inactive the same way, and ignores errors that say nothing about the token', async () => {
    const { guard, removed, post } = multi();
    standIn.failNext('chat.postMessage', { error: 'channel_not_found' });
    await expect(post('T0AAA')).rejects.toMatchObject({ data: { error: 'channel_not_found' } });
    await guard.settled();
    expect(removed).toEqual([]);
    standIn.failNext('chat.postMessage', { error: 'account_inactive' });
    await expect(post('T0BBB')).rejects.toMatchObject({ data: { error: 'account_inactive' } });
    await guard.settled();
    expect(removed).toEqual([['T0BBB', 'token_rejected']]);
  });

  it('judges the token a request carried: an old one (installed again since) stops nothing', async () => {
    const { guard, removed, tokens, ctx } = multi();
    // A client built with a token, as Bolt gives each listener: the token is not in the request's headers.
    const perRequest = new webApi.WebClient('xoxb-aaa-secret', { slackApiUrl: api, retryConfig: { retries: 0 } });
    guard.watch(perRequest);
    const post = () => ctx.run('T0AAA', () => perRequest.chat.postMessage({ channel: 'D0X', text: 'hi' }));
    standIn.workspaces.revoke('T0AAA');
    tokens.set('T0AAA', 'xoxb-aaa-reinstalled');
    await expect(post()).rejects.toMatchObject({ data: { error: 'token_revoked' } });
    await guard.settled();
    expect(removed).toEqual([]);
    tokens.set('T0AAA', 'xoxb-aaa-secret');
    await expect(post()).rejects.toMatchObject({ data: { error: 'token_revoked' } });
    await guard.settled();
    expect(removed).toEqual([['T0AAA', 'token_rejected']]);
  });

  it('single-workspace mode: one error line saying how to fix it, however many calls fail; nothing throws beyond the call', async () => {
    const { logs, log } = captureLogs();
    const guard = new RevokedTokenGuard({ log });
    const client = new webApi.WebClient('xoxb-aaa-secret', { slackApiUrl: api, retryConfig: { retries: 0 } });
    guard.watch(client);
    standIn.workspaces.revoke('T0AAA');
    for (let i = 0; i < 3; i++) await expect(client.chat.postMessage({ channel: 'D0X', text: 'hi' })).rejects.toMatchObject({ data: { error: 'token_revoked' } });
    await guard.settled();
    const errors = logs.filter((l) => l.level >= 50);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.msg).toMatch(/token_revoked.*reinstall the app.*SLACK_BOT_TOKEN.*restart/);
    expect(JSON.stringify(logs)).not.toMatch(/xoxb-/);
  });
});

import { webApi } from '@slack/bolt';
import { RateLimitGate } from '../../../src/slack/streaming/rate-limit-gate';
import { methodLabel, observeRequests, observeWebApi, requestKind, type SlackObserver } from '../../../src/slack/app/slack-observer';
import { SlackStandIn } from '../../../src/slack/stand-in/slack-stand-in';
import { captureLogs } from '../../support/capture-logs';
import { ClockDriver, TrackedFetch, VirtualClock } from '../../support/fakes/virtual-clock';

function recorder() {
  const calls: string[] = [];
  const requests: { kind: string; lag?: number }[] = [];
  const observer: SlackObserver = {
    apiCall: (method, outcome) => calls.push(`${method} ${outcome}`),
    request: (kind, lag) => requests.push({ kind, lag }),
  };
  return { calls, requests, observer };
}

describe('observeWebApi: every Web API request counted by method and outcome', () => {
  let standIn: SlackStandIn;
  beforeEach(async () => {
    standIn = new SlackStandIn();
    await standIn.start();
  });
  afterEach(() => standIn.stop());

  it('counts successes and each 429 attempt the gate retries', async () => {
    const clock = new VirtualClock();
    const io = new TrackedFetch();
    const driver = new ClockDriver(clock, io);
    const client = new webApi.WebClient(standIn.botToken, { slackApiUrl: standIn.apiUrl, rejectRateLimitedCalls: true, retryConfig: { retries: 0 }, fetch: io.fetch as webApi.FetchFunction });
    const r = recorder();
    observeWebApi(client, r.observer); // first, so the gate wraps it (as create-slack-app installs them)
    new RateLimitGate({ log: captureLogs().log, clock }).install(client);

    await driver.run(client.chat.postMessage({ channel: 'C1', text: 'hi' }));
    standIn.failNext('chat.update', { status: 429, retryAfterSec: 2 });
    const update = client.chat.update({ channel: 'C1', ts: '1.1', text: 'edit' }).catch(() => undefined);
    await driver.settle();
    await driver.advance(2000);
    await driver.run(update);

    expect(r.calls).toEqual(['chat.postMessage ok', 'chat.update ratelimited', 'chat.update ok']);
  });

  it("counts Slack's ok:false answers as errors, and a server that does not answer as failed", async () => {
    const client = new webApi.WebClient(standIn.botToken, { slackApiUrl: standIn.apiUrl, retryConfig: { retries: 0 } });
    const r = recorder();
    observeWebApi(client, r.observer);
    standIn.failNext('views.publish', { error: 'invalid_blocks' });
    await expect(client.views.publish({ user_id: 'U1', view: { type: 'home', blocks: [] } })).rejects.toMatchObject({ data: { error: 'invalid_blocks' } });
    standIn.failNext('chat.postMessage', { status: 503 });
    await expect(client.chat.postMessage({ channel: 'C1', text: 'x' })).rejects.toMatchObject({ statusCode: 503 });
    await new Promise((resolve) => setImmediate(resolve));
    expect(r.calls).toEqual(['views.publish error', 'chat.postMessage failed']);
  });

  it('is installed once however often it is called (Bolt hands the same client to many requests)', async () => {
    const client = new webApi.WebClient(standIn.botToken, { slackApiUrl: standIn.apiUrl });
    const r = recorder();
    observeWebApi(client, r.observer);
    observeWebApi(client, r.observer);
    await client.auth.test();
    await new Promise((resolve) => setImmediate(resolve));
    expect(r.calls).toEqual(['auth.test ok']);
  });

  it('labels upload URLs as one bounded method, never by their random path', () => {
    expect(methodLabel('http://127.0.0.1:1234/api/chat.postMessage')).toBe('chat.postMessage');
    expect(methodLabel('https://files.slack.com/upload/v1/CwABAAAAXgoAAZnX')).toBe('upload');
    expect(methodLabel('http://127.0.0.1:1234/upload/F0123?x=1')).toBe('upload');
  });
});

describe('observeRequests: what came in from Slack, and how late', () => {
  it('classifies requests and measures lag from event_time or action_ts, and never blocks the request', async () => {
    const r = recorder();
    const now = () => 1_700_000_010_500;
    const mw = observeRequests(r.observer, now);
    const run = async (body: Record<string, unknown>) => {
      let nexted = false;
      await mw({ body, next: async () => void (nexted = true) } as never);
      return nexted;
    };
    expect(await run({ type: 'event_callback', event_time: 1_700_000_010, event: { type: 'message' } })).toBe(true);
    expect(await run({ type: 'block_actions', actions: [{ action_ts: '1700000008.250000' }] })).toBe(true);
    expect(await run({ command: '/tutor', text: 'help' })).toBe(true);
    expect(r.requests).toEqual([
      { kind: 'event', lag: 0.5 },
      { kind: 'action', lag: 2.25 },
      { kind: 'command', lag: undefined },
    ]);

    const throwing = observeRequests({ apiCall: () => undefined, request: () => { throw new Error('metrics broke'); } });
    let nexted = false;
    await throwing({ body: { command: '/tutor' }, next: async () => void (nexted = true) } as never);
    expect(nexted).toBe(true);
  });

  it('knows the request kinds Bolt receives', () => {
    expect(requestKind({ type: 'view_submission' })).toBe('view');
    expect(requestKind({ type: 'shortcut' })).toBe('shortcut');
    expect(requestKind({ type: 'block_suggestion' })).toBe('options');
    expect(requestKind({ type: 'url_verification' })).toBe('other');
  });
});

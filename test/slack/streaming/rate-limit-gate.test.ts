import { webApi } from '@slack/bolt';
import { RateLimitGate } from '../../../src/slack/streaming/rate-limit-gate';
import { SlackStandIn } from '../../../src/slack/stand-in/slack-stand-in';
import { captureLogs } from '../../support/capture-logs';
import { ClockDriver, TrackedFetch, VirtualClock } from '../../support/fakes/virtual-clock';

/** A WebClient as create-slack-app builds it (429s rejected, not queued), gated, on a virtual clock. */
async function setup() {
  const standIn = new SlackStandIn();
  await standIn.start();
  const clock = new VirtualClock();
  const io = new TrackedFetch();
  const driver = new ClockDriver(clock, io);
  const { log } = captureLogs();
  const client = new webApi.WebClient(standIn.botToken, { slackApiUrl: standIn.apiUrl, rejectRateLimitedCalls: true, retryConfig: { retries: 0 }, fetch: io.fetch as webApi.FetchFunction, logger: undefined });
  const gate = new RateLimitGate({ log, clock });
  gate.install(client);
  return { standIn, clock, driver, client, gate };
}

const delivered = (standIn: SlackStandIn, method: string) => standIn.callsTo(method).map((c) => String(c.args.channel ?? c.args.user_id ?? ''));

describe('RateLimitGate: a 429 pauses only what it applies to', () => {
  let t: Awaited<ReturnType<typeof setup>>;
  beforeEach(async () => {
    t = await setup();
  });
  afterEach(() => t.standIn.stop());

  it('a 429 in one channel pauses that channel, retries that request after Retry-After, and leaves other channels and methods alone', async () => {
    t.standIn.failNext('chat.postMessage', { status: 429, retryAfterSec: 30 });
    const slow = t.client.chat.postMessage({ channel: 'C0SLOW', text: 'first' });
    await t.driver.settle();
    expect(t.gate.waitFor('chat.postMessage:C0SLOW')).toBe(30_000);

    // A bystander channel and another method go at once, while C0SLOW waits.
    await t.client.chat.postMessage({ channel: 'C0OTHER', text: 'bystander' });
    await t.client.views.publish({ user_id: 'U1', view: { type: 'home', blocks: [] } });
    const queued = t.client.chat.postMessage({ channel: 'C0SLOW', text: 'second' });
    await t.driver.settle();
    expect(delivered(t.standIn, 'chat.postMessage')).toEqual(['C0OTHER']);
    expect(delivered(t.standIn, 'views.publish')).toEqual(['U1']);

    await t.driver.advance(29_999);
    expect(delivered(t.standIn, 'chat.postMessage')).toEqual(['C0OTHER']);
    await t.driver.advance(1);
    await t.driver.run(Promise.all([slow, queued]));
    expect(t.standIn.callsTo('chat.postMessage').map((c) => c.args.text)).toEqual(['bystander', 'first', 'second']);
  });

  it('a 429 on a workspace-wide method pauses that method in every channel, and nothing else', async () => {
    t.standIn.failNext('views.publish', { status: 429, retryAfterSec: 5 });
    const home = t.client.views.publish({ user_id: 'U1', view: { type: 'home', blocks: [] } });
    await t.driver.settle();
    expect(t.gate.waitFor('views.publish')).toBe(5000);
    await t.client.chat.postMessage({ channel: 'C1', text: 'x' });
    expect(delivered(t.standIn, 'views.publish')).toEqual([]);
    await t.driver.run(home);
    expect(delivered(t.standIn, 'views.publish')).toEqual(['U1']);
  });

  it('gives up on a request that would wait longer than maxWaitMs, with a rate-limited error', async () => {
    const gate = new RateLimitGate({ log: captureLogs().log, clock: t.clock, maxWaitMs: 1000 });
    let calls = 0;
    const send = async () => {
      calls += 1;
      throw Object.assign(new Error('429'), { code: webApi.ErrorCode.RateLimitedError, retryAfter: 10 });
    };
    await expect(t.driver.run(gate.call('chat.update', {}, send))).rejects.toMatchObject({ code: webApi.ErrorCode.RateLimitedError });
    expect(calls).toBe(1);
  });
});

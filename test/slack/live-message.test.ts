import { Writable } from 'node:stream';
import { webApi } from '@slack/bolt';
import { createLogger } from '../../src/logger';
import { LiveMessageStreamer, type LivePayload } from '../../src/slack/live-message';
import { SlackStandIn, type RecordedCall } from '../../src/slack/stand-in/slack-stand-in';
import { UpdateBudget } from '../../src/slack/update-budget';

/** Log lines as objects, so tests can see what the streamer reported. */
function captureLog() {
  const lines: { level: number; msg: string; [k: string]: unknown }[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString('utf8').split('\n')) if (l) lines.push(JSON.parse(l));
      cb();
    },
  });
  return { log: createLogger({ level: 'debug', pretty: false, destination }), lines };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const text = (s: string): LivePayload => ({ text: s, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: s } }] });

function updatesOf(standIn: SlackStandIn, ts: string): RecordedCall[] {
  return standIn.calls.filter((c) => c.method === 'chat.update' && c.args.ts === ts);
}
function deliveredUpdatesOf(standIn: SlackStandIn, ts: string): RecordedCall[] {
  return standIn.callsTo('chat.update').filter((c) => c.args.ts === ts);
}
function timeouts(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
}

describe('LiveMessageStreamer against the Slack stand-in', () => {
  let standIn: SlackStandIn;
  let streamer: LiveMessageStreamer | undefined;
  let logs: ReturnType<typeof captureLog>;

  async function setUp(opts: { rateLimits?: Record<string, number>; budget?: UpdateBudget; minIntervalMs?: number; finalDeadlineMs?: number } = {}) {
    standIn = new SlackStandIn({ rateLimits: opts.rateLimits });
    await standIn.start();
    logs = captureLog();
    // The caller's client keeps Slack's default retry policy: the streamer must not inherit it.
    const client = new webApi.WebClient(standIn.botToken, { slackApiUrl: standIn.apiUrl, logLevel: webApi.LogLevel.ERROR });
    streamer = new LiveMessageStreamer({
      client,
      budget: opts.budget ?? new UpdateBudget({ perMinute: 6000, burst: 100 }),
      log: logs.log,
      minIntervalMs: opts.minIntervalMs ?? 200,
      finalDeadlineMs: opts.finalDeadlineMs,
    });
    return streamer;
  }

  afterEach(async () => {
    await streamer?.close(1000);
    streamer = undefined;
    await standIn.stop();
  });

  it('coalesces 50 rapid updates into few edits at most one per interval, and the latest content wins', async () => {
    const s = await setUp({ minIntervalMs: 200 });
    const live = await s.start('D1', text('$ make  _running_'));
    const started = Date.now();
    for (let i = 0; i < 50; i++) {
      live.update(text(`line ${i}`));
      await sleep(20);
    }
    // No finish: the last interim payload must still be edited in once the interval allows.
    await standIn.waitForCall('chat.update', (c) => c.args.text === 'line 49', 2000);
    const duration = Date.now() - started;
    const edits = deliveredUpdatesOf(standIn, live.ts);
    expect(edits.length).toBeGreaterThanOrEqual(3);
    expect(edits.length).toBeLessThanOrEqual(Math.floor(duration / 200) + 1);
    for (let i = 1; i < edits.length; i++) expect(edits[i]!.at - edits[i - 1]!.at).toBeGreaterThanOrEqual(150); // 200 ms, less HTTP jitter
    expect(edits.at(-1)!.args.text).toBe('line 49');

    await live.finish(text('exit 0 in 1.1 s'));
    const all = deliveredUpdatesOf(standIn, live.ts);
    expect(all.at(-1)!.args).toMatchObject({ channel: 'D1', text: 'exit 0 in 1.1 s', blocks: text('exit 0 in 1.1 s').blocks });
    expect(all.at(-1)!.at - all.at(-2)!.at).toBeGreaterThanOrEqual(150);
  });

  it('delivers the full final content after a 429 on chat.update, waiting Retry-After, and all streams back off', async () => {
    const s = await setUp({ minIntervalMs: 100 });
    const a = await s.start('D1', text('a running'));
    const b = await s.start('D2', text('b running'));
    const full = Array.from({ length: 60 }, (_, i) => `output line ${i} ${'x'.repeat(30)}`).join('\n');

    standIn.failNext('chat.update', { status: 429, retryAfterSec: 1 });
    a.update(text('a partial'));
    const limited = await waitFor(() => updatesOf(standIn, a.ts).find((c) => c.status === 429));
    // Another learner's final, asked for right after the 429, must also wait out Retry-After.
    await b.finish(text('b done'));
    const bFinal = deliveredUpdatesOf(standIn, b.ts).at(-1)!;
    expect(bFinal.at - limited.at).toBeGreaterThanOrEqual(950);

    await a.finish(text(full));
    const aCalls = updatesOf(standIn, a.ts);
    expect(aCalls[0]!.status).toBe(429);
    const last = deliveredUpdatesOf(standIn, a.ts).at(-1)!;
    expect(last.args.text).toBe(full);
    expect(last.at - limited.at).toBeGreaterThanOrEqual(950);
    // The dedicated client did not silently retry: every attempt was the streamer's own.
    expect(logs.lines.some((l) => l.msg === 'interim edit not delivered' && l.reason === 'ratelimited')).toBe(true);
  });

  it('retries a final edit after HTTP 500s with backoff until it is delivered', async () => {
    const s = await setUp({ minIntervalMs: 100 });
    const live = await s.start('D1', text('running'));
    standIn.failNext('chat.update', { status: 500 });
    standIn.failNext('chat.update', { status: 503 });
    const t0 = Date.now();
    await live.finish(text('final after outage'));
    const statuses = updatesOf(standIn, live.ts).map((c) => c.status);
    expect(statuses).toEqual([500, 503, 200]);
    expect(deliveredUpdatesOf(standIn, live.ts).at(-1)!.args.text).toBe('final after outage');
    // Two backoffs of about 0.5 s and 1 s (with jitter).
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);
    expect(logs.lines.filter((l) => l.msg === 'final edit failed; retrying')).toHaveLength(2);
  });

  it('ignores update() after finish() and a second finish()', async () => {
    const s = await setUp({ minIntervalMs: 100 });
    const live = await s.start('D1', text('running'));
    await live.finish(text('done'));
    live.update(text('too late'));
    await live.finish(text('another final'));
    await sleep(400);
    const calls = updatesOf(standIn, live.ts);
    expect(calls.map((c) => c.args.text)).toEqual(['done']);
    expect(live.finished).toBe(true);
  });

  it('posts the final output as a new message when the live one can no longer be edited', async () => {
    const s = await setUp({ minIntervalMs: 100 });
    const live = await s.start('D1', text('running'), { threadTs: '111.000001' });
    standIn.failNext('chat.update', { error: 'message_not_found' });
    await live.finish(text('final, reposted'));
    const posts = standIn.callsTo('chat.postMessage');
    expect(posts).toHaveLength(2);
    expect(posts[1]!.args).toMatchObject({ channel: 'D1', text: 'final, reposted', thread_ts: '111.000001' });
  });

  it('retries the first post after a 429 and an upload after a 500; the snippet lands in the thread', async () => {
    const s = await setUp();
    standIn.failNext('chat.postMessage', { status: 429, retryAfterSec: 1 });
    const t0 = Date.now();
    const live = await s.start('D9', text('$ cat big.log'));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
    expect(live.channel).toBe('D9');
    expect(live.ts).toMatch(/^\d+\.\d{6}$/);

    const content = Array.from({ length: 500 }, (_, i) => `log line ${i}`).join('\n');
    standIn.failNext('files.getUploadURLExternal', { status: 500 });
    const id = await live.uploadSnippet('output.txt', 'Full output', content);
    const file = standIn.files.get(id!);
    expect(file).toMatchObject({ filename: 'output.txt', title: 'Full output', channelId: 'D9', threadTs: live.ts, completed: true, content });
  });

  it('delivers every final of 30 concurrent live messages with no rate-limit violation when the budget is below the limit', async () => {
    // Stand-in allows 40 chat.update a minute; the budget allows at most burst + perMinute = 39 in any minute,
    // and keeps 30 of its tokens for finals, so 30 streams asking for ~900 interim edits get very few.
    const budget = new UpdateBudget({ perMinute: 6, burst: 33, finalReserve: 30 });
    const s = await setUp({ rateLimits: { 'chat.update': 40 }, budget, minIntervalMs: 200, finalDeadlineMs: 15_000 });
    const lives = await Promise.all(Array.from({ length: 30 }, (_, i) => s.start(`D${i}`, text(`learner ${i} running`))));
    const finals = lives.map(async (live, i) => {
      for (let n = 0; n < 30; n++) {
        live.update(text(`learner ${i} line ${n}`));
        await sleep(50);
      }
      await live.finish(text(`learner ${i} exit 0`));
    });
    await Promise.all(finals);

    expect(standIn.rateLimitViolations).toEqual([]);
    lives.forEach((live, i) => expect(deliveredUpdatesOf(standIn, live.ts).at(-1)!.args.text).toBe(`learner ${i} exit 0`));
    const interim = standIn.callsTo('chat.update').filter((c) => !String(c.args.text).endsWith('exit 0'));
    expect(interim.length).toBeLessThanOrEqual(4);
    expect(standIn.callsTo('chat.update').length).toBeLessThanOrEqual(39);
    expect(s.activeCount).toBe(0);
  });

  it('close() stops interim edits but delivers the finals asked for before and during shutdown', async () => {
    const s = await setUp({ minIntervalMs: 100 });
    const a = await s.start('D1', text('a running'));
    const b = await s.start('D2', text('b running'));
    standIn.failNext('chat.update', { status: 500 });
    const aFinal = a.finish(text('a exit 0'));
    const closing = s.close(5000);
    b.update(text('b partial, after close'));
    const bFinal = b.finish(text('b interrupted by a restart'));
    await closing;
    await Promise.all([aFinal, bFinal]);
    expect(deliveredUpdatesOf(standIn, a.ts).map((c) => c.args.text)).toEqual(['a exit 0']);
    expect(deliveredUpdatesOf(standIn, b.ts).map((c) => c.args.text)).toEqual(['b interrupted by a restart']);
  });

  it('when the budget exceeds Slack\'s limit, 429s pause every stream, and close() gives up on finals at its deadline', async () => {
    // The control case: a budget above the stand-in's limit of 10 a minute gets violations.
    const s = await setUp({ rateLimits: { 'chat.update': 10 }, budget: new UpdateBudget({ perMinute: 600, burst: 50 }), minIntervalMs: 100 });
    const before = timeouts();
    const lives = await Promise.all(Array.from({ length: 15 }, (_, i) => s.start(`D${i}`, text(`learner ${i} running`))));
    lives.forEach((live, i) => live.update(text(`learner ${i} partial`)));
    await waitFor(() => standIn.rateLimitViolations.length > 0 || undefined);
    const finals = lives.map((live, i) => live.finish(text(`learner ${i} exit 0`)));
    const t0 = Date.now();
    await s.close(800);
    expect(Date.now() - t0).toBeLessThan(2000);
    await Promise.all(finals); // finish() never throws, even when given up
    expect(logs.lines.some((l) => l.msg === 'shutdown deadline passed with final edits undelivered')).toBe(true);
    expect(logs.lines.filter((l) => l.msg === 'final edit not delivered before its deadline').length).toBeGreaterThan(0);
    // The retries after the first violation were paced by Retry-After, not a tight loop.
    expect(standIn.rateLimitViolations.length).toBeLessThanOrEqual(5);
    expect(timeouts()).toBeLessThanOrEqual(before);
    await expect(s.start('D1', text('late'))).rejects.toMatchObject({ code: 'SLACK_STREAMER_CLOSED' });
  });
});

async function waitFor<T>(probe: () => T | undefined, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await sleep(10);
  }
}

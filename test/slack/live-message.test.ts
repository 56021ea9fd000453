import { Writable } from 'node:stream';
import { webApi } from '@slack/bolt';
import { createLogger } from '../../src/logger';
import type { LivePayload } from '../../src/slack/live-message';
import { LiveMessageStreamer } from '../../src/slack/live-message-streamer';
import { SlackStandIn, type RecordedCall } from '../../src/slack/stand-in/slack-stand-in';
import { UpdateBudget } from '../../src/slack/update-budget';
import { ClockDriver, TrackedFetch, VirtualClock } from '../support/fakes/virtual-clock';

/**
 * The streamer runs on a virtual clock: every interval, back-off, Retry-After and deadline below is
 * measured in virtual milliseconds, which only move when no request is in flight. Requests still go over
 * real HTTP to the Slack stand-in, so the wire protocol (429 + Retry-After, HTTP 5xx, platform errors,
 * the upload sequence) is the real one, while timing assertions cannot depend on machine load.
 */

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

const text = (s: string): LivePayload => ({ text: s, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: s } }] });

interface SetUpOptions {
  rateLimits?: Record<string, number>;
  budget?: (now: () => number) => UpdateBudget;
  minIntervalMs?: number;
  finalDeadlineMs?: number;
  postDeadlineMs?: number;
}

describe('LiveMessageStreamer against the Slack stand-in, on a virtual clock', () => {
  let standIn: SlackStandIn;
  let streamer: LiveMessageStreamer | undefined;
  let logs: ReturnType<typeof captureLog>;
  let clock: VirtualClock;
  let driver: ClockDriver;
  /** Virtual time at which each request reached the stand-in (equal to when it was sent: time stands still while a request is in flight). */
  let sentAt: Map<RecordedCall, number>;

  async function setUp(opts: SetUpOptions = {}) {
    standIn = new SlackStandIn({ rateLimits: opts.rateLimits });
    await standIn.start();
    clock = new VirtualClock();
    const io = new TrackedFetch();
    driver = new ClockDriver(clock, io);
    sentAt = new Map();
    standIn.on('call', (c: RecordedCall) => sentAt.set(c, clock.now()));
    logs = captureLog();
    // The caller's client keeps Slack's default retry policy: the streamer must not inherit it.
    const client = new webApi.WebClient(standIn.botToken, { slackApiUrl: standIn.apiUrl, logLevel: webApi.LogLevel.ERROR });
    streamer = new LiveMessageStreamer({
      client,
      budget: opts.budget?.(clock.now) ?? new UpdateBudget({ perMinute: 6000, burst: 100, now: clock.now }),
      log: logs.log,
      minIntervalMs: opts.minIntervalMs ?? 200,
      finalDeadlineMs: opts.finalDeadlineMs,
      postDeadlineMs: opts.postDeadlineMs,
      fetch: io.fetch,
      clock,
      // Jitter neutralised: back-offs are exactly 0.5 s, 1 s, 2 s ...
      random: () => 0.5,
    });
    return streamer;
  }

  const at = (c: RecordedCall) => sentAt.get(c)!;
  const updatesOf = (ts: string) => standIn.calls.filter((c) => c.method === 'chat.update' && c.args.ts === ts);
  const deliveredUpdatesOf = (ts: string) => standIn.callsTo('chat.update').filter((c) => c.args.ts === ts);
  const gaps = (calls: RecordedCall[]) => calls.slice(1).map((c, i) => at(c) - at(calls[i]!));
  const logged = (msg: string) => logs.lines.filter((l) => l.msg === msg);

  afterEach(async () => {
    if (streamer) await driver.run(streamer.close(1000));
    streamer = undefined;
    await standIn.stop();
  });

  it('coalesces 50 rapid updates into few edits at most one per interval, and the latest content wins', async () => {
    const s = await setUp({ minIntervalMs: 200 });
    const live = await driver.run(s.start('D1', text('$ make  _running_')));
    const started = clock.now();
    for (let i = 0; i < 50; i++) {
      live.update(text(`line ${i}`));
      await driver.advance(20);
    }
    // No finish: the last interim payload must still be edited in once the interval allows.
    await driver.advance(200);
    const edits = deliveredUpdatesOf(live.ts);
    const duration = at(edits.at(-1)!) - started;
    expect(edits.length).toBeGreaterThanOrEqual(3);
    expect(edits.length).toBeLessThanOrEqual(Math.floor(duration / 200) + 1);
    for (const gap of gaps(edits)) expect(gap).toBeGreaterThanOrEqual(200);
    expect(edits.at(-1)!.args.text).toBe('line 49');
    // Edits carry what was current when they went out, not a stale payload.
    expect(edits[0]!.args.text).toBe('line 0');

    await driver.run(live.finish(text('exit 0 in 1.1 s')));
    const all = deliveredUpdatesOf(live.ts);
    expect(all.at(-1)!.args).toMatchObject({ channel: 'D1', text: 'exit 0 in 1.1 s', blocks: text('exit 0 in 1.1 s').blocks });
    expect(at(all.at(-1)!) - at(all.at(-2)!)).toBeGreaterThanOrEqual(200);
  });

  it('delivers the full final content after a 429 on chat.update, waiting Retry-After, and all streams back off', async () => {
    const s = await setUp({ minIntervalMs: 100 });
    const [a, b] = await driver.run(Promise.all([s.start('D1', text('a running')), s.start('D2', text('b running'))]));
    const full = Array.from({ length: 60 }, (_, i) => `output line ${i} ${'x'.repeat(30)}`).join('\n');

    standIn.failNext('chat.update', { status: 429, retryAfterSec: 1 });
    a!.update(text('a partial'));
    await driver.advance(0);
    const limited = updatesOf(a!.ts).find((c) => c.status === 429)!;
    expect(limited).toBeDefined();
    // Another learner's final, asked for right after the 429, must also wait out Retry-After.
    await driver.run(b!.finish(text('b done')));
    const bFinal = deliveredUpdatesOf(b!.ts).at(-1)!;
    expect(bFinal.args.text).toBe('b done');
    expect(at(bFinal) - at(limited)).toBeGreaterThanOrEqual(1000);

    await driver.run(a!.finish(text(full)));
    expect(updatesOf(a!.ts)[0]!.status).toBe(429);
    const last = deliveredUpdatesOf(a!.ts).at(-1)!;
    expect(last.args.text).toBe(full);
    expect(at(last) - at(limited)).toBeGreaterThanOrEqual(1000);
    // Nothing at all went to chat.update while the workspace was paused.
    const duringPause = standIn.calls.filter((c) => c.method === 'chat.update' && at(c) > at(limited) && at(c) < at(limited) + 1000);
    expect(duringPause).toEqual([]);
    // The dedicated client did not silently retry: every attempt was the streamer's own.
    expect(logged('interim edit not delivered').some((l) => l.reason === 'ratelimited')).toBe(true);
  });

  it('retries a final edit after HTTP 500s with doubling backoff until it is delivered', async () => {
    const s = await setUp({ minIntervalMs: 100 });
    const live = await driver.run(s.start('D1', text('running')));
    standIn.failNext('chat.update', { status: 500 });
    standIn.failNext('chat.update', { status: 503 });
    await driver.run(live.finish(text('final after outage')));
    const calls = updatesOf(live.ts);
    expect(calls.map((c) => c.status)).toEqual([500, 503, 200]);
    expect(deliveredUpdatesOf(live.ts).at(-1)!.args.text).toBe('final after outage');
    // Backoffs of 0.5 s, then 1 s (jitter neutralised).
    expect(gaps(calls)).toEqual([500, 1000]);
    expect(logged('final edit failed; retrying')).toHaveLength(2);
  });

  it('gives a final edit up at its deadline when Slack keeps failing, without throwing', async () => {
    const s = await setUp({ minIntervalMs: 100, finalDeadlineMs: 3000 });
    const live = await driver.run(s.start('D1', text('running')));
    for (let i = 0; i < 10; i++) standIn.failNext('chat.update', { status: 500 });
    const t0 = clock.now();
    await expect(driver.run(live.finish(text('never lands')))).resolves.toBeUndefined();
    // Attempts at 0, 0.5 s and 1.5 s; the next backoff (2 s) would end after the 3 s deadline.
    expect(updatesOf(live.ts).map((c) => at(c) - t0)).toEqual([0, 500, 1500]);
    expect(clock.now() - t0).toBeLessThanOrEqual(3000);
    expect(logged('final edit not delivered before its deadline')).toEqual([expect.objectContaining({ attempts: 3, aborted: false })]);
    // Output is never lost: the final goes out as a new message, and the stale live message is removed.
    expect(standIn.callsTo('chat.postMessage').map((c) => c.args.text)).toEqual(['running', 'never lands']);
    expect(standIn.callsTo('chat.delete').map((c) => c.args.ts)).toEqual([live.ts]);
    expect(s.activeCount).toBe(0);
  });

  it('posts the final as a new message at once when the update budget would make it wait long', async () => {
    const s = await setUp({ minIntervalMs: 100, budget: (now) => new UpdateBudget({ perMinute: 1, burst: 1, finalReserve: 0, now }) });
    const [a, b] = await driver.run(Promise.all([s.start('D1', text('a running')), s.start('D2', text('b running'))]));
    // two live messages and one token: a third "running" message could not be finished in time
    expect(s.budgetShort).toBe(true);
    await driver.run(a!.finish(text('a exit 0')));
    // The one token went to a's edit; b's final would wait about a minute for the next.
    expect(s.budgetShort).toBe(true);
    const t0 = clock.now();
    await driver.run(b!.finish(text('b exit 0')));
    expect(clock.now() - t0).toBeLessThan(1000);
    expect(deliveredUpdatesOf(a!.ts).map((c) => c.args.text)).toEqual(['a exit 0']);
    expect(deliveredUpdatesOf(b!.ts)).toEqual([]);
    expect(standIn.callsTo('chat.postMessage').map((c) => [c.args.channel, c.args.text])).toEqual([['D1', 'a running'], ['D2', 'b running'], ['D2', 'b exit 0']]);
    expect(standIn.callsTo('chat.delete').map((c) => c.args.ts)).toEqual([b!.ts]);
    expect(logged('final output posted as a new message')).toHaveLength(1);
  });

  it('a final behind others in line for the budget is posted anew instead of waiting its turn', async () => {
    // Slack's real budget shape: 45 edits a minute, 5 at once. Eight commands finish together.
    const s = await setUp({ minIntervalMs: 100, budget: (now) => new UpdateBudget({ perMinute: 45, burst: 5, now }) });
    const lives = await driver.run(Promise.all(Array.from({ length: 8 }, (_, i) => s.start(`D${i}`, text(`${i} running`)))));
    const t0 = clock.now();
    await driver.run(Promise.all(lives.map((l, i) => l.finish(text(`${i} exit 0`)))));
    // 5 tokens, then one per 1.33 s: those that would wait over 3 s are posted instead
    expect(clock.now() - t0).toBeLessThanOrEqual(3000);
    const edited = lives.filter((l) => deliveredUpdatesOf(l.ts).length === 1).length;
    const reposted = standIn.callsTo('chat.postMessage').filter((c) => String(c.args.text).endsWith('exit 0')).length;
    expect(edited + reposted).toBe(8);
    expect(edited).toBeGreaterThanOrEqual(5); // the burst at least
    expect(reposted).toBeGreaterThanOrEqual(1); // the last in line did not wait its turn
    expect(standIn.callsTo('chat.delete')).toHaveLength(reposted);
  });

  it('does not retry a final edit Slack rejects as invalid', async () => {
    const s = await setUp({ minIntervalMs: 100 });
    const live = await driver.run(s.start('D1', text('running')));
    standIn.failNext('chat.update', { error: 'invalid_blocks' });
    await driver.run(live.finish(text('bad blocks')));
    expect(updatesOf(live.ts)).toHaveLength(1);
    expect(standIn.callsTo('chat.postMessage')).toHaveLength(1);
    expect(logged('final edit rejected by Slack; not retried')).toHaveLength(1);
  });

  it('re-sends a failed interim edit after the interval, with whatever is newest by then', async () => {
    const s = await setUp({ minIntervalMs: 100 });
    const live = await driver.run(s.start('D1', text('running')));
    standIn.failNext('chat.update', { status: 500 });
    live.update(text('one'));
    await driver.advance(50);
    live.update(text('two'));
    await driver.advance(200);
    const calls = updatesOf(live.ts);
    expect(calls.map((c) => [c.status, c.args.text])).toEqual([
      [500, 'one'],
      [200, 'two'],
    ]);
    expect(gaps(calls)).toEqual([100]);
  });

  it('spends the workspace budget on interim edits: a burst, then the sustained rate', async () => {
    const s = await setUp({ minIntervalMs: 100, budget: (now) => new UpdateBudget({ perMinute: 60, burst: 2, finalReserve: 0, now }) });
    const live = await driver.run(s.start('D1', text('running')));
    for (let i = 0; i < 50; i++) {
      live.update(text(`tick ${i}`));
      await driver.advance(100);
    }
    const edits = deliveredUpdatesOf(live.ts);
    // 5 s of updates: 2 tokens at once, then one a second.
    expect(edits.length).toBeGreaterThanOrEqual(5);
    expect(edits.length).toBeLessThanOrEqual(2 + 5 + 1);
    // The k-th edit (from 0) needs k + 1 tokens: the burst of 2 plus one per second since the first.
    edits.forEach((e, k) => expect(at(e) - at(edits[0]!)).toBeGreaterThanOrEqual(Math.max(0, k - 1) * 1000));
    expect(edits.at(-1)!.args.text).toBe('tick 49');
  });

  it('ignores update() after finish() and a second finish()', async () => {
    const s = await setUp({ minIntervalMs: 100 });
    const live = await driver.run(s.start('D1', text('running')));
    await driver.run(live.finish(text('done')));
    live.update(text('too late'));
    await driver.run(live.finish(text('another final')));
    await driver.advance(400);
    expect(updatesOf(live.ts).map((c) => c.args.text)).toEqual(['done']);
    expect(live.finished).toBe(true);
    expect(logged('finish() called twice; the first final payload stands')).toHaveLength(1);
  });

  it('posts the final output as a new message when the live one can no longer be edited', async () => {
    const s = await setUp({ minIntervalMs: 100 });
    const live = await driver.run(s.start('D1', text('running'), { threadTs: '111.000001' }));
    standIn.failNext('chat.update', { error: 'message_not_found' });
    await driver.run(live.finish(text('final, reposted')));
    const posts = standIn.callsTo('chat.postMessage');
    expect(posts).toHaveLength(2);
    expect(posts[1]!.args).toMatchObject({ channel: 'D1', text: 'final, reposted', thread_ts: '111.000001' });
  });

  it('retries the first post after a 429 and an upload after a 500; the snippet lands in the thread', async () => {
    const s = await setUp();
    standIn.failNext('chat.postMessage', { status: 429, retryAfterSec: 1 });
    const t0 = clock.now();
    const live = await driver.run(s.start('D9', text('$ cat big.log')));
    const posts = standIn.calls.filter((c) => c.method === 'chat.postMessage');
    expect(posts.map((c) => [c.status, at(c) - t0])).toEqual([
      [429, 0],
      [200, 1000],
    ]);
    expect(live.channel).toBe('D9');
    expect(live.ts).toMatch(/^\d+\.\d{6}$/);

    const content = Array.from({ length: 500 }, (_, i) => `log line ${i}`).join('\n');
    standIn.failNext('files.getUploadURLExternal', { status: 500 });
    const id = await driver.run(live.uploadSnippet('output.txt', 'Full output', content));
    const file = standIn.files.get(id!);
    expect(file).toMatchObject({ filename: 'output.txt', title: 'Full output', channelId: 'D9', threadTs: live.ts, completed: true, content });
  });

  it('gives up the first post at its deadline, and at once on an error that retrying cannot fix', async () => {
    const s = await setUp({ postDeadlineMs: 2000 });
    for (let i = 0; i < 3; i++) standIn.failNext('chat.postMessage', { status: 500 });
    const t0 = clock.now();
    await expect(driver.run(s.start('D1', text('x')))).rejects.toMatchObject({ code: 'SLACK_POST_FAILED' });
    // 0, 0.5 s, 1.5 s; waiting 2 s more would pass the 2 s deadline.
    expect(standIn.calls.filter((c) => c.method === 'chat.postMessage').map((c) => at(c) - t0)).toEqual([0, 500, 1500]);

    standIn.failNext('chat.postMessage', { error: 'channel_not_found' });
    const before = standIn.calls.length;
    await expect(driver.run(s.start('C404', text('x')))).rejects.toMatchObject({ code: 'SLACK_POST_FAILED' });
    expect(standIn.calls.length - before).toBe(1);
  });

  it('returns no file id, and logs, when a snippet upload is refused', async () => {
    const s = await setUp();
    const live = await driver.run(s.start('D1', text('x')));
    standIn.failNext('files.getUploadURLExternal', { error: 'invalid_arguments' });
    expect(await driver.run(live.uploadSnippet('output.txt', 'Full output', 'abc'))).toBeUndefined();
    expect(logged('snippet upload failed')).toEqual([expect.objectContaining({ channel: 'D1', filename: 'output.txt', bytes: 3 })]);
  });

  it('edits an adopted message (posted by an earlier process) and stops tracking it once finished', async () => {
    const s = await setUp({ minIntervalMs: 100 });
    const live = s.adopt('C7', '1700000000.000042');
    expect(s.activeCount).toBe(1);
    live.update(text('leaderboard v2'));
    await driver.advance(0);
    expect(deliveredUpdatesOf('1700000000.000042').map((c) => [c.args.channel, c.args.text])).toEqual([['C7', 'leaderboard v2']]);
    await driver.run(live.finish(text('final leaderboard')));
    expect(s.activeCount).toBe(0);
    expect(standIn.callsTo('chat.postMessage')).toHaveLength(0);
  });

  it('delivers every final of 30 concurrent live messages with no rate-limit violation when the budget is below the limit', async () => {
    // Stand-in allows 40 chat.update a minute; the budget allows at most burst + perMinute = 39 in any minute,
    // and keeps 30 of its tokens for finals, so 30 streams asking for ~900 interim edits get very few.
    const s = await setUp({ rateLimits: { 'chat.update': 40 }, budget: (now) => new UpdateBudget({ perMinute: 6, burst: 33, finalReserve: 30, now }), minIntervalMs: 200, finalDeadlineMs: 15_000 });
    const lives = await driver.run(Promise.all(Array.from({ length: 30 }, (_, i) => s.start(`D${i}`, text(`learner ${i} running`)))));
    const finals = lives.map(async (live, i) => {
      for (let n = 0; n < 30; n++) {
        live.update(text(`learner ${i} line ${n}`));
        await clock.sleep(50);
      }
      await live.finish(text(`learner ${i} exit 0`));
    });
    await driver.run(Promise.all(finals));

    expect(standIn.rateLimitViolations).toEqual([]);
    lives.forEach((live, i) => expect(deliveredUpdatesOf(live.ts).at(-1)!.args.text).toBe(`learner ${i} exit 0`));
    const updates = standIn.callsTo('chat.update');
    const interim = updates.filter((c) => !String(c.args.text).endsWith('exit 0'));
    expect(interim.length).toBeLessThanOrEqual(4);
    // In virtual time too, no 60 s window holds more than the budget allows.
    const times = updates.map(at);
    expect(Math.max(...times.map((t) => times.filter((u) => u >= t && u < t + 60_000).length))).toBeLessThanOrEqual(39);
    expect(s.activeCount).toBe(0);
  });

  it('close() stops interim edits but delivers the finals asked for before and during shutdown', async () => {
    const s = await setUp({ minIntervalMs: 100 });
    const [a, b] = await driver.run(Promise.all([s.start('D1', text('a running')), s.start('D2', text('b running'))]));
    standIn.failNext('chat.update', { status: 500 });
    const t0 = clock.now();
    const aFinal = a!.finish(text('a exit 0'));
    const closing = s.close(5000);
    b!.update(text('b partial, after close'));
    const bFinal = b!.finish(text('b interrupted by a restart'));
    await driver.run(Promise.all([closing, aFinal, bFinal]));
    expect(deliveredUpdatesOf(a!.ts).map((c) => c.args.text)).toEqual(['a exit 0']);
    expect(deliveredUpdatesOf(b!.ts).map((c) => c.args.text)).toEqual(['b interrupted by a restart']);
    // Closing took as long as the retried final (one 0.5 s backoff), not the 5 s deadline.
    expect(clock.now() - t0).toBeLessThan(1000);
    expect(clock.pendingTimers).toBe(0);
  });

  it('close() with only interim edits pending drops them at once', async () => {
    const s = await setUp({ minIntervalMs: 100 });
    const live = await driver.run(s.start('D1', text('running')));
    live.update(text('first'));
    await driver.advance(0);
    live.update(text('never sent'));
    const t0 = clock.now();
    await driver.run(s.close(5000));
    await driver.advance(1000);
    expect(clock.now() - t0).toBe(1000);
    expect(deliveredUpdatesOf(live.ts).map((c) => c.args.text)).toEqual(['first']);
    expect(clock.pendingTimers).toBe(0);
    expect(s.adopt('D2', '1.000001') && s.activeCount).toBe(0);
  });

  it("when the budget exceeds Slack's limit, a 429 pauses every stream, and close() gives up on finals at its deadline", async () => {
    // The control case: a budget above the stand-in's limit of 10 a minute gets a violation.
    const s = await setUp({ rateLimits: { 'chat.update': 10 }, budget: (now) => new UpdateBudget({ perMinute: 600, burst: 50, now }), minIntervalMs: 100 });
    const lives = await driver.run(Promise.all(Array.from({ length: 15 }, (_, i) => s.start(`D${i}`, text(`learner ${i} running`)))));
    lives.forEach((live, i) => live.update(text(`learner ${i} partial`)));
    await driver.advance(0);
    expect(standIn.callsTo('chat.update')).toHaveLength(10);
    // The first 429 paused the whole workspace for Retry-After: the four streams behind it did not call.
    expect(standIn.rateLimitViolations).toHaveLength(1);

    const finals = lives.map((live, i) => live.finish(text(`learner ${i} exit 0`)));
    const t0 = clock.now();
    await driver.run(s.close(800));
    // The deadline, plus at most the 200 ms grace for requests on the wire.
    expect(clock.now() - t0).toBeGreaterThanOrEqual(800);
    expect(clock.now() - t0).toBeLessThanOrEqual(1000);
    await driver.run(Promise.all(finals)); // finish() never throws, even when given up
    expect(logged('shutdown deadline passed with final edits undelivered')).toHaveLength(1);
    expect(logged('final edit not delivered before its deadline').length).toBeGreaterThan(0);
    // Nothing went out during the pause, and nothing is left scheduled.
    expect(standIn.rateLimitViolations).toHaveLength(1);
    expect(clock.pendingTimers).toBe(0);
    await expect(s.start('D1', text('late'))).rejects.toMatchObject({ code: 'SLACK_STREAMER_CLOSED' });
  });
});

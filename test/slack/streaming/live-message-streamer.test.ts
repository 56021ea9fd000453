import { UpdateBudget } from '../../../src/slack/streaming/update-budget';
import { at, clock, deliveredUpdatesOf, driver, logged, setUp, standIn, tearDown, text } from './live-message-harness';

describe('LiveMessageStreamer posts, uploads and shutdown against the Slack stand-in, on a virtual clock', () => {
  afterEach(tearDown);

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

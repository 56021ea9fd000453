import { UpdateBudget } from '../../../src/slack/streaming/update-budget';
import { at, clock, deliveredUpdatesOf, driver, gaps, logged, setUp, standIn, tearDown, text, updatesOf } from './live-message-harness';

describe('LiveMessage edits and finals against the Slack stand-in, on a virtual clock', () => {
  afterEach(tearDown);

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
});

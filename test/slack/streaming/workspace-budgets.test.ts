import { webApi } from '@slack/bolt';
import pino from 'pino';
import type { LivePayload } from '../../../src/slack/streaming/live-message';
import { LiveMessageStreamer } from '../../../src/slack/streaming/live-message-streamer';
import { WorkspaceContext } from '../../../src/slack/oauth/workspace-context';
import { SlackStandIn } from '../../../src/slack/stand-in/slack-stand-in';
import { UpdateBudget } from '../../../src/slack/streaming/update-budget';
import { WorkspaceBudgets } from '../../../src/slack/streaming/workspace-budgets';
import { ClockDriver, TrackedFetch, VirtualClock } from '../../support/fakes/virtual-clock';

const text = (s: string): LivePayload => ({ text: s });

/**
 * Slack limits chat.update per app per workspace: in multi-workspace mode each workspace has its own
 * budget, so one busy (or rate-limited) workspace does not slow another's live output. Virtual clock,
 * real HTTP to the stand-in (as in live-message.test.ts).
 */
describe('chat.update budgets per workspace', () => {
  it('gives each workspace its own budget, picked by the current workspace, with one for the single-workspace case', () => {
    const ctx = new WorkspaceContext();
    const budgets = new WorkspaceBudgets({ current: () => ctx.current, make: () => new UpdateBudget({ perMinute: 60, burst: 2, finalReserve: 0, now: () => 0 }) });
    const a = ctx.run('TA', () => budgets.current);
    expect(ctx.run('TA', () => budgets.current)).toBe(a);
    const b = ctx.run('TB', () => budgets.current);
    expect(b).not.toBe(a);
    expect(a.tryTake()).toBe(true);
    expect(a.tryTake()).toBe(true);
    expect(a.tryTake()).toBe(false);
    // B is untouched by A's spending; the metrics report the lowest workspace and the sum of waiting finals.
    expect(b.tokensLeft).toBe(2);
    const release = b.holdForFinal();
    expect(budgets.summary()).toEqual({ tokens: 0, finalsWaiting: 1 });
    release();
    budgets.forget('TA');
    expect([...budgets.all.keys()]).toEqual(['TB']);

    const single = new WorkspaceBudgets();
    expect(single.current).toBe(single.current);
    expect([...single.all.keys()]).toEqual(['']);
  });

  describe('through the live message streamer', () => {
    let standIn: SlackStandIn;
    let streamer: LiveMessageStreamer;
    let driver: ClockDriver;
    let budgets: WorkspaceBudgets;
    const ctx = new WorkspaceContext();

    beforeEach(async () => {
      standIn = new SlackStandIn();
      await standIn.start();
      const clock = new VirtualClock();
      const io = new TrackedFetch();
      driver = new ClockDriver(clock, io);
      budgets = new WorkspaceBudgets({ current: () => ctx.current, make: () => new UpdateBudget({ perMinute: 6, burst: 1, finalReserve: 0, now: clock.now }) });
      const client = new webApi.WebClient(standIn.botToken, { slackApiUrl: standIn.apiUrl, logLevel: webApi.LogLevel.ERROR });
      streamer = new LiveMessageStreamer({ client, budget: budgets, log: pino({ level: 'silent' }), minIntervalMs: 100, fetch: io.fetch, clock, random: () => 0.5 });
    });

    afterEach(async () => {
      await driver.run(streamer.close(1000));
      await standIn.stop();
    });

    const editsOf = (ts: string) => standIn.callsTo('chat.update').filter((c) => c.args.ts === ts).map((c) => String(c.args.text));

    it("a workspace that spent its budget, or got a 429, does not hold back another workspace's edits", async () => {
      const a = await driver.run(ctx.run('TA', () => streamer.start('DA', text('a running'))));
      const b = await driver.run(ctx.run('TB', () => streamer.start('DB', text('b running'))));
      // Each message spends its own workspace's budget, whatever context later calls run in.
      a.update(text('a 1'));
      await driver.advance(200);
      a.update(text('a 2'));
      await driver.advance(200);
      expect(editsOf(a.ts)).toEqual(['a 1']);
      expect(ctx.run('TA', () => streamer.budgetShort)).toBe(true);
      expect(ctx.run('TB', () => budgets.current.nextAvailableInMs('interim'))).toBe(0);

      b.update(text('b 1'));
      await driver.advance(200);
      expect(editsOf(b.ts)).toEqual(['b 1']);

      // Slack said 429 to workspace A (Retry-After 30 s): B keeps its own pace (6/min: one token per 10 s).
      budgets.for('TA').pauseFor(30_000);
      await driver.advance(10_000);
      b.update(text('b 2'));
      await driver.advance(200);
      expect(editsOf(b.ts)).toEqual(['b 1', 'b 2']);
      expect(editsOf(a.ts)).toEqual(['a 1']);
      // A resumes after its pause, with one token refilled (10 s) once it ends.
      await driver.advance(15_000);
      expect(editsOf(a.ts)).toEqual(['a 1']);
      await driver.advance(20_000);
      expect(editsOf(a.ts)).toEqual(['a 1', 'a 2']);
    });
  });
});

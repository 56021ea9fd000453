import { webApi } from '@slack/bolt';
import { LiveMessageStreamer } from '../../src/slack/streaming/live-message-streamer';
import { FIRST_POST_DELAY_MS, SlackConversation } from '../../src/slack/slack-conversation';
import { SlackStandIn } from '../../src/slack/stand-in/slack-stand-in';
import { UpdateBudget } from '../../src/slack/streaming/update-budget';
import type { CommandOutcome } from '../../src/tutor/reply';
import { captureLogs } from '../support/capture-logs';

const outcome = (command: string, output: string): CommandOutcome => ({ command, output, exitCode: 0, durationMs: 5, truncated: false, timedOut: false, interrupted: false, waitingForInput: false, notices: [] });

describe('SlackConversation command output', () => {
  let standIn: SlackStandIn;
  let conv: SlackConversation;
  let streamer: LiveMessageStreamer;
  beforeEach(async () => {
    standIn = new SlackStandIn();
    await standIn.start();
    const client = new webApi.WebClient(standIn.botToken, { slackApiUrl: standIn.apiUrl });
    const { log } = captureLogs('warn');
    streamer = new LiveMessageStreamer({ client, budget: new UpdateBudget(), log, minIntervalMs: 100 });
    conv = new SlackConversation(client, streamer, 'D123', log);
  });
  afterEach(async () => {
    await streamer.close(1000);
    await standIn.stop();
  });

  it('posts a command that finished quickly once, with its result, spending no chat.update', async () => {
    const view = await conv.commandView('echo hi');
    view.update('hi');
    await view.finish(outcome('echo hi', 'hi'));
    await new Promise((r) => setTimeout(r, FIRST_POST_DELAY_MS + 200));
    const posts = standIn.callsTo('chat.postMessage');
    expect(posts).toHaveLength(1);
    expect(String(posts[0]!.args.text)).toMatch(/^\$ echo hi: exit 0/);
    expect(standIn.callsTo('chat.update')).toHaveLength(0);
  });

  it('shows a longer command as "running", edits it with output, and ends with the final state', async () => {
    const view = await conv.commandView('sleep 2');
    await new Promise((r) => setTimeout(r, FIRST_POST_DELAY_MS + 300));
    view.update('tick');
    await view.finish(outcome('sleep 2', 'tick\ntock'));
    const posts = standIn.callsTo('chat.postMessage');
    expect(posts).toHaveLength(1);
    expect(String(posts[0]!.args.text)).toMatch(/\(running\)$/);
    const updates = standIn.callsTo('chat.update');
    expect(updates.length).toBeGreaterThanOrEqual(1);
    expect(updates.every((u) => u.args.ts === posts[0]!.response.ts)).toBe(true);
    expect(String(updates.at(-1)!.args.text)).toMatch(/exit 0/);
    expect(JSON.stringify(updates.at(-1)!.args.blocks)).toContain('tick\\ntock');
  });

  it('posts no "running" message while the update budget is short: the result comes as one new message', async () => {
    const client = new webApi.WebClient(standIn.botToken, { slackApiUrl: standIn.apiUrl });
    const { log } = captureLogs('warn');
    const budget = new UpdateBudget({ perMinute: 1, burst: 1, finalReserve: 0 });
    expect(budget.tryTake('final')).toBe(true);
    const short = new LiveMessageStreamer({ client, budget, log, minIntervalMs: 100 });
    const busy = new SlackConversation(client, short, 'D456', log);
    const view = await busy.commandView('sleep 2');
    await new Promise((r) => setTimeout(r, FIRST_POST_DELAY_MS + 300));
    expect(standIn.callsTo('chat.postMessage')).toEqual([]);
    await view.finish(outcome('sleep 2', 'done'));
    expect(standIn.callsTo('chat.postMessage').map((c) => String(c.args.text))).toEqual([expect.stringMatching(/^\$ sleep 2: exit 0/)]);
    expect(standIn.callsTo('chat.update')).toEqual([]);
    await short.close(100);
  });

  it('posts the result as a new message when its "running" message never landed', async () => {
    standIn.failNext('chat.postMessage', { error: 'fatal_error_that_is_not_retried' });
    const view = await conv.commandView('sleep 2');
    await new Promise((r) => setTimeout(r, FIRST_POST_DELAY_MS + 300));
    expect(standIn.callsTo('chat.postMessage')).toEqual([]);
    await view.finish(outcome('sleep 2', 'done'));
    expect(standIn.callsTo('chat.postMessage').map((c) => String(c.args.text))).toEqual([expect.stringMatching(/^\$ sleep 2: exit 0/)]);
  });
});

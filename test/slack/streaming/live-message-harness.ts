import { Writable } from 'node:stream';
import { webApi } from '@slack/bolt';
import { createLogger } from '../../../src/logger';
import type { LivePayload } from '../../../src/slack/streaming/live-message';
import { LiveMessageStreamer } from '../../../src/slack/streaming/live-message-streamer';
import { SlackStandIn, type RecordedCall } from '../../../src/slack/stand-in/slack-stand-in';
import { UpdateBudget } from '../../../src/slack/streaming/update-budget';
import { ClockDriver, TrackedFetch, VirtualClock } from '../../support/fakes/virtual-clock';

/**
 * The set-up the LiveMessage and LiveMessageStreamer tests share. The streamer runs on a virtual clock:
 * every interval, back-off, Retry-After and deadline is measured in virtual milliseconds, which only move
 * when no request is in flight. Requests still go over real HTTP to the Slack stand-in, so the wire
 * protocol (429 + Retry-After, HTTP 5xx, platform errors, the upload sequence) is the real one, while
 * timing assertions cannot depend on machine load. The bindings below are reassigned by setUp: test
 * files import them and see each test's values.
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

export const text = (s: string): LivePayload => ({ text: s, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: s } }] });

export interface SetUpOptions {
  rateLimits?: Record<string, number>;
  budget?: (now: () => number) => UpdateBudget;
  minIntervalMs?: number;
  finalDeadlineMs?: number;
  postDeadlineMs?: number;
}

export let standIn: SlackStandIn;
export let streamer: LiveMessageStreamer | undefined;
export let logs: ReturnType<typeof captureLog>;
export let clock: VirtualClock;
export let driver: ClockDriver;
/** Virtual time at which each request reached the stand-in (equal to when it was sent: time stands still while a request is in flight). */
export let sentAt: Map<RecordedCall, number>;

export async function setUp(opts: SetUpOptions = {}) {
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

export const at = (c: RecordedCall) => sentAt.get(c)!;
export const updatesOf = (ts: string) => standIn.calls.filter((c) => c.method === 'chat.update' && c.args.ts === ts);
export const deliveredUpdatesOf = (ts: string) => standIn.callsTo('chat.update').filter((c) => c.args.ts === ts);
export const gaps = (calls: RecordedCall[]) => calls.slice(1).map((c, i) => at(c) - at(calls[i]!));
export const logged = (msg: string) => logs.lines.filter((l) => l.msg === msg);

/** Closes the streamer (if a test did not) and the stand-in: each test file runs it after each test. */
export async function tearDown(): Promise<void> {
  if (streamer) await driver.run(streamer.close(1000));
  streamer = undefined;
  await standIn.stop();
}

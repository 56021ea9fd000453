/**
 * Slack end to end (speed): the real bot (Bolt over Socket Mode, Postgres, sandboxes)
 * against the Slack stand-in, which enforces Slack's real rate limits. Measures the time from the stand-in
 * sending a learner's DM to the bot's final edit of the command's live message.
 */
import { appendFileSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Writable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import Docker from 'dockerode';
import { readConfig } from '../src/config';
import { testMachineProfile } from '../src/sandbox';
import { createLogger } from '../src/logger';
import { SlackStandIn, type RecordedCall } from '../src/slack';
import { startBot, type Bot } from '../src/start-bot';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../src/store';
import type { BenchRow, BenchSection } from './bench-types';
import { ms, percentile } from './stats';

const run = promisify(execFile);

/** Slack's published limits: chat.update is Tier 3 (about 50 a minute), chat.postMessage about 1 a second per channel. */
export const SLACK_LIMITS = { 'chat.update': 50, 'chat.postMessage': 600 };
const SEQUENTIAL_N = Number(process.env.BENCH_E2E_N ?? 30);
/** Pause between sequential commands, so the workspace chat.update budget (45/min) is not what is measured. */
const SEQUENTIAL_GAP_MS = Number(process.env.BENCH_E2E_GAP_MS ?? 3000);
const LOAD_LEARNERS = Number(process.env.BENCH_E2E_LEARNERS ?? 20);
const LOAD_COMMANDS = 10;
const FINAL_TIMEOUT_MS = 60_000;
const TARGET_OVER_RAW_MS = 30;

const sleep = (n: number) => new Promise((r) => setTimeout(r, n));

interface Final {
  at: number;
  text: string;
  output: string;
}

interface Pending {
  channel: string;
  command: string;
  postedAt?: number;
  interims: number;
  resolve: (f: Final) => void;
}

/** Watches the stand-in's recorded calls and resolves each command's final state: its one post, or its last edit. */
export class FinalWatcher {
  private readonly pending = new Set<Pending>();
  private readonly posts = new Map<string, number[]>();

  constructor(standIn: SlackStandIn) {
    standIn.on('call', (call: RecordedCall) => this.onCall(call));
  }

  /** Resolves with the final edit of `command` in `channel`, or rejects after `timeoutMs`. */
  expect(channel: string, command: string, timeoutMs = FINAL_TIMEOUT_MS): { done: Promise<Final & { postedAt?: number; interims: number }> } {
    let p!: Pending;
    const done = new Promise<Final & { postedAt?: number; interims: number }>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(p);
        reject(new Error(`no final edit for "${command}" in ${channel} within ${timeoutMs} ms`));
      }, timeoutMs);
      p = {
        channel,
        command,
        interims: 0,
        resolve: (f) => {
          clearTimeout(timer);
          this.pending.delete(p);
          resolve({ ...f, postedAt: p.postedAt, interims: p.interims });
        },
      };
      this.pending.add(p);
    });
    return { done };
  }

  /** Resolves when any message is posted to `channel` after now (e.g. the welcome). */
  async nextPost(channel: string, timeoutMs: number): Promise<void> {
    const before = this.posts.get(channel)?.length ?? 0;
    const end = Date.now() + timeoutMs;
    while ((this.posts.get(channel)?.length ?? 0) <= before) {
      if (Date.now() > end) throw new Error(`no message posted to ${channel} within ${timeoutMs} ms`);
      await sleep(20);
    }
  }

  private onCall(call: RecordedCall): void {
    const now = performance.now();
    if (call.status !== 200 || call.response.ok !== true) return;
    const channel = String(call.args.channel ?? '');
    const text = String(call.args.text ?? '');
    if (call.method === 'chat.postMessage') {
      this.posts.set(channel, [...(this.posts.get(channel) ?? []), now]);
      for (const p of this.pending) {
        if (p.channel !== channel || !text.startsWith(`$ ${p.command}`)) continue;
        p.postedAt = now;
        // A quick command is posted once, already final (no chat.update at all).
        if (!text.endsWith('(running)')) p.resolve({ at: now, text, output: JSON.stringify(call.args.blocks ?? '') });
      }
      return;
    }
    if (call.method !== 'chat.update') return;
    for (const p of this.pending) {
      if (p.channel !== channel || !text.startsWith(`$ ${p.command}`)) continue;
      if (text.endsWith('(running)')) {
        p.interims += 1;
        continue;
      }
      p.resolve({ at: now, text, output: JSON.stringify(call.args.blocks ?? '') });
    }
  }
}

export interface Harness {
  standIn: SlackStandIn;
  bot: Bot;
  teamId: string;
  watcher: FinalWatcher;
  warnings: () => string[];
  stop(): Promise<void>;
}

/** Postgres, stand-in and the real bot (the same wiring as test/support/start-test-bot.ts, with a quiet logger). */
export async function startHarness(env: Record<string, string> = {}): Promise<Harness> {
  const dataDir = mkdtempSync(join(tmpdir(), 'dockhand-bench-pg-'));
  chmodSync(dataDir, 0o755);
  const cleanups: (() => Promise<unknown>)[] = [async () => rmSync(dataDir, { recursive: true, force: true })];
  const cleanup = async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch((err: unknown) => process.stderr.write(`bench: cleanup step failed: ${String(err)}\n`));
  };
  try {
    const pg: EmbeddedPostgres = await startEmbeddedPostgres({ dataDir, persistent: false });
    cleanups.push(() => pg.stop());
    const teamId = `T${randomBytes(5).toString('hex').toUpperCase()}`;
    const standIn = new SlackStandIn({ teamId, rateLimits: SLACK_LIMITS });
    const apiUrl = await standIn.start();
    cleanups.push(() => standIn.stop());
    const watcher = new FinalWatcher(standIn);
    const profile = process.env.SANDBOX_PROFILE || (await testMachineProfile(new Docker()));
    const config = readConfig({
      SLACK_BOT_TOKEN: standIn.botToken,
      SLACK_APP_TOKEN: standIn.appToken,
      SLACK_API_URL: apiUrl,
      DATABASE_URL: pg.url,
      SHUTDOWN_DEADLINE_MS: '3000',
      SANDBOX_PROFILE: profile,
      // the bench runs on test machines: it accepts the test profile deliberately where the engine has no userns
      ...(profile === 'test-host-cgroup' ? { SANDBOX_ALLOW_TEST_HOST_CGROUP: 'true' } : {}),
      SANDBOX_INSTANCE: `bench-e2e-${Date.now().toString(36)}`,
      COMMANDS_PER_MINUTE: '600',
      SANDBOX_MAX_COUNT: String(LOAD_LEARNERS + 1),
      // the bot's priority as the product sets it (default -10); BOT_NICE=0 to measure without it
      ...(process.env.BOT_NICE !== undefined && { BOT_NICE: process.env.BOT_NICE }),
      ...env,
    });
    const warnings: string[] = [];
    const destination = new Writable({
      write(chunk, _enc, cb) {
        for (const line of String(chunk).split('\n')) if (line.trim()) warnings.push(line);
        // BENCH_BOT_LOG: a file that gets the bot's warnings as they happen (to watch a long section)
        if (process.env.BENCH_BOT_LOG) appendFileSync(process.env.BENCH_BOT_LOG, String(chunk));
        cb();
      },
    });
    const bot = await startBot(config, createLogger({ level: 'warn', pretty: false, destination }));
    cleanups.push(async () => {
      await bot.stop();
      await bot.sandboxes.destroyAll();
    });
    await standIn.waitForConnection();
    return { standIn, bot, teamId, watcher, warnings: () => warnings, stop: cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

async function sendCommand(h: Harness, user: string, command: string): Promise<{ sentAt: number; final: Final & { postedAt?: number; interims: number } }> {
  const channel = h.standIn.dmChannelFor(user);
  const { done } = h.watcher.expect(channel, command);
  const sentAt = performance.now();
  await h.standIn.sendDirectMessage(user, `$ ${command}`);
  return { sentAt, final: await done };
}

/** First contact (welcome) and the first command (creates the sandbox), so later commands run on a ready sandbox. */
async function warmUp(h: Harness, user: string): Promise<void> {
  const channel = h.standIn.dmChannelFor(user);
  const welcome = h.watcher.nextPost(channel, 15_000);
  await h.standIn.sendDirectMessage(user, 'help');
  await welcome;
  const { final } = await sendCommand(h, user, 'echo warm');
  if (!final.text.includes('exit 0')) throw new Error(`warm-up command failed: ${final.text}`);
}

async function sequential(h: Harness): Promise<BenchRow[]> {
  const user = `U${randomBytes(4).toString('hex').toUpperCase()}`;
  await warmUp(h, user);
  const container = h.bot.sandboxes.containerIdOf(`${h.teamId}:${user}`);
  if (!container) throw new Error('bench: the learner has no sandbox after the warm-up');
  const e2e: number[] = [];
  const firstPost: number[] = [];
  const postToFinal: number[] = [];
  const raw: number[] = [];
  let interims = 0;
  for (let i = 0; i < SEQUENTIAL_N; i++) {
    await sleep(SEQUENTIAL_GAP_MS);
    const { sentAt, final } = await sendCommand(h, user, 'echo hi');
    if (!final.text.includes('exit 0') || !final.output.includes('hi')) throw new Error(`unexpected final edit: ${final.text}`);
    e2e.push(final.at - sentAt);
    if (final.postedAt !== undefined) {
      firstPost.push(final.postedAt - sentAt);
      postToFinal.push(final.at - final.postedAt);
    }
    interims += final.interims;
    const t = performance.now();
    await run('docker', ['exec', container, 'echo', 'hi'], { timeout: 30_000 });
    raw.push(performance.now() - t);
  }
  const p50 = percentile(e2e, 50);
  const rawP50 = percentile(raw, 50);
  const n = SEQUENTIAL_N;
  return [
    { metric: `DM \`$ echo hi\` to final edit, ready sandbox, p50 (n=${n}, sequential)`, value: ms(p50), target: `<= raw + ${TARGET_OVER_RAW_MS} ms`, note: `p95 ${ms(percentile(e2e, 95))}; ${SEQUENTIAL_GAP_MS / 1000} s pause between commands` },
    { metric: `raw \`docker exec <c> echo hi\` (CLI), same run, p50 (n=${n})`, value: ms(rawP50), note: `p95 ${ms(percentile(raw, 95))}` },
    { metric: 'ratio end to end / raw', value: (p50 / rawP50).toFixed(2), target: p50 <= rawP50 + TARGET_OVER_RAW_MS ? 'met' : 'NOT met' },
    { metric: 'DM to first post ("running"), p50', value: ms(percentile(firstPost, 50)), note: `p95 ${ms(percentile(firstPost, 95))}` },
    { metric: 'first post to final edit, p50', value: ms(percentile(postToFinal, 50)), note: `p95 ${ms(percentile(postToFinal, 95))}; interim edits in between: ${interims} over ${n} commands` },
  ];
}

async function load(h: Harness): Promise<BenchRow[]> {
  const users = Array.from({ length: LOAD_LEARNERS }, (_, i) => `U${randomBytes(3).toString('hex').toUpperCase()}L${i}`);
  const t0 = performance.now();
  const warm = await Promise.allSettled(users.map((u) => warmUp(h, u)));
  const warmMs = performance.now() - t0;
  const warmFailures = warm.filter((r) => r.status === 'rejected');
  for (const f of warmFailures) process.stderr.write(`bench: warm-up failed: ${String((f as PromiseRejectedResult).reason)}\n`);
  const lat: number[] = [];
  const firstPost: number[] = [];
  const postToFinal: number[] = [];
  let errors = 0;
  let timeouts = 0;
  const violationsBefore = h.standIn.rateLimitViolations.length;
  const t1 = performance.now();
  await Promise.all(
    users.map(async (user, i) => {
      for (let j = 0; j < LOAD_COMMANDS; j++) {
        const n = i * 100 + j;
        try {
          const { sentAt, final } = await sendCommand(h, user, `echo ${n}`);
          lat.push(final.at - sentAt);
          if (final.postedAt !== undefined) {
            firstPost.push(final.postedAt - sentAt);
            postToFinal.push(final.at - final.postedAt);
          }
          if (!final.text.includes('exit 0') || !final.output.includes(String(n))) {
            errors++;
            process.stderr.write(`bench: unexpected final for echo ${n}: ${final.text}\n`);
          }
        } catch (err) {
          errors++;
          if (String(err).includes('no final edit')) timeouts++;
          process.stderr.write(`bench: ${String(err)}\n`);
        }
      }
    }),
  );
  const wall = performance.now() - t1;
  const total = LOAD_LEARNERS * LOAD_COMMANDS;
  const updates = h.standIn.calls.filter((c) => c.method === 'chat.update' && c.status === 200).length;
  return [
    { metric: `${LOAD_LEARNERS} learners: welcome + first command (cold sandbox) each, all at once`, value: ms(warmMs), note: `${warmFailures.length} failed` },
    { metric: `${LOAD_LEARNERS} learners x ${LOAD_COMMANDS} \`$ echo n\`: DM to final edit, p50`, value: ms(percentile(lat, 50)), note: 'each learner waits for its final edit before the next command' },
    { metric: `${LOAD_LEARNERS} learners x ${LOAD_COMMANDS}: p95`, value: ms(percentile(lat, 95)), note: `over the ${lat.length} that got a final edit within ${FINAL_TIMEOUT_MS / 1000} s; max ${ms(Math.max(...lat))}; all ${total} commands done in ${(wall / 1000).toFixed(1)} s (${((total / wall) * 60000).toFixed(0)} finals/min)` },
    { metric: `${LOAD_LEARNERS} learners x ${LOAD_COMMANDS}: DM to first post ("running"), p50`, value: ms(percentile(firstPost, 50)), note: `p95 ${ms(percentile(firstPost, 95))}` },
    { metric: `${LOAD_LEARNERS} learners x ${LOAD_COMMANDS}: first post to final edit, p50`, value: ms(percentile(postToFinal, 50)), note: `p95 ${ms(percentile(postToFinal, 95))}; the wait for a chat.update token` },
    { metric: `${LOAD_LEARNERS} learners x ${LOAD_COMMANDS}: errors`, value: String(errors), target: '0', note: `no final edit within ${FINAL_TIMEOUT_MS / 1000} s: ${timeouts}; the rest: non-zero exit or wrong output` },
    { metric: 'rate-limit violations recorded by the stand-in (whole run)', value: String(h.standIn.rateLimitViolations.length), target: '0', note: `limits per minute: chat.update ${SLACK_LIMITS['chat.update']}, chat.postMessage ${SLACK_LIMITS['chat.postMessage']}; during the load part: ${h.standIn.rateLimitViolations.length - violationsBefore}; chat.update calls answered 200 in the whole run: ${updates}` },
  ];
}

export const slackEndToEnd: BenchSection = {
  title: 'Slack end to end',
  async run() {
    const h = await startHarness();
    try {
      const rows = [...(await sequential(h)), ...(await load(h))];
      const warn = h.warnings();
      if (warn.length) process.stderr.write(`bench: the bot logged ${warn.length} warnings/errors; first: ${warn.slice(0, 3).join('\n')}\n`);
      rows.push({ metric: 'bot warnings/errors logged during the section', value: String(warn.length) });
      return rows;
    } finally {
      await h.stop();
    }
  },
};

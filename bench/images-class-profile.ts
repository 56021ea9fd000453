/**
 * Where a class start spends its time, per phase, for the loaded-class and workshop rows: each learner's DM to
 * card, DM to sandbox handed over (ready), the background lesson pulls (how many ran, when the last ended, how many
 * still ran when the class typed), and how late the bench's own event loop ran (the bot shares this process, so
 * a blocked loop delays every card and output alike).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { RecordedCall } from '../src/slack';
import type { Harness } from './slack-e2e';
import { ms, percentile } from './stats';

export interface ClassProfile {
  /** Marks the moment the learners' DMs went out. */
  begin(): void;
  card(user: string): void;
  /** Marks the moment the class starts typing. */
  typing(): void;
  /** A learner's first command: sent, shown, and its "running" message posted first if it was (performance.now()). */
  output(user: string, sentAt: number, finalAt: number, runningPostedAt?: number): void;
  stop(): string;
}

export function profileClass(h: Harness, klass: string[]): ClassProfile {
  const keys = new Map(klass.map((u) => [`${h.teamId}:${u}`, u]));
  let t0 = performance.now();
  const cards: number[] = [];
  const ready: number[] = [];
  const readyAt = new Map<string, number>();
  const off = h.bot.sandboxes.on((e) => {
    const user = keys.get(e.learnerKey);
    if (e.type === 'created' && user !== undefined) {
      ready.push(performance.now() - t0);
      readyAt.set(user, performance.now());
    }
  });
  // the first command split in two: waiting for the learner's sandbox (not the bot's part), and the rest after it
  const waitedForSandbox: number[] = [];
  const afterReady: number[] = [];
  // commands whose output came as an edit of a "running" message (chat.update, budgeted per workspace), and when
  const runningPosted: number[] = [];
  const postToFinal: number[] = [];
  // the card path's Slack calls, per learner: users.info (after the learner's rows are stored), the first post
  const channels = new Map(klass.map((u) => [h.standIn.dmChannelFor(u), u]));
  const users = new Set(klass);
  const named: number[] = [];
  const firstPost = new Map<string, number>();
  const onCall = (c: RecordedCall) => {
    const at = performance.now() - t0;
    if (c.method === 'users.info' && users.has(String(c.args.user))) named.push(at);
    if (c.method === 'chat.postMessage' && channels.has(String(c.args.channel)) && !firstPost.has(String(c.args.channel))) firstPost.set(String(c.args.channel), at);
  };
  h.standIn.on('call', onCall);
  const pulls0 = h.bot.tutor.prePulls;
  let lastPullAt = NaN;
  let atTyping = '';
  let typedAt = NaN;
  const poll = setInterval(() => {
    const s = h.bot.tutor.prePulls;
    if (s.running + s.waiting > 0) lastPullAt = performance.now() - t0;
  }, 100);
  const lag = monitorEventLoopDelay({ resolution: 20 });
  lag.enable();
  return {
    begin: () => {
      t0 = performance.now();
    },
    card: () => void cards.push(performance.now() - t0),
    output: (user, sentAt, finalAt, runningPostedAt) => {
      // the watcher notes a post of the command whether it was final or "running": only an earlier one was running
      if (runningPostedAt !== undefined && runningPostedAt < finalAt) {
        runningPosted.push(runningPostedAt - sentAt);
        postToFinal.push(finalAt - runningPostedAt);
      }
      const r = readyAt.get(user) ?? sentAt;
      waitedForSandbox.push(Math.max(0, r - sentAt));
      afterReady.push(finalAt - Math.max(sentAt, r));
    },
    typing: () => {
      typedAt = performance.now() - t0;
      const s = h.bot.tutor.prePulls;
      atTyping = `${s.running} running + ${s.waiting} waiting`;
    },
    stop: () => {
      off();
      h.standIn.off('call', onCall);
      clearInterval(poll);
      lag.disable();
      const s = h.bot.tutor.prePulls;
      const pulls = `lesson pulls ${s.started - pulls0.started} started, ${s.failed - pulls0.failed} failed, ${s.dropped - pulls0.dropped} dropped, ${s.yielded - pulls0.yielded} times held back for learners' work, last ended ${ms(lastPullAt)}, ${atTyping} when typing at ${ms(typedAt)}`;
      const q = (v: number[]) => `p50 ${ms(percentile(v, 50))} / p95 ${ms(percentile(v, 95))} / max ${ms(Math.max(...v))}`;
      return `profile: users.info ${q(named)}; first post ${q([...firstPost.values()])}; card ${q(cards)}; sandbox ready (${ready.length}) ${q(ready)}; first command waited for its sandbox ${q(waitedForSandbox)}, then output after ${q(afterReady)}; ${runningPosted.length} outputs as an edit of a "running" message (posted ${q(runningPosted)} after the DM, final ${q(postToFinal)} after it); ${pulls}; event-loop delay p99 ${ms(lag.percentile(99) / 1e6)}, max ${ms(lag.max / 1e6)}`;
    },
  };
}

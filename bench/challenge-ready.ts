/**
 * Challenge accept-to-ready (races measure skill, not pulls): the real bot through the Slack
 * stand-in. A learner presses Accept on a challenge card; the bot resets their sandbox, hands them one of the
 * challenge's warm sandboxes (the exercise's images already pulled in; CHALLENGE_WARM_SANDBOXES) or, with none
 * ready, starts one and pulls the images from the offline mirror, and only then posts the task. Measured:
 * - accept-to-ready: from the stand-in sending the Accept click to the step card's chat.postMessage
 *   (sequential, then BENCH_RACE_CROWD learners at once, each after the challenge's warm sandboxes are ready:
 *   learners read the card first); also the stored readyAt - acceptedAt.
 * - the racer's first `docker run -d -p 8080:80 nginx` right after the task appears (image present),
 *   against the same command in a fresh sandbox without the pre-pull (pulls from the mirror), same run.
 */
import { randomBytes } from 'node:crypto';
import type { RecordedCall } from '../src/slack';
import type { BenchSection } from './bench-types';
import { startHarness, type Harness } from './slack-e2e';
import { ms, percentile } from './stats';

const SEQ_N = Number(process.env.BENCH_RACE_N ?? 5);
const CROWD = Number(process.env.BENCH_RACE_CROWD ?? 5);
export const ADMIN = 'U0BENCHADMIN';
const EXERCISE = 'nginx-on-8080';
const RUN = 'docker run -d --name web -p 8080:80 nginx';
/** Warm sandboxes to wait for before the accepts (unset: the bot's default, until their number stops growing). */
const WARM = process.env.BENCH_RACE_WARM ? Number(process.env.BENCH_RACE_WARM) : undefined;

const user = (tag: string) => `U${tag}${randomBytes(3).toString('hex').toUpperCase()}`;

/** Resolves at the first successful call matching `pred` from now on (performance.now() when the stand-in recorded it). */
function nextCall(h: Harness, pred: (c: RecordedCall) => boolean, timeoutMs: number): Promise<{ call: RecordedCall; at: number }> {
  return new Promise((resolve, reject) => {
    const onCall = (c: RecordedCall) => {
      if (c.status !== 200 || c.response.ok !== true || !pred(c)) return;
      clearTimeout(timer);
      h.standIn.off('call', onCall);
      resolve({ call: c, at: performance.now() });
    };
    const timer = setTimeout(() => {
      h.standIn.off('call', onCall);
      reject(new Error(`bench: no matching Slack call within ${timeoutMs} ms`));
    }, timeoutMs);
    h.standIn.on('call', onCall);
  });
}

/** Posts `/tutor challenge start` for the exercise in a new channel; resolves with the challenge card's call. */
export async function startChallenge(h: Harness): Promise<RecordedCall> {
  const channel = `C${randomBytes(4).toString('hex').toUpperCase()}`;
  const card = nextCall(h, (c) => c.method === 'chat.postMessage' && c.args.channel === channel && String(c.args.text).startsWith('Challenge:'), 30_000);
  await h.standIn.sendSlashCommand({ command: '/tutor', team_id: h.teamId, user_id: ADMIN, channel_id: channel, text: `challenge start ${EXERCISE} 2h` });
  return (await card).call;
}

/** `/tutor challenge end` in the card's channel (its warm sandboxes go). */
export async function endChallenge(h: Harness, card: RecordedCall): Promise<void> {
  await h.standIn.sendSlashCommand({ command: '/tutor', team_id: h.teamId, user_id: ADMIN, channel_id: String(card.args.channel), text: 'challenge end' });
}

/**
 * Waits until the bot's warm challenge sandboxes are ready: `want` of them, or (undefined) until their number has
 * not grown for 3 s; resolves with how many are ready.
 */
export async function warmReady(h: Harness, want?: number, timeoutMs = 90_000): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  let last = -1;
  let since = performance.now();
  for (;;) {
    const n = h.bot.sandboxes.stats().prepared ?? 0;
    if (want !== undefined ? n >= want : n > 0 && performance.now() - since >= 3000) return n;
    if (n !== last) [last, since] = [n, performance.now()];
    if (performance.now() > deadline) return n;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Clicks Accept for `learner`; resolves with the click-to-task time, or NaN when the task never came (logged). */
export async function acceptToReady(h: Harness, card: RecordedCall, learner: string, timeoutMs = 600_000): Promise<number> {
  const blocks = card.args.blocks as { elements?: { action_id: string; value: string }[] }[];
  const button = blocks.flatMap((b) => b.elements ?? []).find((e) => e.action_id.startsWith('challenge:accept:'))!;
  const dm = h.standIn.dmChannelFor(learner);
  const task = nextCall(h, (c) => c.method === 'chat.postMessage' && c.args.channel === dm && /step 1 of 1|could not prepare/.test(String(c.args.text)), timeoutMs);
  const t0 = performance.now();
  await h.standIn.clickButton(learner, { channel: String(card.args.channel), ts: String(card.response.ts), blocks: card.args.blocks }, { action_id: button.action_id, value: button.value });
  try {
    const { call, at } = await task;
    if (/step 1 of 1/.test(String(call.args.text))) return at - t0;
    process.stderr.write(`bench: ${learner}: ${String(call.args.text)}\n`);
  } catch (err) {
    process.stderr.write(`bench: ${learner}: ${String(err)}\n`);
  }
  return NaN;
}

/** `$ command` from `learner`, DM to final output. */
async function timed(h: Harness, learner: string, command: string): Promise<number> {
  const { done } = h.watcher.expect(h.standIn.dmChannelFor(learner), command, 300_000);
  const t0 = performance.now();
  await h.standIn.sendDirectMessage(learner, `$ ${command}`);
  const final = await done;
  if (!final.text.includes('exit 0')) throw new Error(`bench: \`${command}\` did not succeed: ${final.text}`);
  return final.at - t0;
}

/** The harness env the measurements below need: the bench's admin, and room for `one` + `crowd` racers and baselines. */
export function acceptHarnessEnv(one = SEQ_N, crowd = CROWD): Record<string, string> {
  return { ADMIN_USER_IDS: ADMIN, SANDBOX_MAX_COUNT: String(crowd + one * 2 + 2) };
}

/**
 * Accept-to-ready on its own (for other sections): `one` learners one at a time in a challenge, then `crowd` at once
 * in a second one, each after its warm sandboxes are ready. Click-to-task ms per learner (NaN: no task came).
 */
export async function measureAcceptToReady(h: Harness, one = SEQ_N, crowd = CROWD): Promise<{ one: number[]; atOnce: number[]; warmReady: { one: number; atOnce: number } }> {
  h.standIn.setMaxListeners(crowd + 10);
  const card = await startChallenge(h);
  const warmOne = await warmReady(h, WARM);
  const seq: number[] = [];
  for (let i = 0; i < one; i++) seq.push(await acceptToReady(h, card, user('RACE')));
  await endChallenge(h, card);
  const crowdCard = await startChallenge(h);
  const warmCrowd = await warmReady(h, WARM);
  const atOnce = await Promise.all(Array.from({ length: crowd }, () => acceptToReady(h, crowdCard, user('CROWD'))));
  await endChallenge(h, crowdCard);
  return { one: seq, atOnce, warmReady: { one: warmOne, atOnce: warmCrowd } };
}

export const challengeReady: BenchSection = {
  title: 'Challenge accept-to-ready',
  async run() {
    const h = await startHarness(acceptHarnessEnv());
    // One 'call' listener per learner waiting for their task, plus the harness's own.
    h.standIn.setMaxListeners(CROWD + 10);
    try {
      const card = await startChallenge(h);
      const warmSeq = await warmReady(h, WARM);
      const seq: number[] = [];
      const firstRun: number[] = [];
      const racers: string[] = [];
      for (let i = 0; i < SEQ_N; i++) {
        const learner = user('RACE');
        racers.push(learner);
        seq.push(await acceptToReady(h, card, learner));
        if (!Number.isFinite(seq.at(-1)!)) throw new Error(`bench: ${learner} got no task (see above)`);
        firstRun.push(await timed(h, learner, RUN));
      }
      // The same first `docker run` in a fresh sandbox that never pulled nginx (an ordinary DM learner).
      const baseline: number[] = [];
      for (let i = 0; i < SEQ_N; i++) {
        const learner = user('BASE');
        await timed(h, learner, 'true');
        baseline.push(await timed(h, learner, RUN));
      }
      // The first challenge ends (its warm sandboxes go), as a class runs one race at a time.
      await endChallenge(h, card);
      const crowdCard = await startChallenge(h);
      const warmCrowd = await warmReady(h, WARM);
      const crowdAll = await Promise.all(Array.from({ length: CROWD }, () => acceptToReady(h, crowdCard, user('CROWD'))));
      const crowd = crowdAll.filter((x) => Number.isFinite(x));
      for (const w of h.warnings().slice(0, 20)) process.stderr.write(`bench: bot log: ${w.slice(0, 300)}\n`);
      // The task is posted just before readyAt is stored: give the last ones a moment.
      const expected = SEQ_N + crowd.length;
      let rows = await h.bot.db.prisma.challengeEntry.findMany({ where: { readyAt: { not: null } } });
      for (let i = 0; i < 50 && rows.length < expected; i++) {
        await new Promise((r) => setTimeout(r, 100));
        rows = await h.bot.db.prisma.challengeEntry.findMany({ where: { readyAt: { not: null } } });
      }
      const stored = rows.map((r) => r.readyAt!.getTime() - r.acceptedAt.getTime());
      const a = percentile(firstRun, 50);
      const b = percentile(baseline, 50);
      return [
        { metric: `accept-to-ready (click to task, images pulled), p50 (n=${SEQ_N}, one at a time)`, value: ms(percentile(seq, 50)), note: `p95 ${ms(percentile(seq, 95))}; ${warmSeq} warm sandboxes ready at the first accept (nginx pulled in); reset + claim (or fresh sandbox + pull) + step card` },
        { metric: `accept-to-ready, ${CROWD} learners accepting at once, p50`, value: ms(percentile(crowd, 50)), note: `p95 ${ms(percentile(crowd, 95))}; max ${ms(Math.max(...crowd))}; ${warmCrowd} warm ready before; no task within 10 min: ${CROWD - crowd.length}` },
        { metric: 'accept-to-ready as stored (readyAt - acceptedAt, database clock), p50', value: ms(percentile(stored, 50)), note: `n=${stored.length}; the race clock starts at readyAt` },
        { metric: `racer's first \`${RUN}\` after the task appears, p50`, value: ms(a), note: `p95 ${ms(percentile(firstRun, 95))}; image already in the sandbox` },
        { metric: 'same command in a fresh sandbox without the pre-pull (same run), p50', value: ms(b), note: `p95 ${ms(percentile(baseline, 95))}; pulls nginx from the mirror first` },
        { metric: 'ratio first run after accept / without pre-pull', value: (a / b).toFixed(2), target: '< 0.5' },
        { metric: 'bot warnings/errors logged during the section', value: String(h.warnings().length), note: h.warnings().slice(0, 2).join(' / ').slice(0, 200) },
      ];
    } finally {
      await h.stop();
    }
  },
};

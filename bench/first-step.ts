/**
 * The course's first step, through the real bot and the Slack stand-in: fresh learners one at a time send
 * `start 1`, read the step (BENCH_FIRST_STEP_READ_MS, default 5 s: the sandbox starts and the lesson's images are
 * pulled in the background meanwhile), then `docker run hello-world`; time from the message to its final output.
 * Then the same without reading, honestly: the sandbox may still be starting when the command arrives.
 *
 * Rows only: the Images section calls firstHelloWorld(ctx). Alone: `npx tsx bench/first-step.ts`.
 */
import { randomBytes } from 'node:crypto';
import type { BenchContext, BenchRow } from './bench-types';
import { startHarness, type Harness } from './slack-e2e';
import { ms, percentile } from './stats';

const N = Number(process.env.BENCH_FIRST_STEP_N ?? 10);
const READ_MS = Number(process.env.BENCH_FIRST_STEP_READ_MS ?? 5_000);
const TARGET_MS = 1_500;
const COMMAND = 'docker run hello-world';

const sleep = (n: number) => new Promise((r) => setTimeout(r, n));

interface Try {
  /** Message to final output, ms (NaN: never delivered). */
  latency: number;
  ok: boolean;
  /** The command pulled the image itself ("Unable to find image"): the background pull had not brought it yet. */
  pulledItself: boolean;
  /** From `start 1` to the sandbox handed over (NaN: not by the time the command was sent). */
  sandboxMs: number;
  /** A background pull was running when the command was sent. */
  pulling: boolean;
  /** The same run straight through the sandbox port afterwards (no Slack, image present): the engine's floor. */
  floorMs: number;
}

/** One fresh learner: `start 1`, the step card, a pause, then the first command. */
async function firstStep(h: Harness, readMs: number): Promise<Try> {
  const user = `UFIRST${randomBytes(4).toString('hex').toUpperCase()}`;
  const channel = h.standIn.dmChannelFor(user);
  const key = `${h.teamId}:${user}`;
  const card = h.standIn.waitForCall('chat.postMessage', (c) => c.args.channel === channel && /step 1 of/.test(String(c.args.text)), 60_000);
  const opened = performance.now();
  let sandboxMs = NaN;
  const watching = (async () => {
    while (!h.bot.sandboxes.containerIdOf(key) && performance.now() - opened < 120_000) await sleep(20);
    sandboxMs = performance.now() - opened;
  })();
  await h.standIn.sendDirectMessage(user, 'start 1');
  await card;
  await sleep(readMs);
  const { done } = h.watcher.expect(channel, COMMAND, 120_000);
  const pulling = h.bot.tutor.prePulls.running > 0;
  const sentAt = performance.now();
  const handedBefore = Number.isFinite(sandboxMs);
  await h.standIn.sendDirectMessage(user, `$ ${COMMAND}`);
  try {
    const final = await done;
    const ok = final.text.includes('exit 0') && final.output.includes('Hello from Docker');
    if (!ok) process.stderr.write(`bench: first step: wrong final: ${final.text.slice(0, 120)} | ${final.output.slice(0, 300)}\n`);
    await watching;
    const f0 = performance.now();
    await h.bot.sandboxes.execScript(key, 'docker run --rm hello-world >/dev/null', { timeoutMs: 60_000 });
    const floorMs = performance.now() - f0;
    return { latency: final.at - sentAt, ok, pulledItself: final.output.includes('Unable to find image'), sandboxMs: handedBefore ? sandboxMs : NaN, pulling, floorMs };
  } catch (err) {
    process.stderr.write(`bench: first step: ${String(err)}\n`);
    return { latency: NaN, ok: false, pulledItself: false, sandboxMs: NaN, pulling, floorMs: NaN };
  } finally {
    // Background work (the step's automatic check) first, then the sandbox goes: the next learner starts alone.
    const deadline = performance.now() + 30_000;
    while (h.bot.tutor.commandsRunning > 0 && performance.now() < deadline) await sleep(100);
    await h.bot.sandboxes.reset(`${h.teamId}:${user}`).catch(() => undefined);
  }
}

async function series(h: Harness, n: number, readMs: number) {
  const tries: Try[] = [];
  for (let i = 0; i < n; i++) tries.push(await firstStep(h, readMs));
  const finite = (xs: number[]) => xs.filter((x) => Number.isFinite(x));
  const lat = finite(tries.map((t) => t.latency));
  const sandbox = finite(tries.map((t) => t.sandboxMs));
  const floor = finite(tries.map((t) => t.floorMs));
  // Where the time went, for the notes: the sandbox start, a pull still running, the engine's own floor.
  const breakdown = `sandbox handed over p50 ${ms(percentile(sandbox, 50))} after \`start 1\` (${n - sandbox.length} not yet at the command); a pull still running at the command in ${tries.filter((t) => t.pulling).length}; engine floor (the same run by exec, image present) p50 ${ms(percentile(floor, 50))}`;
  return { lat, failed: n - lat.length, wrong: tries.filter((t) => Number.isFinite(t.latency) && !t.ok).length, pulledItself: tries.filter((t) => t.pulledItself).length, breakdown };
}

/** Why background pulls failed, from the bot's warnings (the first, shortened). */
function failures(h: Harness): string {
  const lines = h.warnings().filter((l) => l.includes('lesson images'));
  if (lines.length === 0) return 'no warning logged';
  const first = JSON.parse(lines[0]!) as { msg?: string; detail?: string; code?: string; message?: string };
  return `${lines.length} warned, e.g. ${first.msg}: ${String(first.detail ?? first.code ?? first.message ?? '').slice(0, 120)}`;
}

/** Rows for the Images section: the first hello-world, after a reading pause and without one. */
export async function firstHelloWorld(ctx?: Pick<BenchContext, 'config'>): Promise<BenchRow[]> {
  const h = await startHarness(ctx ? { SANDBOX_PROFILE: ctx.config().profile } : {});
  try {
    // One learner first, unmeasured: the bot's first sandbox start pays for cold caches the course never sees again.
    await firstStep(h, 0);
    const read = await series(h, N, READ_MS);
    const p50 = percentile(read.lat, 50);
    const rows: BenchRow[] = [
      {
        metric: `first \`${COMMAND}\` after \`start 1\` and a ${READ_MS / 1000} s read, ${N} fresh learners one at a time: message to output p50`,
        value: ms(p50),
        target: `<= ${TARGET_MS} ms`,
        note: `p95 ${ms(percentile(read.lat, 95))}; ${read.failed} not delivered, ${read.wrong} wrong; ${read.pulledItself} of ${N} still pulled the image themselves; ${read.breakdown}; ${Number.isFinite(p50) && p50 <= TARGET_MS ? 'met' : 'NOT met'}`,
      },
    ];
    const cold = await series(h, N, 0);
    const pulls = h.bot.tutor.prePulls;
    rows.push({
      metric: `first \`${COMMAND}\` sent right after the step card (no reading; the sandbox may still be starting): p50 / p95`,
      value: `${ms(percentile(cold.lat, 50))} / ${ms(percentile(cold.lat, 95))}`,
      note: `${cold.failed} not delivered, ${cold.wrong} wrong; ${cold.pulledItself} of ${N} pulled the image themselves; ${cold.breakdown}; background pulls: ${pulls.started} started, ${pulls.failed} failed (${failures(h)}), at most ${pulls.peak} at once`,
    });
    return rows;
  } finally {
    await h.stop();
  }
}

if (require.main === module) {
  firstHelloWorld()
    .then((rows) => {
      for (const r of rows) process.stdout.write(`${r.metric}: ${r.value}${r.target ? ` (target ${r.target})` : ''}${r.note ? ` | ${r.note}` : ''}\n`);
      process.exit(0);
    })
    .catch((err: unknown) => {
      process.stderr.write(`bench: first step failed: ${String(err)}\n`);
      process.exit(1);
    });
}

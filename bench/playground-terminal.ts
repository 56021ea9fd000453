/**
 * Playground terminal (speed): keystroke to echo in the browser terminal. The real bot (Socket Mode, Postgres,
 * a real sandbox) with the Slack stand-in; a real headless Chromium opens the learner's link and types at the
 * shell prompt. Each key is timed inside the page, from its keydown to the character on xterm.js's screen (the
 * DOM rows, i.e. after the bot, the sandbox's tty echo, the WebSocket and xterm's parse and render), and to the
 * WebSocket message that carries the echo (the network, bot and shell part alone). The baseline, in the same
 * run and interleaved round by round (this machine's load moves a lot): the same keys written to a bare
 * `docker exec -it` pty into the same sandbox, timed to their echo, without bot, WebSocket or browser.
 */
import { loadavg } from 'node:os';
import * as nodePty from 'node-pty';
import { chromium, type Page } from 'playwright-core';
import type { BenchSection } from './bench-types';
import { startHarness } from './slack-e2e';
import { ms, percentile } from './stats';

const ROUNDS = Number(process.env.BENCH_TERMINAL_ROUNDS ?? 4);
const CHARS_PER_ROUND = 25;
const TARGET_P95_MS = 50;
// Debian's chromium, headless, reaching nothing but the bot's own playground
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-gpu', '--no-first-run', '--disable-sync'];

/**
 * In the page (plain JavaScript: the bench compiles without DOM types): time-stamps every WebSocket message before
 * the page's own handler runs, and `__arm(want)` starts timing the next keydown until the rows show `want`.
 */
const PAGE_SCRIPT = `(() => {
  const Native = window.WebSocket;
  const wsAt = [];
  window.WebSocket = class extends Native {
    constructor(...a) { super(...a); this.addEventListener('message', () => wsAt.push(performance.now())); }
  };
  window.__arm = (want) => {
    const rows = document.querySelector('.xterm-rows');
    window.__sample = new Promise((resolve) => {
      let t0 = NaN;
      window.addEventListener('keydown', () => (t0 = performance.now()), { capture: true, once: true });
      const seen = new MutationObserver(() => {
        if (Number.isNaN(t0) || !(rows.textContent || '').includes(want)) return;
        seen.disconnect();
        const now = performance.now();
        resolve({ screen: now - t0, ws: (wsAt.find((at) => at >= t0) ?? now) - t0 });
      });
      seen.observe(rows, { subtree: true, childList: true, characterData: true });
    });
  };
})();`;

interface Sample {
  screen: number;
  ws: number;
}

/** Presses `key` and resolves once the rows show `expected`: how long after the keydown, on screen and on the wire. */
async function timeKey(page: Page, key: string, expected: string): Promise<Sample> {
  await page.evaluate(`window.__arm(${JSON.stringify(expected)})`);
  await page.keyboard.press(key);
  return (await page.evaluate('window.__sample')) as Sample;
}

/** A bare `docker exec -it` shell into the sandbox: the echo time nothing of ours is in. */
function directShell(containerId: string) {
  const p = nodePty.spawn('docker', ['exec', '-it', containerId, 'bash', '--norc', '--noprofile', '-i'], { name: 'xterm', cols: 100, rows: 30, env: process.env as Record<string, string>, encoding: 'utf8' });
  let out = '';
  let wait: { want: string; done: () => void } | undefined;
  p.onData((d) => {
    out = (out + d).slice(-4096);
    if (wait && out.includes(wait.want)) wait.done();
  });
  const until = (want: string, timeoutMs = 30_000) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the direct shell never echoed ${want}`)), timeoutMs);
      wait = { want, done: () => (clearTimeout(timer), (wait = undefined), resolve()) };
      if (out.includes(want)) wait.done();
    });
  return {
    until,
    async time(key: string, expected: string): Promise<number> {
      const t0 = performance.now();
      const echoed = until(expected);
      p.write(key);
      await echoed;
      return performance.now() - t0;
    },
    write: (d: string) => p.write(d),
    kill: () => p.kill(),
  };
}

async function waitForRows(page: Page, pattern: RegExp, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!pattern.test(await page.locator('.xterm-rows').innerText())) {
    if (Date.now() > end) throw new Error(`the terminal never showed ${pattern}`);
    await page.waitForTimeout(100);
  }
}

export const playgroundTerminal: BenchSection = {
  title: 'Playground terminal',
  async run(ctx) {
    const h = await startHarness({ WEB_PORT: '0', WEB_HOST: '127.0.0.1', SANDBOX_PROFILE: ctx.config().profile });
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
    try {
      const user = 'U0BENCHTERM';
      const mark = h.standIn.calls.length;
      await h.standIn.sendDirectMessage(user, 'playground');
      const post = await h.standIn.waitForCall('chat.postMessage', (c) => h.standIn.calls.indexOf(c) >= mark && /Your playground: /.test(String(c.args.text)), 60_000);
      const link = /Your playground: (\S+)/.exec(String(post.args.text))![1]!;
      const page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
      await page.addInitScript(PAGE_SCRIPT);
      await page.goto(link);
      await page.locator('#status', { hasText: /^Connected/ }).waitFor({ timeout: 180_000 });
      await page.locator('#terminal').click();
      // the shell is up and has drawn its prompt before anything is timed
      await page.keyboard.type('echo ready-$((6*7))');
      await page.keyboard.press('Enter');
      await waitForRows(page, /ready-42/, 120_000);

      const containerId = h.bot.sandboxes.containerIdOf(`${h.teamId}:${user}`);
      if (!containerId) throw new Error('the learner has no sandbox after opening the playground');
      const direct = directShell(containerId);
      direct.write('echo direct-$((6*7))\r');
      await direct.until('direct-42');
      const samples: Sample[] = [];
      const baseline: number[] = [];
      const letters = 'abcdefghijklmnopqrstuvwxyz';
      for (let round = 0; round < ROUNDS; round++) {
        // a prefix no earlier round left on the screen, then one letter at a time, each timed
        let typed = `k${round}q`;
        await page.keyboard.type(typed);
        await waitForRows(page, new RegExp(typed), 30_000);
        for (let i = 0; i < CHARS_PER_ROUND; i++) {
          const ch = letters[(round * 7 + i) % letters.length]!;
          typed += ch;
          samples.push(await timeKey(page, ch, typed));
        }
        // Ctrl-U clears the line: nothing runs, nothing counts against the command budget
        await page.keyboard.press('Control+u');
        let line = `d${round}q`;
        direct.write(line);
        await direct.until(line);
        for (let i = 0; i < CHARS_PER_ROUND; i++) {
          const ch = letters[(round * 7 + i) % letters.length]!;
          line += ch;
          baseline.push(await direct.time(ch, line));
        }
        direct.write('\x15');
      }
      direct.kill();
      const screen = samples.map((s) => s.screen);
      const wire = samples.map((s) => s.ws);
      const p95 = percentile(screen, 95);
      return [
        { metric: `keystroke to echo on screen, p50 (n=${screen.length})`, value: ms(percentile(screen, 50)), note: `headless Chromium, xterm.js DOM renderer: keydown to the character in the terminal's rows; max ${ms(Math.max(...screen))}` },
        { metric: `keystroke to echo on screen, p95 (n=${screen.length})`, value: ms(p95), target: `< ${TARGET_P95_MS} ms`, note: `${p95 < TARGET_P95_MS ? 'met' : 'NOT met'}; 1-min load average at the end ${loadavg()[0]!.toFixed(2)} (2 CPUs shared with other work)` },
        { metric: 'keystroke to the echo on the WebSocket, p50 / p95', value: `${ms(percentile(wire, 50))} / ${ms(percentile(wire, 95))}`, note: 'page to bot to the sandbox tty and back, before xterm parses and draws it' },
        { metric: `baseline: bare docker exec -it echo, p50 / p95 (n=${baseline.length})`, value: `${ms(percentile(baseline, 50))} / ${ms(percentile(baseline, 95))}`, note: 'the same keys into the same sandbox, interleaved round by round with the browser' },
        { metric: 'browser screen / bare docker exec, p50 and p95 ratio', value: `${(percentile(screen, 50) / percentile(baseline, 50)).toFixed(2)} / ${(p95 / percentile(baseline, 95)).toFixed(2)}`, note: 'what the bot, the WebSocket and xterm.js add to the echo the engine gives anyway' },
      ];
    } finally {
      await browser.close();
      await h.stop();
    }
  },
};

import { chromium, type Browser, type Page } from 'playwright-core';
import { LearnerDriver } from '../support/learner-driver';
import { startTestBot, uniqueId, type TestBot } from '../support/start-test-bot';

jest.setTimeout(900_000);

// Debian's chromium (installed by .ci/run), headless, reaching nothing but the bot's own playground.
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-sync'];

let t: TestBot;
let browser: Browser;
beforeAll(async () => {
  t = await startTestBot({ env: { WEB_PORT: '0' } });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
});
afterAll(async () => {
  await browser?.close();
  await t?.stop();
});

async function waitForScreen(page: Page, pattern: RegExp, timeoutMs = 300_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const text = await page.locator('.xterm-rows').innerText();
    if (pattern.test(text)) return;
    if (Date.now() > end) throw new Error(`the terminal never showed ${pattern}; it showed:\n${text}`);
    await page.waitForTimeout(200);
  }
}

async function typeLine(page: Page, line: string): Promise<void> {
  await page.keyboard.type(line);
  await page.keyboard.press('Enter');
}

// a page of the learner's own whose image is a second request from the previewed (sandboxed) document
const SITE = [
  'mkdir -p /root/site',
  `echo '<html><head><script>function ok(){document.title="img-ok"} function bad(){document.title="img-failed"}</script></head><body><p id="mine">my own page</p><img src="dot.svg" onload="ok()" onerror="bad()"></body></html>' > /root/site/index.html`,
  `echo '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><rect width="4" height="4"/></svg>' > /root/site/dot.svg`,
].join(' && ');

describe('port previews in a real browser', () => {
  it('a container published in the terminal gets a Preview link that opens its page', async () => {
    const l = new LearnerDriver(t, uniqueId('U'));
    const since = l.mark;
    await l.say('playground');
    const link = /Your playground: (\S+)/.exec(String((await l.waitForPost(/Your playground: /, since)).args.text))![1]!;

    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await page.goto(link);
    await page.locator('#status', { hasText: /^Connected/ }).waitFor({ timeout: 400_000 });
    await page.locator('#terminal').click();

    await typeLine(page, 'docker run -d -p 8080:80 nginx && echo published-$((4*4))');
    await waitForScreen(page, /^published-16$/m);
    // the link appears after the command (no reload)
    const preview = page.locator('#previews a', { hasText: 'Preview :8080' });
    await preview.waitFor({ timeout: 120_000 });
    const [tab] = await Promise.all([context.waitForEvent('page'), preview.click()]);
    await tab.waitForLoadState();
    expect(new URL(tab.url()).pathname).toBe('/preview/8080/');
    await tab.locator('body', { hasText: /nginx/i }).waitFor({ timeout: 60_000 });

    // the learner's own page with an image: the previewed document's own requests are the learner's too
    await page.bringToFront();
    await page.locator('#terminal').click();
    await typeLine(page, `${SITE} && docker run -d -p 8081:80 -v /root/site:/usr/share/nginx/html nginx && echo second-$((5*5))`);
    await waitForScreen(page, /^second-25$/m);
    const second = page.locator('#previews a', { hasText: 'Preview :8081' });
    await second.waitFor({ timeout: 120_000 });
    const [tab2] = await Promise.all([context.waitForEvent('page'), second.click()]);
    await tab2.locator('#mine', { hasText: 'my own page' }).waitFor({ timeout: 60_000 });
    await tab2.waitForFunction('document.title !== ""', undefined, { timeout: 30_000 });
    expect(await tab2.title()).toBe('img-ok');
    // its scripts run, but in an opaque origin: the playground's API and cookies are out of their reach
    expect(await tab2.evaluate('(() => { try { return [window.origin, document.cookie]; } catch { return [window.origin, "blocked"]; } })()')).toEqual(['null', 'blocked']);
    expect(errors).toEqual([]);
    await context.close();
  });
});

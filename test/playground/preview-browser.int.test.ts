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

    // the app's scripts run, but in an opaque origin (the preview's sandbox CSP): the playground's API, socket and cookies are out of their reach
    expect(await tab.evaluate('(() => { try { return [window.origin, document.cookie]; } catch { return [window.origin, "blocked"]; } })()')).toEqual(['null', 'blocked']);
    expect(await tab.evaluate('fetch("/api/previews").then(() => "read", () => "refused")')).toBe('refused');
    expect(errors).toEqual([]);
    await context.close();
  });
});

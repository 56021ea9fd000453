import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
import type { RecordedCall } from '../../src/slack/stand-in/slack-stand-in';
import type { LearnerDriver } from '../support/learner-driver';
import { startTestBot, type TestBot } from '../support/start-test-bot';

// Debian's chromium (installed by .ci/run), headless, reaching nothing but the bot's own playground.
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-sync'];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

/**
 * One bot with the playground on (a free port) and one Chromium for the test file: started before its
 * tests, stopped after them. Read `.t` and `.browser` inside the tests.
 */
export function botAndBrowser(env: Record<string, string> = {}): { t: TestBot; browser: Browser } {
  const held = {} as { t: TestBot; browser: Browser };
  beforeAll(async () => {
    held.t = await startTestBot({ env: { WEB_PORT: '0', ...env } });
    held.browser = await launchChromium();
  });
  afterAll(async () => {
    await held.browser?.close();
    await held.t?.stop();
  });
  return held;
}

/** The link of a "Your playground: <link>" message. */
export function playgroundLinkIn(post: RecordedCall): string {
  const m = /Your playground: (\S+)/.exec(String(post.args.text));
  if (!m) throw new Error(`no playground link in: ${String(post.args.text)}`);
  return m[1]!;
}

/** `playground` in the learner's DM, and the link the bot answers with. */
export async function askForPlayground(l: LearnerDriver): Promise<string> {
  const since = l.mark;
  await l.say('playground');
  return playgroundLinkIn(await l.waitForPost(/Your playground: /, since));
}

export interface OpenedPlayground {
  context: BrowserContext;
  page: Page;
  /** Uncaught page errors and console errors, for the test to expect none. */
  errors: string[];
}

/** A fresh browser context opens the learner's link and waits until the terminal is attached. */
export async function openPlayground(browser: Browser, link: string, opts: BrowserContextOptions & { connectTimeoutMs?: number } = {}): Promise<OpenedPlayground> {
  const { connectTimeoutMs = 300_000, ...contextOptions } = opts;
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, ...contextOptions });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  await page.goto(link);
  await page.locator('#status', { hasText: /^Connected/ }).waitFor({ timeout: connectTimeoutMs });
  return { context, page, errors };
}

/** The terminal's visible rows, as the learner reads them. */
export const screen = (page: Page) => page.locator('.xterm-rows').innerText();

export async function waitForScreen(page: Page, pattern: RegExp, timeoutMs = 300_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const text = await screen(page);
    if (pattern.test(text)) return;
    if (Date.now() > end) throw new Error(`the terminal never showed ${pattern}; it showed:\n${text}`);
    await page.waitForTimeout(200);
  }
}

/** Types a line where the keyboard focus is, then Enter. */
export async function typeLine(page: Page, line: string): Promise<void> {
  await page.keyboard.type(line);
  await page.keyboard.press('Enter');
}

/** A command typed in the terminal, as the learner does: a click on the terminal first. */
export async function inTerminal(page: Page, line: string): Promise<void> {
  await page.locator('#terminal').click();
  await typeLine(page, line);
}

/** Waits for the page's "Preview :PORT" link (it appears after the command, no reload) and opens it: the new tab. */
export async function openPreview(opened: Pick<OpenedPlayground, 'context' | 'page'>, port: number): Promise<Page> {
  const preview = opened.page.locator('#previews a', { hasText: `Preview :${port}` });
  await preview.waitFor({ timeout: 120_000 });
  const [tab] = await Promise.all([opened.context.waitForEvent('page'), preview.click()]);
  await tab.waitForLoadState();
  return tab;
}

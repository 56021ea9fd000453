import type { Page } from 'playwright-core';
import { LearnerDriver } from '../support/learner-driver';
import { uniqueId } from '../support/start-test-bot';
import { askForPlayground, botAndBrowser, inTerminal, openPlayground, waitForScreen } from './browser-support';

jest.setTimeout(600_000);

const env = botAndBrowser();

async function said(page: Page, pattern: RegExp): Promise<void> {
  await page
    .locator('#files-said', { hasText: pattern })
    .waitFor({ timeout: 120_000 })
    .catch(async (err: unknown) => {
      await page.screenshot({ path: '/tmp/wt-E-editor.png' });
      throw new Error(`the editor never said ${pattern}; it said: ${await page.locator('#files-said').innerText()}; ${await page.locator('#files-ask').evaluate((e) => e.outerHTML)}\n${String(err)}`);
    });
}

/** Answers the tree's own name form. */
async function answer(page: Page, text: string): Promise<void> {
  const input = page.locator('#files-ask-input');
  await input.waitFor({ state: 'visible' });
  await input.fill(text);
  await input.press('Enter');
}

describe('the playground editor in a real browser', () => {
  it('makes a folder and a Dockerfile, types and saves it into the sandbox, uploads by drag and drop, downloads, renames and deletes', async () => {
    const l = new LearnerDriver(env.t, uniqueId('U'));
    const since = l.mark;
    await l.say('start first-dockerfile');
    await l.waitForPost(/step 1 of/, since);
    const { context, page, errors } = await openPlayground(env.browser, await askForPlayground(l), { acceptDownloads: true });
    await page.locator('#files-tree li[data-path="/root"]').waitFor();

    // a new folder in the home, then a Dockerfile in it, written in the editor and saved with Ctrl+S
    await page.locator('#files-mkdir').click();
    await answer(page, 'web');
    await said(page, /Made ~\/web/);
    await page.locator('#files-tree li[data-path="/root/web"]').click();
    await page.locator('#files-new').click();
    await answer(page, 'Dockerfile');
    await page.locator('#editor-path', { hasText: '~/web/Dockerfile' }).waitFor();
    await page.locator('#editor .cm-content').click();
    await page.keyboard.type('FROM nginx:alpine');
    await page.keyboard.press('Enter');
    await page.keyboard.type('COPY index.html /usr/share/nginx/html/');
    await page.locator('#editor-path', { hasText: '●' }).waitFor();
    await page.keyboard.press('Control+s');
    await said(page, /Saved ~\/web\/Dockerfile/);
    // the file is in the sandbox, exactly as typed
    await inTerminal(page, 'tr a-z A-Z < ~/web/Dockerfile; echo "|newlines=$(wc -l < ~/web/Dockerfile)"');
    await waitForScreen(page, /^FROM NGINX:ALPINE\s*\nCOPY INDEX\.HTML \/USR\/SHARE\/NGINX\/HTML\/\|newlines=1$/m);

    // a file dropped on the web folder is uploaded into it
    const dropped = await page.evaluateHandle(() => {
      // runs in the page (the tests' TypeScript has no DOM types)
      const w = globalThis as unknown as { DataTransfer: new () => { items: { add(f: unknown): void } }; File: new (parts: string[], name: string, o: { type: string }) => unknown };
      const dt = new w.DataTransfer();
      dt.items.add(new w.File(['<h1>dropped here</h1>\n'], 'index.html', { type: 'text/html' }));
      return dt;
    });
    await page.locator('#files-tree li[data-path="/root/web"]').dispatchEvent('drop', { dataTransfer: dropped });
    await said(page, /Uploaded ~\/web\/index\.html/);
    await inTerminal(page, 'cat ~/web/index.html | tr a-z A-Z');
    await waitForScreen(page, /^<H1>DROPPED HERE<\/H1>$/m);

    // a file made in the terminal opens in the tree and downloads whole
    await inTerminal(page, 'echo made-in-terminal > ~/web/notes.txt; echo ok-$((2*3))');
    await waitForScreen(page, /^ok-6$/m);
    await page.locator('#files-tree li[data-path="/root"]').click();
    await page.locator('#files-tree li[data-path="/root"]').click();
    await page.locator('#files-tree li[data-path="/root/web"]').click();
    await page.locator('#files-tree li[data-path="/root/web"]').click();
    await page.locator('#files-tree li[data-path="/root/web/notes.txt"]').click();
    await page.locator('#editor .cm-content', { hasText: 'made-in-terminal' }).waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#files-download').click()]);
    expect(download.suggestedFilename()).toBe('notes.txt');
    const chunks: Buffer[] = [];
    for await (const c of (await download.createReadStream()) as AsyncIterable<Buffer>) chunks.push(c);
    expect(Buffer.concat(chunks).toString()).toBe('made-in-terminal\n');

    // rename, then delete (confirmed in the browser's dialog)
    await page.locator('#files-rename').click();
    await answer(page, 'renamed.txt');
    await said(page, /Renamed to ~\/web\/renamed\.txt/);
    page.once('dialog', (d) => d.accept().catch(() => undefined));
    await page.locator('#files-delete').click();
    await said(page, /Deleted ~\/web\/renamed\.txt/);
    await inTerminal(page, 'ls ~/web | tr "\\n" " "; echo listed-$((3*3))');
    await waitForScreen(page, /^Dockerfile index\.html listed-9$/m);

    // the step names its file: a link opens it (new, so Save makes it, folder and all)
    await page.locator('#step-body a.file-link', { hasText: '~/hello-flask/app.py' }).first().click();
    await page.locator('#editor-path', { hasText: '~/hello-flask/app.py (new)' }).waitFor();
    await page.locator('#editor .cm-content').click();
    await page.keyboard.type('print(6 * 7)');
    await page.locator('#editor-save').click();
    await said(page, /Saved ~\/hello-flask\/app\.py/);
    await inTerminal(page, 'cat ~/hello-flask/app.py; echo');
    await waitForScreen(page, /^print\(6 \* 7\)$/m);

    // Chromium logs every 404 answer; the one expected is the step's file not existing before it was saved
    expect(errors.filter((e) => !/status of 404/.test(e))).toEqual([]);
    expect(errors.length).toBeLessThanOrEqual(1);
    await context.close();
  });
});

import { LearnerDriver } from '../support/learner-driver';
import { uniqueId } from '../support/start-test-bot';
import { askForPlayground, botAndBrowser, openPlayground, openPreview, typeLine, waitForScreen } from './browser-support';

jest.setTimeout(900_000);

const env = botAndBrowser();

describe('port previews in a real browser', () => {
  it('a container published in the terminal gets a Preview link that opens its page', async () => {
    const l = new LearnerDriver(env.t, uniqueId('U'));
    const { context, page, errors } = await openPlayground(env.browser, await askForPlayground(l), { connectTimeoutMs: 400_000 });
    await page.locator('#terminal').click();

    await typeLine(page, 'docker run -d -p 8080:80 nginx && echo published-$((4*4))');
    await waitForScreen(page, /^published-16$/m);
    const tab = await openPreview({ context, page }, 8080);
    expect(new URL(tab.url()).pathname).toBe('/preview/8080/');
    await tab.locator('body', { hasText: /nginx/i }).waitFor({ timeout: 60_000 });

    // the app's scripts run, but in an opaque origin (the preview's sandbox CSP): the playground's API, socket and cookies are out of their reach
    expect(await tab.evaluate('(() => { try { return [window.origin, document.cookie]; } catch { return [window.origin, "blocked"]; } })()')).toEqual(['null', 'blocked']);
    expect(await tab.evaluate('fetch("/api/previews").then(() => "read", () => "refused")')).toBe('refused');
    expect(errors).toEqual([]);
    await context.close();
  });
});

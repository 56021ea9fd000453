import { LearnerDriver } from '../support/learner-driver';
import { uniqueId } from '../support/start-test-bot';
import { botAndBrowser, openPlayground, playgroundLinkIn, typeLine, waitForScreen } from './browser-support';

jest.setTimeout(600_000);

const env = botAndBrowser();

describe('the web playground in a real browser', () => {
  it('opens from the step card, runs commands and vim in the sandbox, and a step passed there shows in Slack and on the page', async () => {
    const l = new LearnerDriver(env.t, uniqueId('U'));
    let since = l.mark;
    await l.say('start running-containers');
    const card = await l.waitForPost(/step 1 of 10/, since);
    since = await l.click(card, 'tutor:playground');
    const link = playgroundLinkIn(await l.waitForPost(/Your playground: /, since));

    const { page, errors } = await openPlayground(env.browser, link);
    // the token left the address bar with the exchange
    expect(new URL(page.url()).pathname).toBe('/');
    expect(await page.locator('#step-title').innerText()).toBe('Your first container');
    await page.locator('#terminal').click();

    await typeLine(page, 'echo hi-$((6*7))');
    await waitForScreen(page, /^hi-42$/m);

    // vim (the image's vi) writes a file
    await typeLine(page, 'vim notes.txt');
    await waitForScreen(page, /\[New/);
    await page.keyboard.press('i');
    await page.keyboard.type('vim-wrote-this');
    await page.keyboard.press('Escape');
    await typeLine(page, ':wq');
    // back at the prompt, vim's screen gone
    await waitForScreen(page, /vim notes\.txt\s*\n~#/);
    await typeLine(page, 'tr a-z A-Z < notes.txt');
    await waitForScreen(page, /^VIM-WROTE-THIS$/m);

    // a full-screen program, and Ctrl-C
    await typeLine(page, 'top');
    await waitForScreen(page, /load average/);
    await page.keyboard.press('q');
    await typeLine(page, 'sleep 600');
    await page.keyboard.press('Control+c');
    await typeLine(page, 'echo after-$((5*5))');
    await waitForScreen(page, /^after-25$/m);

    // the step's command, typed in the terminal: its output here, the pass in Slack and on the page
    since = l.mark;
    await typeLine(page, 'docker run hello-world');
    await waitForScreen(page, /Hello from Docker!/);
    await l.waitForPost(/^:white_check_mark:/, since, 120_000);
    await page.locator('#lesson', { hasText: 'step 2 of 10' }).waitFor({ timeout: 60_000 });
    // the page's Hint answers there and in the DM
    since = l.mark;
    await page.locator('#hint').click();
    await page.locator('#said', { hasText: /^Hint:/ }).waitFor({ timeout: 60_000 });
    await l.waitForPost(/^Hint: /, since);
    expect(errors).toEqual([]);
    await page.context().close();
  });
});

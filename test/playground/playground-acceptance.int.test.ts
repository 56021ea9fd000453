import { LearnerDriver } from '../support/learner-driver';
import { uniqueId } from '../support/start-test-bot';
import { botAndBrowser, inTerminal, openPlayground, openPreview, playgroundLinkIn, typeLine, waitForScreen } from './browser-support';

jest.setTimeout(1_800_000);

const env = botAndBrowser();
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The Dockerfile of lesson 03's build step, as the learner types it in vim. */
const DOCKERFILE = ['FROM python:3.11-slim', 'WORKDIR /app', 'RUN pip install Flask', 'COPY app.py .', 'ENV FLASK_APP=app.py', 'EXPOSE 5000', 'CMD ["python3", "-m", "flask", "run", "--host=0.0.0.0"]'];
const APP_PY = `from flask import Flask\\napp = Flask(__name__)\\n\\n@app.route("/")\\ndef hello_world():\\n    return "Hello, World!"\\n`;

/**
 * The issue's acceptance flow, as a learner does it: lesson 03 (Your first Dockerfile) from its step card in
 * Slack, the playground link from the card's button, then only the browser: vim writes the Dockerfile, the
 * terminal builds and runs it with a published port, the Preview link shows the app's page, and each step passes
 * by itself after its command, on the page and in the DM. The lesson publishes 8085:5000 (Flask), the closest
 * real step to the issue's `-p 8080:80`: no step builds a Dockerfile onto nginx's port 80.
 */
describe('the playground acceptance flow in a real browser', () => {
  it('step card → playground link → vim Dockerfile → docker build → docker run -p → Preview shows the page; the steps pass in Slack and on the page', async () => {
    const l = new LearnerDriver(env.t, uniqueId('U'));
    let since = l.mark;
    await l.say('start first-dockerfile');
    const card = await l.waitForPost(/step 1 of 6/, since, 120_000);
    since = await l.click(card, 'tutor:playground');
    const linkPost = await l.waitForPost(/Your playground: /, since);
    // the single-use link is never unfurled (a preview fetch would spend it)
    expect(String(linkPost.args.unfurl_links)).toBe('false');
    const { context, page, errors } = await openPlayground(env.browser, playgroundLinkIn(linkPost));
    expect(await page.locator('#step-title').innerText()).toBe('A tiny web app');

    // step 1: the app, one line at the prompt; the step passes by itself
    since = l.mark;
    await inTerminal(page, `mkdir -p ~/hello-flask && cd ~/hello-flask && printf '${APP_PY}' > app.py && echo app-$((2*21))`);
    await waitForScreen(page, /^app-42$/m);
    await l.waitForPost(/^:white_check_mark:/, since, 300_000);
    await page.locator('#step-title', { hasText: 'Write the Dockerfile and build it' }).waitFor({ timeout: 120_000 });

    // step 2: vim writes the Dockerfile (insert mode, typed line by line, :wq), then docker build
    await inTerminal(page, 'vim Dockerfile');
    await waitForScreen(page, /\[New/);
    // vim-tiny (the sandbox's vim: vi-compatible, no "-- INSERT --" line) asks the terminal a question or two
    // after it draws; a key typed before the answer lands can be taken into it. A learner reads the screen
    // first: so does the test, for a moment (pacing, not a measurement)
    await page.waitForTimeout(1500);
    await page.keyboard.press('i');
    for (const line of DOCKERFILE) await typeLine(page, line);
    await page.keyboard.press('Escape');
    await typeLine(page, ':wq');
    await waitForScreen(page, /vim Dockerfile\s*\n.*#/);
    // the file in the sandbox is exactly what was typed (cat -A: each line's end shows as $, a tab as ^I)
    await typeLine(page, 'cat -A Dockerfile');
    await waitForScreen(page, new RegExp(`cat -A Dockerfile\\s*\\n${DOCKERFILE.map((line) => `${escapeRegExp(line)}\\$`).join('\\n')}\\n`), 60_000);
    since = l.mark;
    await typeLine(page, 'docker build -t hello-flask . && echo built-$((3*5))');
    await waitForScreen(page, /^built-15$/m, 900_000);
    await l.waitForPost(/^:white_check_mark:/, since, 300_000);
    await page.locator('#lesson', { hasText: 'step 3 of 6' }).waitFor({ timeout: 120_000 });

    // step 3: run it with a published port; the Preview link appears and opens the app's page
    since = l.mark;
    await typeLine(page, 'docker run -d --name flask -p 8085:5000 hello-flask && echo ran-$((4*4))');
    await waitForScreen(page, /^ran-16$/m);
    const tab = await openPreview({ context, page }, 8085);
    expect(new URL(tab.url()).pathname).toBe('/preview/8085/');
    await tab.locator('body', { hasText: 'Hello, World!' }).waitFor({ timeout: 120_000 });

    // the run step passed by itself: in the learner's DM and on the page
    const passed = await l.waitForPost(/^:white_check_mark:/, since, 300_000);
    expect(String(passed.args.text)).toMatch(/8085/);
    await page.locator('#lesson', { hasText: 'step 4 of 6' }).waitFor({ timeout: 120_000 });
    expect(await page.locator('#step-title').innerText()).toBe('EXPOSE and -P');
    expect(errors).toEqual([]);
    await context.close();
  });
});

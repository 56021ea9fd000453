import { slackFixture } from '../support/fixtures';
import { LearnerDriver } from '../support/learner-driver';
import { startTestBot, uniqueId, type TestBot } from '../support/start-test-bot';
import type { Browser } from 'playwright-core';
import { launchChromium, openPlayground, playgroundLinkIn, typeLine, waitForScreen } from './browser-support';
import { openLink, TerminalClient } from './playground-client';

jest.setTimeout(600_000);
const ADMIN = 'U0WATCHADM';

let t: TestBot;
let browser: Browser;
beforeAll(async () => {
  t = await startTestBot({ env: { WEB_PORT: '0', PLAYGROUND_ADMIN_VIEW: 'true', ADMIN_USER_IDS: ADMIN } });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await t?.stop();
});

/** `/tutor watch <text>` from `user`: the ephemeral answer's form fields as the stand-in recorded them. */
async function watch(user: string, text: string): Promise<Record<string, unknown>> {
  const mark = t.standIn.calls.length;
  await t.standIn.sendSlashCommand({ ...slackFixture('slash-command'), team_id: t.teamId, user_id: user, channel_id: 'C0GENERAL', text: `watch ${text}` });
  const c = await t.standIn.waitForCall('response_url', (x) => t.standIn.calls.indexOf(x) >= mark, 30_000);
  return c.args;
}

describe('an admin watches a learner\'s playground read-only (real bot, real sandbox)', () => {
  it('the admin sees the terminal, their keys never reach the real shell; a learner cannot mint a watch link', async () => {
    const learner = new LearnerDriver(t, uniqueId('U'));
    const since = learner.mark;
    await learner.say('playground');
    const post = await learner.waitForPost(/Your playground: /, since);
    const own = await openLink(/Your playground: (\S+)/.exec(String(post.args.text))![1]!);
    const base = t.bot.playground!.publicUrl.origin;
    const learnerTerm = new TerminalClient(base, { cookie: own.cookie, origin: base });
    await learnerTerm.opened;
    learnerTerm.type('echo learner-$((6*7))\r');
    await learnerTerm.waitFor(/learner-42/);

    // a learner asking to watch another (or the admin) is refused; no link is in the answer
    const refused = await watch(learner.user, ADMIN);
    expect(String(refused.text)).toMatch(/only Dockhand admins/);
    expect(String(refused.text)).not.toMatch(/\/p\//);

    const answer = await watch(ADMIN, `<@${learner.user}>`);
    expect(answer.response_type).toBe('ephemeral');
    expect([String(answer.unfurl_links), String(answer.unfurl_media)]).toEqual(['false', 'false']);
    const link = /(http:\/\/\S+\/p\/[A-Za-z0-9_.-]+)/.exec(String(answer.text))![1]!;
    const admin = await openLink(link);
    expect(admin.status).toBe(303);
    // the watch page names the watched learner; its session is a cookie of its own beside any of the admin's
    expect(admin.location).toBe(`/?watch=${learner.user}`);
    const watching = new TerminalClient(base, { cookie: admin.cookie, origin: base, watch: learner.user });
    await watching.opened;
    await watching.waitFor(/learner-42/);
    // what the admin types is dropped by the bot, so the learner's shell never runs it
    watching.type('touch /root/admin-was-here\r');
    learnerTerm.type('ls /root/admin-was-here 2>&1; echo seen-$((5+5))\r');
    await learnerTerm.waitFor(/seen-10/);
    expect(learnerTerm.output).toMatch(/No such file or directory/);
    await watching.waitFor(/seen-10/);
    expect(learnerTerm.output).not.toContain('touch /root/admin-was-here');
    // Check from the admin's page is refused
    expect((await fetch(`${base}/api/check?watch=${learner.user}`, { method: 'POST', headers: { Cookie: admin.cookie!, Origin: base } })).status).toBe(403);
    watching.close();
    learnerTerm.close();
  });

  it("in one browser, an admin who is also a learner watches a learner in a tab and keeps their own playground in another", async () => {
    const learner = new LearnerDriver(t, uniqueId('U'));
    let since = learner.mark;
    await learner.say('playground');
    const own = await openLink(playgroundLinkIn(await learner.waitForPost(/Your playground: /, since)));
    const base = t.bot.playground!.publicUrl.origin;
    const learnerTerm = new TerminalClient(base, { cookie: own.cookie, origin: base });
    await learnerTerm.opened;
    learnerTerm.type('echo learner-$((6*7))\r');
    await learnerTerm.waitFor(/learner-42/);

    // the admin's own playground in a tab
    const adminDm = new LearnerDriver(t, ADMIN);
    since = adminDm.mark;
    await adminDm.say('playground');
    const mine = await openPlayground(browser, playgroundLinkIn(await adminDm.waitForPost(/Your playground: /, since)));
    await mine.page.locator('#terminal').click();
    await typeLine(mine.page, 'echo admin-$((5*5))');
    await waitForScreen(mine.page, /^admin-25$/m);

    // the watch link in another tab of the same browser: the learner's terminal, read-only
    const answer = await watch(ADMIN, `<@${learner.user}>`);
    const watchTab = await mine.context.newPage();
    await watchTab.goto(/(http:\/\/\S+\/p\/[A-Za-z0-9_.-]+)/.exec(String(answer.text))![1]!);
    await watchTab.locator('#status', { hasText: /read-only/ }).waitFor({ timeout: 120_000 });
    await waitForScreen(watchTab, /^learner-42$/m);
    expect(await mine.context.cookies()).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'dockhand_playground' }), expect.objectContaining({ name: `dockhand_watch_${learner.user}` })]));

    // the admin's own tab, even reloaded, is still their own sandbox (it was the watcher's before: one cookie)
    await mine.page.reload();
    await mine.page.locator('#status', { hasText: /^Connected/ }).waitFor({ timeout: 120_000 });
    await mine.page.locator('#terminal').click();
    await typeLine(mine.page, 'echo still-mine-$((4*4))');
    await waitForScreen(mine.page, /^still-mine-16$/m);
    expect(await mine.page.locator('#status').innerText()).not.toMatch(/read-only/);
    // and nothing the admin typed there reached the learner's shell
    learnerTerm.type('echo learner-again\r');
    await waitForScreen(watchTab, /^learner-again$/m);
    expect(learnerTerm.output).not.toContain('still-mine');
    expect(mine.errors).toEqual([]);
    learnerTerm.close();
    await mine.context.close();
  });
});

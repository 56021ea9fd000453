import { slackFixture } from '../support/fixtures';
import { LearnerDriver } from '../support/learner-driver';
import { startTestBot, uniqueId, type TestBot } from '../support/start-test-bot';
import { openLink, TerminalClient } from './playground-client';

jest.setTimeout(600_000);
const ADMIN = 'U0WATCHADM';

let t: TestBot;
beforeAll(async () => {
  t = await startTestBot({ env: { WEB_PORT: '0', PLAYGROUND_ADMIN_VIEW: 'true', ADMIN_USER_IDS: ADMIN } });
});
afterAll(async () => {
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
});

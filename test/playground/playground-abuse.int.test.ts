import { LearnerDriver } from '../support/learner-driver';
import { startTestBot, uniqueId, type TestBot } from '../support/start-test-bot';
import { openLink, TerminalClient, upgradeStatus } from './playground-client';

jest.setTimeout(600_000);

let t: TestBot;
beforeAll(async () => {
  t = await startTestBot({ env: { WEB_PORT: '0' } });
});
afterAll(async () => {
  await t?.stop();
});

/** `playground` in the DM: the learner's link (asserted to be posted with unfurling off). */
async function linkOf(l: LearnerDriver): Promise<string> {
  const since = l.mark;
  await l.say('playground');
  const post = await l.waitForPost(/Your playground: /, since);
  // the stand-in records the Web API's form fields as sent
  expect([String(post.args.unfurl_links), String(post.args.unfurl_media)]).toEqual(['false', 'false']);
  return /Your playground: (\S+)/.exec(String(post.args.text))![1]!;
}

describe('the web playground refuses what is not the learner (real bot, real sandboxes)', () => {
  it('links are single use, sessions are per learner, upgrades need the session and the origin; the bystander keeps working', async () => {
    const attacker = new LearnerDriver(t, uniqueId('U'));
    const bystander = new LearnerDriver(t, uniqueId('U'));
    const aLink = await linkOf(attacker);
    const base = new URL(aLink).origin;
    const bLink = await linkOf(bystander);

    // no token, a guessed token
    expect((await fetch(`${base}/api/step`)).status).toBe(401);
    expect((await openLink(`${base}/p/${'A'.repeat(40)}.${'B'.repeat(43)}`)).status).toBe(403);
    expect(await upgradeStatus(base, { Origin: base })).toBe(401);

    // the bystander's session, then their terminal, which must keep working throughout
    const b = await openLink(bLink);
    expect(b.status).toBe(303);
    expect(b.location).toBe('/');
    expect(b.cookie).toMatch(/^dockhand_playground=/);
    const bTerm = new TerminalClient(base, { cookie: b.cookie, origin: base });
    await bTerm.opened;
    bTerm.type('echo bystander-$((20+1))\r');
    await bTerm.waitFor(/bystander-21/);

    // the attacker's link works once; replayed, it is refused; every response carries the CSP
    const a = await openLink(aLink);
    expect(a.status).toBe(303);
    expect(a.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect((await openLink(aLink)).status).toBe(403);
    // the bystander's spent link is useless to the attacker too
    expect((await openLink(bLink)).status).toBe(403);

    // the attacker's cookie edited to name the bystander: refused everywhere
    const [name, value] = a.cookie!.split('=') as [string, string];
    const [payload, mac] = value.split('.') as [string, string];
    const body = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const forged = `${name}=${Buffer.from(JSON.stringify({ ...body, u: bystander.user })).toString('base64url')}.${mac}`;
    expect((await fetch(`${base}/api/step`, { headers: { Cookie: forged } })).status).toBe(401);
    expect(await upgradeStatus(base, { Cookie: forged, Origin: base })).toBe(401);

    // a valid cookie from another origin (a page elsewhere driving the learner's browser), or with no Origin: refused
    expect(await upgradeStatus(base, { Cookie: a.cookie!, Origin: 'http://evil.example' })).toBe(403);
    expect(await upgradeStatus(base, { Cookie: a.cookie! })).toBe(403);
    expect((await fetch(`${base}/api/check`, { method: 'POST', headers: { Cookie: a.cookie!, Origin: 'http://evil.example' } })).status).toBe(403);

    // the attacker's own terminal is their own sandbox: what they write there never shows in the bystander's
    const aTerm = new TerminalClient(base, { cookie: a.cookie, origin: base });
    await aTerm.opened;
    aTerm.type('echo attacker > /root/mine.txt; ls /root; echo done-$((1+1))\r');
    await aTerm.waitFor(/done-2/);
    bTerm.type('cat /root/mine.txt 2>&1; echo still-$((2+2))\r');
    await bTerm.waitFor(/still-4/);
    expect(bTerm.output).toMatch(/No such file or directory/);
    aTerm.close();
    bTerm.close();
  });

  it('a page that drops and comes back reattaches to the same shell', async () => {
    const l = new LearnerDriver(t, uniqueId('U'));
    const { cookie } = await openLink(await linkOf(l));
    const base = t.bot.playground!.publicUrl.origin;
    const first = new TerminalClient(base, { cookie, origin: base });
    await first.opened;
    first.type('export MARK=kept-$((40+2)); echo $$ > /tmp/shell-pid; echo set-$((1+1))\r');
    await first.waitFor(/set-2/);
    first.ws.terminate();
    const second = new TerminalClient(base, { cookie, origin: base });
    await second.opened;
    second.type('echo "$MARK" same-$(( $$ == $(cat /tmp/shell-pid) ))\r');
    await second.waitFor(/kept-42 same-1/);
    expect(second.messages[0]).toMatchObject({ t: 'ready', reattached: true });
    second.close();
  });

  it('a sandbox reset while the page is open ends its shell, says so, and the next connection gets the new sandbox', async () => {
    const l = new LearnerDriver(t, uniqueId('U'));
    const { cookie } = await openLink(await linkOf(l));
    const base = t.bot.playground!.publicUrl.origin;
    const before = new TerminalClient(base, { cookie, origin: base });
    await before.opened;
    before.type('touch /root/old-sandbox; echo ok-$((3+3))\r');
    await before.waitFor(/ok-6/);
    const since = l.mark;
    await l.say('reset');
    await l.waitForPost(/Your sandbox was reset/, since);
    const end = Date.now() + 60_000;
    while (before.closeCode === undefined && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    expect(before.closeCode).toBe(4002);
    expect(before.messages.at(-1)).toMatchObject({ t: 'exit', why: 'shell ended' });
    const after = new TerminalClient(base, { cookie, origin: base });
    await after.opened;
    after.type('ls /root/old-sandbox 2>&1; echo new-$((4+4))\r');
    await after.waitFor(/new-8/);
    expect(after.output).toMatch(/No such file or directory/);
    after.close();
  });
});

import { createPlayground, type Playground, type TerminalPty } from '../../src/playground';
import { LearnerTokens } from '../../src/playground/learner-tokens';
import { SESSION_COOKIE, watchCookieName } from '../../src/playground/web-security';
import { captureLogs } from '../support/capture-logs';
import { openLink, TerminalClient, upgradeStatus } from './playground-client';

const LEARNER = { teamId: 'T0TEAM1', userId: 'U0LEARN' };
const ADMIN = 'U0ADMIN';
const SECRET = Buffer.from('the-operators-secret-of-32-characters-at-least');

/** A shell that records what reaches it and echoes it back, as a tty does. */
class EchoPty implements TerminalPty {
  written = '';
  private listener?: (d: string) => void;
  private done!: () => void;
  exit = new Promise<void>((r) => (this.done = r));
  onData(l: (d: string) => void) {
    this.listener = l;
  }
  write(d: string) {
    this.written += d;
    this.listener?.(d);
  }
  resize() {}
  terminate() {
    this.done();
  }
}

/** The real playground (server, tokens, hub) over an echoing fake shell: no sandbox needed to test who may type. */
async function start(adminView: boolean) {
  const ptys: EchoPty[] = [];
  const checks: string[] = [];
  const dialed: string[] = [];
  const p = createPlayground({
    config: { port: 0, host: '127.0.0.1', adminView, secret: SECRET, previewMaxSeconds: 600 },
    sessionMs: 60 * 60_000,
    terminals: { open: async () => (ptys.push(new EchoPty()), ptys.at(-1)!), touch: async () => undefined },
    mark: '\x1b]6973;end\x07',
    lessons: { step: async () => undefined, check: async (w) => (checks.push(w.userId), ['checked']), hint: async () => [], commandEnded: async () => undefined },
    // a port preview that records every dial: a watching admin must never reach the learner's app
    previews: {
      ports: async () => [{ port: 8080, container: 'web' }],
      connect: async (who, port) => {
        dialed.push(`${who.userId}:${port}`);
        throw Object.assign(new Error('refused'), { reason: 'refused' });
      },
    },
    log: captureLogs().log,
  });
  await p.start();
  return { p, ptys, checks, dialed, base: p.publicUrl.origin };
}

/** Watch tokens signed with the operator's secret, as a bot with admin view on (before a restart with it off) made them. */
const signed = () => new LearnerTokens(SECRET, { now: () => Date.now() + 1000 }, 60 * 60_000);

/** The learner's own page, attached, after they typed `echo learner-typed`. */
async function learnerTyped(p: Playground, base: string): Promise<TerminalClient> {
  const learner = await openLink(p.linkFor(LEARNER));
  const term = new TerminalClient(base, { cookie: learner.cookie, origin: base });
  await term.opened;
  term.type('echo learner-typed\r');
  await term.waitFor(/learner-typed/);
  return term;
}

describe('admins watching a playground (PLAYGROUND_ADMIN_VIEW)', () => {
  let running: Playground | undefined;
  afterEach(async () => {
    await running?.stop();
    running = undefined;
  });

  it('off: no watch link is minted, and a watch link or session is refused', async () => {
    const { p, base } = await start(false);
    running = p;
    expect(p.watchLinkFor(LEARNER, ADMIN)).toBeUndefined();
    // a learner's link never turns into a watcher's, whatever the object handed in carries
    const own = await openLink(p.linkFor({ ...LEARNER, watcher: ADMIN } as typeof LEARNER));
    expect(own.status).toBe(303);
    const ownSession = JSON.parse(Buffer.from(own.cookie!.split('=')[1]!.split('.')[0]!, 'base64url').toString()) as Record<string, unknown>;
    expect(ownSession.w).toBeUndefined();
    // a watch link and a watch session, validly signed: refused
    expect((await openLink(`${base}/p/${signed().mintLink({ ...LEARNER, watcher: ADMIN })}`)).status).toBe(403);
    const session = signed().mintSession({ ...LEARNER, watcher: ADMIN });
    const tries: [string, string][] = [
      [`${SESSION_COOKIE}=${session}`, ''],
      [`${watchCookieName(LEARNER.userId)}=${session}`, `?watch=${LEARNER.userId}`],
    ];
    for (const [cookie, query] of tries) {
      expect((await fetch(`${base}/api/step${query}`, { headers: { Cookie: cookie } })).status).toBe(403);
      expect(await upgradeStatus(base, { Cookie: cookie, Origin: base }, query)).toBe(403);
    }
  });

  it("on: the admin sees the learner's terminal and step, but their keys never reach the shell and they cannot check", async () => {
    const { p, ptys, checks, dialed, base } = await start(true);
    running = p;
    const learnerTerm = await learnerTyped(p, base);

    const admin = await openLink(p.watchLinkFor(LEARNER, ADMIN)!);
    expect(admin.status).toBe(303);
    expect(admin.location).toBe(`/?watch=${LEARNER.userId}`);
    const watching = new TerminalClient(base, { cookie: admin.cookie, origin: base, watch: LEARNER.userId });
    await watching.opened;
    expect(watching.messages[0]).toEqual({ t: 'ready', reattached: true, readOnly: true });
    // recent output first, then whatever the learner does next
    await watching.waitFor(/learner-typed/);
    watching.type('rm -rf / # admin\r');
    watching.ws.send(JSON.stringify({ t: 'r', cols: 7, rows: 3 }));
    learnerTerm.type('echo after\r');
    await watching.waitFor(/after/);
    expect(ptys).toHaveLength(1);
    expect(ptys[0]!.written).toBe('echo learner-typed\recho after\r');
    // the learner's page was not taken over by the admin's
    expect(learnerTerm.closeCode).toBeUndefined();

    // reading the step is allowed; Check and Hint are not
    expect((await fetch(`${base}/api/step?watch=${LEARNER.userId}`, { headers: { Cookie: admin.cookie! } })).status).toBe(200);
    for (const action of ['check', 'hint']) expect((await fetch(`${base}/api/${action}?watch=${LEARNER.userId}`, { method: 'POST', headers: { Cookie: admin.cookie!, Origin: base } })).status).toBe(403);
    expect(checks).toEqual([]);
    // the learner's port previews are not the admin's to use (a POST there would act in the learner's app)
    for (const method of ['GET', 'POST']) expect([401, 403]).toContain((await fetch(`${base}/preview/8080/`, { method, headers: { Cookie: admin.cookie!, Origin: base } })).status);
    expect(dialed).toEqual([]);
    // the watch session is the learner's only: edited to another learner, it is refused
    const [name, value] = admin.cookie!.split('=') as [string, string];
    const [payload, mac] = value.split('.') as [string, string];
    const body = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const forged = `${name}=${Buffer.from(JSON.stringify({ ...body, u: 'U0OTHER' })).toString('base64url')}.${mac}`;
    expect(await upgradeStatus(base, { Cookie: forged, Origin: base }, `?watch=${LEARNER.userId}`)).toBe(401);
    watching.close();
    learnerTerm.close();
  });

  it('an admin who is also a learner keeps their own playground beside a watch: two cookies, each page names its own', async () => {
    const { p, ptys, checks, base } = await start(true);
    running = p;
    const learnerTerm = await learnerTyped(p, base);

    // the admin's own playground first, then a watch link: the browser keeps both cookies (different names)
    const own = await openLink(p.linkFor({ teamId: LEARNER.teamId, userId: ADMIN }));
    const watch = await openLink(p.watchLinkFor(LEARNER, ADMIN)!);
    const nameOf = (c: string | undefined) => c!.split('=')[0];
    expect([nameOf(own.cookie), nameOf(watch.cookie)]).toEqual([SESSION_COOKIE, watchCookieName(LEARNER.userId)]);
    const jar = `${own.cookie!}; ${watch.cookie!}`;

    // the admin's own page (no ?watch) is still theirs: their own shell, their own Check
    const ownTerm = new TerminalClient(base, { cookie: jar, origin: base });
    await ownTerm.opened;
    expect(ownTerm.messages[0]).not.toMatchObject({ readOnly: true });
    ownTerm.type('echo admin-own\r');
    await ownTerm.waitFor(/admin-own/);
    expect((await fetch(`${base}/api/check`, { method: 'POST', headers: { Cookie: jar, Origin: base } })).status).toBe(200);
    expect(checks).toEqual([ADMIN]);

    // the watch page (?watch=) in the same browser watches the learner, read-only
    const watching = new TerminalClient(base, { cookie: jar, origin: base, watch: LEARNER.userId });
    await watching.opened;
    expect(watching.messages[0]).toMatchObject({ readOnly: true });
    await watching.waitFor(/learner-typed/);
    expect(watching.output).not.toContain('admin-own');
    expect((await fetch(`${base}/api/check?watch=${LEARNER.userId}`, { method: 'POST', headers: { Cookie: jar, Origin: base } })).status).toBe(403);
    expect(ptys).toHaveLength(2);
    expect(ptys.map((x) => x.written)).toEqual(['echo learner-typed\r', 'echo admin-own\r']);

    // a watch names its learner's cookie only: never falls back to the own session, which never passes as a watch
    expect(await upgradeStatus(base, { Cookie: jar, Origin: base }, '?watch=U0OTHER')).toBe(401);
    expect(await upgradeStatus(base, { Cookie: `${watchCookieName(ADMIN)}=${own.cookie!.split('=')[1]!}`, Origin: base }, `?watch=${ADMIN}`)).toBe(401);
    expect(await upgradeStatus(base, { Cookie: jar, Origin: base }, '?watch=../x')).toBe(401);
    for (const c of [ownTerm, watching, learnerTerm]) c.close();
  });
});

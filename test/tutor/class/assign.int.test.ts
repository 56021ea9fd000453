import { BotMetrics } from '../../../src/ops';
import { slackFixture } from '../../support/fixtures';
import { LearnerDriver } from '../../support/learner-driver';
import { startTestBot, uniqueId, type TestBot } from '../../support/start-test-bot';

jest.setTimeout(180_000);

const ADMIN = uniqueId('U');
const metrics = new BotMetrics({ processMetrics: false });
let t: TestBot;
beforeAll(async () => {
  t = await startTestBot({ env: { ADMIN_USER_IDS: ADMIN }, start: { ops: { metrics } } });
});

/** The assignments gauge by state (database counts: every workspace of the test database). */
async function gauge(): Promise<{ assigned: number; completed: number; overdue: number }> {
  const text = await metrics.text();
  return Object.fromEntries(['assigned', 'completed', 'overdue'].map((s) => [s, Number(text.split('\n').find((l) => l.startsWith(`dockhand_assignments{state="${s}"} `))?.split(' ')[1])])) as { assigned: number; completed: number; overdue: number };
}
afterAll(async () => {
  await t?.stop();
});

const since = () => t.standIn.calls.length;
const after = (mark: number) => (c: { method: string }) => t.standIn.calls.indexOf(c as never) >= mark;

/** `/tutor <text>` from `user` in `channel`; resolves with the ephemeral answer's text. */
async function slash(user: string, text: string, channel = 'C0GENERAL', channelName = 'general'): Promise<string> {
  const mark = since();
  await t.standIn.sendSlashCommand({ ...slackFixture('slash-command'), team_id: t.teamId, user_id: user, channel_id: channel, channel_name: channelName, text });
  const answer = await t.standIn.waitForCall('response_url', after(mark), 30_000);
  return String(answer.args.text);
}

const dmsTo = (user: string, mark: number, pattern: RegExp) =>
  t.standIn.calls.filter((c) => after(mark)(c) && c.method === 'chat.postMessage' && c.args.channel === t.standIn.dmChannelFor(user) && pattern.test(String(c.args.text)));

describe('/tutor assign', () => {
  it('assigns a lesson to a person with a due date: they get one DM with a Start button that opens the lesson', async () => {
    const l = new LearnerDriver(t, uniqueId('U'));
    const mark = since();
    const answer = await slash(ADMIN, `assign running-containers ${l.user} by tomorrow`);
    expect(answer).toMatch(/Running containers.*1 newly assigned/i);
    const dm = await l.waitForPost(/assigned you \*Running containers/i, mark);
    expect(LearnerDriver.blocksText(dm)).toContain('tutor:start:running-containers');
    const start = await l.click(dm, 'tutor:start:running-containers');
    await l.waitForPost(/step 1 of/, start, 60_000);

    // The same command again changes nothing: no second DM.
    const again = since();
    expect(await slash(ADMIN, `assign running-containers ${l.user} by tomorrow`)).toMatch(/1 already had it/);
    // A new due date is told once.
    expect(await slash(ADMIN, `assign running-containers ${l.user} by in 5 days`)).toMatch(/1 with a new due date/);
    await l.waitForPost(/changed the due date/, again);
    expect(dmsTo(l.user, again, /assigned you|changed the due date/)).toHaveLength(1);
  });

  it('assigns to the current members of the channel it is typed in (not the admin, not the bot)', async () => {
    const [a, b] = [uniqueId('U'), uniqueId('U')];
    t.standIn.setChannelMembers('C0CLASSROOM', [ADMIN, a, b, t.standIn.botUserId]);
    const mark = since();
    expect(await slash(ADMIN, `assign 2 here by ${monthAhead()}`, 'C0CLASSROOM', 'classroom')).toMatch(/2 newly assigned/);
    await new LearnerDriver(t, a).waitForPost(/assigned you/, mark);
    await new LearnerDriver(t, b).waitForPost(/assigned you/, mark);
    expect(dmsTo(ADMIN, mark, /assigned you/)).toHaveLength(0);
    expect(await slash(ADMIN, 'assign 2 #classroom', 'C0CLASSROOM', 'classroom')).toMatch(/2 with a new due date/);
  });

  it("shows open assignments in the learner's App Home (overdue marked) and drops one once the lesson is done", async () => {
    const l = new LearnerDriver(t, uniqueId('U'));
    await slash(ADMIN, `assign compose ${l.user} by tomorrow`);
    await slash(ADMIN, `assign dockerfile-instructions ${l.user}`);
    const home = async () => {
      const mark = since();
      await t.standIn.sendEvent({ type: 'app_home_opened', user: l.user, channel: l.channel, tab: 'home', event_ts: '1.1' });
      return JSON.stringify((await t.standIn.waitForCall('views.publish', (c) => after(mark)(c) && c.args.user_id === l.user, 30_000)).args.view);
    };
    const before = await gauge();
    let view = await home();
    expect(view).toContain('Assigned to you');
    expect(view).toMatch(/Docker Compose\*\\ndue \w{3}, \d+ \w{3} \d{4}/);
    expect(view).toMatch(/More Dockerfile instructions\*\\nno due date/);
    expect(view.indexOf('Docker Compose')).toBeLessThan(view.indexOf('More Dockerfile instructions'));

    // Past its due date: marked overdue.
    await t.bot.db.prisma.assignment.updateMany({ where: { teamId: t.teamId, userId: l.user, lessonId: 'compose' }, data: { dueAt: new Date(Date.now() - 86_400_000) } });
    await new Promise((r) => setTimeout(r, 5100)); // the App Home publishes at most once per 5 s per user
    view = await home();
    expect(view).toMatch(/overdue\*: was due/);
    expect((await gauge()).overdue - before.overdue).toBe(1);

    // Done: skipping through the lesson completes it, and the republished Home no longer lists it.
    let mark = since();
    await l.say('start compose');
    await l.waitForPost(/step 1 of 4/, mark, 60_000);
    for (let i = 0; i < 4; i++) {
      mark = since();
      await l.say('skip');
      await l.waitForPost(i < 3 ? new RegExp(`step ${i + 2} of 4`) : /You finished Docker Compose/, mark, 60_000);
    }
    const finished = since();
    const republished = await t.standIn.waitForCall('views.publish', (c) => after(finished)(c) && c.args.user_id === l.user && JSON.stringify(c.args.view).includes('completed'), 30_000).catch(() => undefined);
    view = republished ? JSON.stringify(republished.args.view) : await home();
    expect(view).toContain('Assigned to you');
    expect(view).not.toMatch(/Docker Compose\*\\n(:warning:|due)/);
    expect(view).toMatch(/More Dockerfile instructions\*\\nno due date/);
    const row = await t.bot.db.prisma.assignment.findFirstOrThrow({ where: { teamId: t.teamId, userId: l.user, lessonId: 'compose' } });
    expect(row.completedAt).not.toBeNull();
    // The overdue one was completed: one more completed, the overdue count back where it was.
    const now = await gauge();
    expect(now.completed - before.completed).toBe(1);
    expect(now.overdue - before.overdue).toBe(0);
    expect(now.assigned).toBe(before.assigned);
  });

  it('answers bad input with one clear line', async () => {
    expect(await slash(ADMIN, `assign runing-containers ${uniqueId('U')}`)).toMatch(/don't know a lesson called "runing-containers".*Closest: `running-containers`/s);
    expect(await slash(ADMIN, 'assign 1 @nobody-here')).toMatch(/don't know anyone called @nobody-here/);
    expect(await slash(ADMIN, 'assign 1 #elsewhere')).toMatch(/by its channel ID/);
    expect(await slash(ADMIN, 'assign 1 C0NOSUCHCHAN')).toMatch(/cannot see that channel/);
    expect(await slash(ADMIN, `assign 1 ${uniqueId('U')} by someday`)).toMatch(/could not read "someday" as a date/);
    expect(await slash(ADMIN, `assign 1 ${uniqueId('U')} by 2020-01-01`)).toMatch(/2020-01-01 has already passed/);
    expect(await slash(ADMIN, 'assign running-containers')).toMatch(/Name a lesson, then who it is for/);
  });

  it('refuses a non-admin, and the would-be assignee hears nothing', async () => {
    const [mallory, victim] = [uniqueId('U'), uniqueId('U')];
    const mark = since();
    expect(await slash(mallory, `assign 1 ${victim} by tomorrow`)).toMatch(/Only Dockhand admins can assign/);
    expect(dmsTo(victim, mark, /./)).toHaveLength(0);
    expect(await t.bot.db.prisma.assignment.count({ where: { teamId: t.teamId, userId: victim } })).toBe(0);
  });
});

/** An ISO date a month ahead (always in the future, never over a year). */
function monthAhead(): string {
  return new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
}

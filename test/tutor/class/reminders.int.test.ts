import { slackFixture } from '../../support/fixtures';
import { VirtualClock } from '../../support/fakes/virtual-clock';
import { LearnerDriver } from '../../support/learner-driver';
import { startTestBot, uniqueId, type TestBot } from '../../support/start-test-bot';

jest.setTimeout(240_000);

const ADMIN = uniqueId('U');
const HOUR = 3_600_000;
const EVERY = 15 * 60_000;
// Monday 2 March 2026, 09:00 UTC; the assignments are due on Wednesday.
const MONDAY = Date.UTC(2026, 2, 2, 9, 0);
const env = { ADMIN_USER_IDS: ADMIN };

let t: TestBot | undefined;
afterAll(async () => {
  await t?.stop();
  await t?.standIn.stop();
});

const after = (mark: number) => (c: { method: string }) => t!.standIn.calls.indexOf(c as never) >= mark;
const reminders = (user: string, mark: number) => t!.standIn.calls.filter((c) => after(mark)(c) && c.method === 'chat.postMessage' && c.args.channel === t!.standIn.dmChannelFor(user) && /^Reminder:/.test(String(c.args.text)));

/** Moves the virtual clock to `at`, fires the reminder look due by then, and waits until that pass has ended (it schedules the next). */
async function passAt(clock: VirtualClock, at: number): Promise<void> {
  clock.setTime(at);
  const due = clock.nextDue();
  if (due === undefined || due > at) throw new Error('no reminder look is due');
  clock.fireNext(at);
  const deadline = Date.now() + 30_000;
  while (clock.nextDue() !== Math.max(due, 0) + EVERY && clock.nextDue() !== at + EVERY) {
    if (Date.now() > deadline) throw new Error('the reminder pass did not end');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('assignment reminders', () => {
  it('DMs one reminder the day before and one on the day, none for a done lesson, and none twice across a restart', async () => {
    let clock = new VirtualClock(MONDAY);
    // Kept across the restart below: the stand-in (and no sandbox: nobody runs a command here).
    t = await startTestBot({ env, keepSandboxes: true, start: { classClock: clock } });
    const [l, done] = [new LearnerDriver(t, uniqueId('U')), uniqueId('U')];
    let mark = t.standIn.calls.length;
    await t.standIn.sendSlashCommand({ ...slackFixture('slash-command'), team_id: t.teamId, user_id: ADMIN, channel_id: 'C0LEAD', text: `assign compose ${l.user} ${done} by 2026-03-04` });
    const answer = await t.standIn.waitForCall('response_url', after(mark), 30_000);
    expect(String(answer.args.text)).toMatch(/due Wed, 4 Mar 2026: 2 newly assigned/);
    // The second learner has already finished the lesson (their progress says so).
    const learner = await t.bot.db.prisma.learner.create({ data: { teamId: t.teamId, userId: done } });
    await t.bot.db.prisma.lessonProgress.create({ data: { learnerId: learner.id, lessonId: 'compose', completedAt: new Date(MONDAY) } });

    mark = t.standIn.calls.length;
    await passAt(clock, MONDAY + HOUR); // Monday: nothing owed yet
    await passAt(clock, MONDAY + 15 * HOUR + 10 * 60_000); // Tuesday 00:10
    await l.waitForPost(/^Reminder: \*Docker Compose\* is due tomorrow \(Wed, 4 Mar 2026\)/, mark);
    await passAt(clock, MONDAY + 15 * HOUR + 25 * 60_000); // the next look, same day
    expect(reminders(l.user, mark)).toHaveLength(1);
    expect(reminders(done, mark)).toHaveLength(0);

    // A restart on Tuesday: the new process's first look sends nothing again.
    const standIn = t.standIn;
    await t.stop();
    clock = new VirtualClock(MONDAY + 27 * HOUR); // Tuesday 12:00
    t = await startTestBot({ env, reuse: standIn, start: { classClock: clock } });
    mark = t.standIn.calls.length;
    await passAt(clock, MONDAY + 27 * HOUR);
    expect(reminders(l.user, mark)).toHaveLength(0);

    await passAt(clock, MONDAY + 47 * HOUR); // Wednesday 08:00
    await l.waitForPost(/^Reminder: \*Docker Compose\* is due today/, mark);
    await passAt(clock, MONDAY + 63 * HOUR); // Thursday: overdue, no more reminders
    expect(reminders(l.user, mark)).toHaveLength(1);
    expect(reminders(done, mark)).toHaveLength(0);
    const row = await t.bot.db.prisma.assignment.findFirstOrThrow({ where: { teamId: t.teamId, userId: done } });
    expect(row.completedAt?.getTime()).toBe(MONDAY);
  });
});

import Docker from 'dockerode';
import type { RecordedCall } from '../../../src/slack/stand-in/slack-stand-in';
import { LearnerDriver } from '../../support/learner-driver';
import { startTestBot, uniqueId, type TestBot } from '../../support/start-test-bot';
import { inChannel, slash } from '../../tutor/challenges/race-helpers';

jest.setTimeout(600_000);
const ADMIN = 'U0ADMIN01';
const ADA = 'U0ADALOVE';
const BOB = 'U0BOBBYBB';
const WORKSHOP = 'C0WORKSHOP';
const docker = new Docker();

/** `/tutor <text>` from `user`; resolves with the whole response_url call (its blocks carry buttons). */
async function slashCall(t: TestBot, user: string, channel: string, text: string): Promise<RecordedCall> {
  const mark = t.standIn.calls.length;
  await slash(t, user, channel, text);
  return t.standIn.calls.slice(mark).find((c) => c.method === 'response_url')!;
}

/** Presses a button of an ephemeral slash answer; resolves with the text of the answer that replaces it. */
async function press(t: TestBot, user: string, channel: string, message: RecordedCall, actionId: string): Promise<string> {
  const blocks = message.args.blocks as { elements?: { action_id: string; value?: string }[] }[];
  const button = blocks.flatMap((b) => b.elements ?? []).find((e) => e.action_id === actionId)!;
  const mark = t.standIn.calls.length;
  await t.standIn.clickButton(user, { channel, ts: '0.0', blocks: message.args.blocks }, { action_id: actionId, value: button.value });
  const c = await t.standIn.waitForCall('response_url', (x) => t.standIn.calls.indexOf(x) >= mark, 60_000);
  return String(c.args.text);
}

/** The report files uploaded to `user`'s DM after `since`. */
const reportsFor = (t: TestBot, user: string) => [...t.standIn.files.values()].filter((f) => f.completed && f.channelId === t.standIn.dmChannelFor(user) && /^dockhand-report-/.test(f.filename ?? ''));

/**
 * `/tutor report` and `/tutor forget me` through the real bot (Bolt over Socket Mode, Postgres, real sandboxes):
 * the CSV in the admin's DM per workspace and per channel, the empty workspace, a refused learner; a learner's
 * confirmed forget removes their data and sandbox, withdraws them from a running challenge, and leaves a
 * second learner's data and sandbox as they were.
 */
describe('the class report and forget me', () => {
  let t: TestBot;
  beforeAll(async () => {
    t = await startTestBot({
      env: { ADMIN_USER_IDS: ADMIN },
      standIn: { channels: { [WORKSHOP]: { name: 'workshop', members: [ADMIN, ADA] } }, users: { [ADA]: { name: 'ada' }, [BOB]: { name: '=cmd|calc' } } },
    });
  });
  afterAll(() => t?.stop());

  it('reports nobody for an empty workspace, refuses a learner, then sends the CSV per workspace and per channel', async () => {
    const channel = uniqueId('C');
    expect(await slash(t, ADMIN, channel, 'report')).toContain('Nobody in this workspace has started yet');
    expect(reportsFor(t, ADMIN)).toEqual([]);
    expect(await slash(t, ADA, channel, 'report')).toContain('only Dockhand admins can see the class report');

    for (const user of [ADA, BOB]) {
      const { final } = await new LearnerDriver(t, user).run(`echo ${user.toLowerCase()}-data > /root/mine.txt; cat /root/mine.txt`);
      expect(LearnerDriver.blocksText(final)).toContain(`${user.toLowerCase()}-data`);
    }
    // Ada also finished a two-step lesson, ten minutes ago
    const ada = await new LearnerDriver(t, ADA).row();
    const ago = (min: number) => new Date(Date.now() - min * 60_000);
    await t.bot.db.prisma.lessonProgress.create({ data: { learnerId: ada.id, lessonId: '01-running-containers', startedAt: ago(10), completedAt: ago(6) } });
    await t.bot.db.prisma.stepCompletion.createMany({
      data: [
        { learnerId: ada.id, lessonId: '01-running-containers', stepId: 'a', startedAt: ago(10), completedAt: ago(8) },
        { learnerId: ada.id, lessonId: '01-running-containers', stepId: 'b', startedAt: ago(8), completedAt: ago(6) },
      ],
    });

    expect(await slash(t, ADMIN, channel, 'report')).toContain('2 learners, sent to you in our direct message');
    const [all] = reportsFor(t, ADMIN);
    const rows = all!.content.trim().split('\r\n');
    expect(rows[0]).toBe('learner,slack_user_id,lessons_done,steps_done,time_spent_minutes,last_seen_utc');
    expect(rows).toHaveLength(3);
    // 10 minutes ago to the command just run: the 6-minute gap counts, so at least the lesson's 4 minutes plus it
    expect(rows.find((r) => r.includes(ADA))).toMatch(new RegExp(`^ada,${ADA},1,2,(\\d+),\\d{4}-`));
    expect(Number(/,1,2,(\d+),/.exec(rows.find((r) => r.includes(ADA))!)![1])).toBeGreaterThanOrEqual(4);
    // a display name that a spreadsheet would run is defused
    expect(rows.find((r) => r.includes(BOB))).toMatch(new RegExp(`^'=cmd\\|calc,${BOB},0,0,0,`));

    expect(await slash(t, ADMIN, channel, 'report #workshop')).toContain('1 learner, sent to you');
    const perChannel = reportsFor(t, ADMIN)[1]!;
    expect(perChannel.filename).toMatch(new RegExp(`^dockhand-report-${WORKSHOP}-`));
    expect(perChannel.content).toContain(ADA);
    expect(perChannel.content).not.toContain(BOB);
    expect(await slash(t, ADMIN, channel, 'report #nowhere')).toContain("I can't find a channel called #nowhere");
  });

  it("forget me: confirmed, Ada's data and sandbox go and she leaves a running challenge's leaderboard; Bob's stay", async () => {
    const adaKey = `${t.teamId}:${ADA}`;
    const bobKey = `${t.teamId}:${BOB}`;
    const adaSandbox = t.bot.sandboxes.containerIdOf(adaKey);
    expect(adaSandbox).toBeDefined();
    const ada = await new LearnerDriver(t, ADA).row();

    // A running challenge Ada has entered
    const room = uniqueId('C');
    const mark = t.standIn.calls.length;
    expect(await slash(t, ADMIN, room, 'challenge start nginx-on-8080 30m')).toMatch(/challenge is on/);
    await inChannel(t, room, mark, /Challenge: NGINX/);
    const challenge = await t.bot.db.prisma.challenge.findFirstOrThrow({ where: { channelId: room } });
    await t.bot.db.prisma.challengeEntry.create({ data: { challengeId: challenge.id, learnerId: ada.id } });

    // Cancel first: nothing happens
    let ask = await slashCall(t, ADA, room, 'forget me');
    expect(String(ask.args.text)).toContain('Delete everything Dockhand keeps about you?');
    expect(await press(t, ADA, room, ask, 'team:forget:cancel')).toContain('Nothing was deleted');
    expect(await t.bot.db.prisma.learner.count({ where: { id: ada.id } })).toBe(1);

    ask = await slashCall(t, ADA, room, 'forget me');
    const before = t.standIn.calls.length;
    const done = await press(t, ADA, room, ask, 'team:forget:confirm');
    expect(done).toMatch(/^Done: I deleted your progress \(1 lesson\).*You were withdrawn from the running challenge/);

    const prisma = t.bot.db.prisma;
    expect(await prisma.learner.count({ where: { teamId: t.teamId, userId: ADA } })).toBe(0);
    for (const count of [prisma.lessonProgress.count({ where: { learnerId: ada.id } }), prisma.stepCompletion.count({ where: { learnerId: ada.id } }), prisma.commandRun.count({ where: { learnerId: ada.id } }), prisma.sandbox.count({ where: { learnerId: ada.id } }), prisma.challengeEntry.count({ where: { learnerId: ada.id } })]) {
      expect(await count).toBe(0);
    }
    expect(t.bot.sandboxes.containerIdOf(adaKey)).toBeUndefined();
    await expect(docker.getContainer(adaSandbox!).inspect()).rejects.toMatchObject({ statusCode: 404 });
    // the leaderboard is edited without her
    const board = await t.standIn.waitForCall('chat.update', (c) => t.standIn.calls.indexOf(c) >= before && c.args.ts === challenge.leaderboardTs, 60_000);
    expect(JSON.stringify(board.args.blocks)).toContain('Nobody yet');
    // the log line carries counts, not who
    const line = t.logs.find((l) => l.msg === 'a learner deleted their data')!;
    expect(line).toMatchObject({ lessons: 1, steps: 2, challengeEntries: 1, withdrawnFromChallenge: true });
    expect(JSON.stringify(line)).not.toContain(ADA);

    // Bob: row, history and sandbox as they were
    expect(await prisma.learner.count({ where: { teamId: t.teamId, userId: BOB } })).toBe(1);
    expect(t.bot.sandboxes.containerIdOf(bobKey)).toBeDefined();
    const { final } = await new LearnerDriver(t, BOB).run('cat /root/mine.txt');
    expect(LearnerDriver.blocksText(final)).toContain(`${BOB.toLowerCase()}-data`);
    expect(await slash(t, ADMIN, room, 'challenge end')).toMatch(/has ended/);
  });
});

import { slackFixture } from '../../support/fixtures';
import { VirtualClock } from '../../support/fakes/virtual-clock';
import { LearnerDriver } from '../../support/learner-driver';
import { startTestBot, uniqueId, type TestBot } from '../../support/start-test-bot';
import type { RecordedCall } from '../../../src/slack/stand-in/slack-stand-in';

jest.setTimeout(240_000);

const ADMIN = uniqueId('U');
const clock = new VirtualClock(Date.now());
let t: TestBot;
beforeAll(async () => {
  t = await startTestBot({ env: { ADMIN_USER_IDS: ADMIN, CLASS_STUCK_MINUTES: '10' }, start: { classClock: clock } });
});
afterAll(async () => {
  await t?.stop();
});

const since = () => t.standIn.calls.length;
const after = (mark: number) => (c: { method: string }) => t.standIn.calls.indexOf(c as never) >= mark;
const viewText = (c: RecordedCall) => JSON.stringify(c.args.view);
const publishesTo = (user: string, mark: number) => t.standIn.calls.filter((c) => after(mark)(c) && c.method === 'views.publish' && c.args.user_id === user);

/** Opens `user`'s Home tab and returns the view published for it. */
async function openHome(user: string): Promise<RecordedCall> {
  const mark = since();
  await t.standIn.sendEvent({ type: 'app_home_opened', user, channel: t.standIn.dmChannelFor(user), tab: 'home', event_ts: '1.1' });
  return t.standIn.waitForCall('views.publish', (c) => after(mark)(c) && c.args.user_id === user, 30_000);
}

const hintsOn = async (user: string) => {
  const learner = await t.bot.db.prisma.learner.findUniqueOrThrow({ where: { teamId_userId: { teamId: t.teamId, userId: user } } });
  return (await t.bot.db.prisma.stepCompletion.findFirstOrThrow({ where: { learnerId: learner.id, lessonId: 'running-containers', stepId: 'hello-world' } })).hintsUsed;
};

describe('the live class view on an admin App Home', () => {
  let a: LearnerDriver;
  let b: LearnerDriver;
  let mallory: LearnerDriver;

  beforeAll(async () => {
    a = new LearnerDriver(t, uniqueId('U'));
    b = new LearnerDriver(t, uniqueId('U'));
    mallory = new LearnerDriver(t, uniqueId('U'));
    for (const l of [a, b]) {
      const mark = since();
      await l.say('start 1');
      await l.waitForPost(/step 1 of/, mark, 60_000);
    }
    // a tries (a hint on the step); b only reads.
    const mark = since();
    await a.say('hint');
    await a.waitForPost(/^Hint: /, mark);
  });

  it('lists who is on which step; after CLASS_STUCK_MINUTES a learner who tried is stuck, with a Send a hint button', async () => {
    let view = viewText(await openHome(ADMIN));
    expect(view).toContain('Your class, live');
    expect(view).toContain(`<@${a.user}> · Running containers · step 1/10`);
    expect(view).toContain(`<@${b.user}> · Running containers · step 1/10`);
    expect(view).not.toContain('class:hint:');

    clock.setTime(Date.now() + 11 * 60_000);
    await new Promise((r) => setTimeout(r, 5100)); // the App Home publishes at most once per 5 s per user
    view = viewText(await openHome(ADMIN));
    expect(view).toMatch(new RegExp(`:sos: <@${a.user}> · Running containers · step 1/10 “Your first container”\\\\nstuck for 1[12] min`));
    expect(view).toContain(`class:hint:${a.user}`);
    // b has been on the step as long, but has not tried: not stuck.
    expect(view).not.toContain(`class:hint:${b.user}`);
  });

  it("Send a hint DMs the learner their step's next hint, counted like their own Hint button", async () => {
    expect(await hintsOn(a.user)).toBe(1);
    const mark = since();
    await t.standIn.clickButton(ADMIN, { channel: '', ts: '1.1' }, { action_id: `class:hint:${a.user}`, value: a.user });
    await a.waitForPost(new RegExp(`sent you a hint`), mark);
    const hint = await a.waitForPost(/^Hint: The shape is `docker run IMAGE`/, mark);
    expect(LearnerDriver.blocksText(hint)).toContain('Hint 2 of 3');
    await t.standIn.waitForCall('chat.postMessage', (c) => after(mark)(c) && c.args.channel === t.standIn.dmChannelFor(ADMIN) && /I sent .* the next hint/.test(String(c.args.text)));
    expect(await hintsOn(a.user)).toBe(2);
  });

  it('a non-admin can neither send hints to others nor assign, and their own Home shows no class view', async () => {
    const mark = since();
    await t.standIn.clickButton(mallory.user, { channel: '', ts: '1.1' }, { action_id: `class:hint:${a.user}`, value: a.user });
    await mallory.waitForPost(/Only Dockhand admins can send hints/, mark);
    await t.standIn.sendSlashCommand({ ...slackFixture('slash-command'), team_id: t.teamId, user_id: mallory.user, channel_id: 'C0X', text: `assign 1 ${a.user} by tomorrow` });
    expect(String((await t.standIn.waitForCall('response_url', after(mark), 30_000)).args.text)).toMatch(/Only Dockhand admins can assign/);
    expect(await hintsOn(a.user)).toBe(2);
    expect(t.standIn.calls.filter((c) => after(mark)(c) && c.method === 'chat.postMessage' && c.args.channel === a.channel)).toHaveLength(0);

    const own = viewText(await openHome(mallory.user));
    expect(own).not.toContain('Your class');
    expect(own).not.toContain(a.user);
    // The bystander learner's Home is theirs alone too.
    const bystander = viewText(await openHome(b.user));
    expect(bystander).not.toContain('Your class');
  });

  it("a learner's progress republishes a watching admin's Home, at most once per 5 s", async () => {
    const mark = since();
    const started = Date.now();
    for (let i = 0; i < 3; i++) {
      const m = since();
      await b.say('skip');
      await b.waitForPost(new RegExp(`step ${i + 2} of 10`), m, 60_000);
    }
    const moved = await t.standIn.waitForCall('views.publish', (c) => after(mark)(c) && c.args.user_id === ADMIN && viewText(c).includes(`<@${b.user}> · Running containers · step 4/10`), 30_000);
    expect(moved).toBeDefined();
    const elapsed = Date.now() - started;
    expect(publishesTo(ADMIN, mark).length).toBeLessThanOrEqual(Math.floor(elapsed / 5000) + 2);
  });
});

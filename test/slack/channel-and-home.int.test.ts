import { slackFixture, type EventCallback } from '../support/fixtures';
import { LearnerDriver } from '../support/learner-driver';
import { startTestBot, uniqueId, type TestBot } from '../support/start-test-bot';

jest.setTimeout(180_000);

let t: TestBot;
beforeAll(async () => {
  t = await startTestBot();
});
afterAll(async () => {
  await t?.stop();
});

const since = () => t.standIn.calls.length;
const after = (mark: number) => (c: { method: string }) => t.standIn.calls.indexOf(c as never) >= mark;

describe('channels, the slash command and the App Home', () => {
  it('answers an @-mention in a channel with a short introduction in a thread, pointing to the DM', async () => {
    const mention = slackFixture<EventCallback>('app-mention');
    const mark = since();
    await t.standIn.sendEvent({ ...mention.event, user: uniqueId('U') });
    const reply = await t.standIn.waitForCall('chat.postMessage', (c) => after(mark)(c) && c.args.channel === mention.event.channel);
    expect(reply.args.thread_ts).toBe(mention.event.ts);
    expect(String(reply.args.text)).toMatch(/direct message/);
  });

  it('/tutor help, lessons and start answer ephemerally; start puts the step card in the DM', async () => {
    const user = uniqueId('U');
    const cmd = { ...slackFixture('slash-command'), team_id: t.teamId, user_id: user, channel_id: 'C0RANDOM' };
    let mark = since();
    const ack = await t.standIn.sendSlashCommand({ ...cmd, text: 'help' });
    expect(ack.ackMs).toBeLessThan(3000);
    const help = await t.standIn.waitForCall('response_url', after(mark));
    expect(help.args.response_type).toBe('ephemeral');
    expect(JSON.stringify(help.args.blocks)).toContain('/tutor lessons');

    mark = since();
    await t.standIn.sendSlashCommand({ ...cmd, text: 'lessons' });
    const lessons = await t.standIn.waitForCall('response_url', after(mark));
    expect(JSON.stringify(lessons.args.blocks)).toContain('tutor:start:running-containers');

    mark = since();
    await t.standIn.sendSlashCommand({ ...cmd, text: 'start 2' });
    const answer = await t.standIn.waitForCall('response_url', after(mark));
    expect(String(answer.args.text)).toMatch(/waiting in our direct message/);
    const card = await t.standIn.waitForCall('chat.postMessage', (c) => after(mark)(c) && c.args.channel === t.standIn.dmChannelFor(user) && /step 1 of/.test(String(c.args.text)));
    expect(String(card.args.text)).toMatch(/^Ports, environment and volumes/i);

    mark = since();
    await t.standIn.sendSlashCommand({ ...cmd, text: 'dance' });
    const unknown = await t.standIn.waitForCall('response_url', after(mark));
    expect(String(unknown.args.text)).toMatch(/understands help, lessons/);
  });

  it('publishes the App Home with progress when opened, and again when progress changes', async () => {
    const l = new LearnerDriver(t, uniqueId('U'));
    let mark = since();
    await t.standIn.sendEvent({ type: 'app_home_opened', user: l.user, channel: l.channel, tab: 'home', event_ts: '1.1' });
    const first = await t.standIn.waitForCall('views.publish', (c) => after(mark)(c) && c.args.user_id === l.user);
    expect(JSON.stringify(first.args.view)).toContain('tutor:start:running-containers');
    expect(JSON.stringify(first.args.view)).not.toMatch(/current/);

    mark = since();
    await l.say('start running-containers');
    await l.waitForPost(/step 1 of 10/, mark);
    const updated = await t.standIn.waitForCall('views.publish', (c) => after(mark)(c) && c.args.user_id === l.user, 20000);
    expect(JSON.stringify(updated.args.view)).toMatch(/current · 0\/10 steps · at “Your first container”/);
  });

  it('a Start button on the App Home (no channel) opens the lesson in the DM', async () => {
    const user = uniqueId('U');
    const mark = since();
    await t.standIn.sendInteractive({
      type: 'block_actions',
      user: { id: user, team_id: t.teamId },
      team: { id: t.teamId },
      container: { type: 'view', view_id: 'V1' },
      view: { id: 'V1', type: 'home' },
      actions: [{ type: 'button', action_id: 'tutor:start:first-dockerfile', value: 'first-dockerfile', block_id: 'b', action_ts: '1.2' }],
    });
    await t.standIn.waitForCall('conversations.open', (c) => after(mark)(c) && c.args.users === user);
    const card = await t.standIn.waitForCall('chat.postMessage', (c) => after(mark)(c) && c.args.channel === t.standIn.dmChannelFor(user) && /Your first Dockerfile · step 1/i.test(String(c.args.text)));

    // The learner's progress was recorded: the lesson is active, at the step whose card reached the DM.
    const learner = await t.bot.db.prisma.learner.findUniqueOrThrow({ where: { teamId_userId: { teamId: t.teamId, userId: user } } });
    expect(learner).toMatchObject({ activeLessonId: 'first-dockerfile', dmChannel: t.standIn.dmChannelFor(user) });
    const progress = await t.bot.db.prisma.lessonProgress.findUniqueOrThrow({ where: { learnerId_lessonId: { learnerId: learner.id, lessonId: 'first-dockerfile' } } });
    expect(progress).toMatchObject({ currentStep: 0, completedAt: null });
    expect(progress.currentStepId).toEqual(expect.any(String));
    // The card is that step's, with its buttons bound to it.
    const buttons = (card.args.blocks as { elements?: { action_id?: string; value?: string }[] }[]).flatMap((b) => b.elements ?? []);
    expect(buttons.find((b) => b.action_id === 'tutor:check')?.value).toBe(`first-dockerfile:${progress.currentStepId}`);
    // And the App Home shows the lesson as the current one.
    const home = await t.standIn.waitForCall('views.publish', (c) => after(mark)(c) && c.args.user_id === user && /current/.test(JSON.stringify(c.args.view)), 20000);
    expect(JSON.stringify(home.args.view)).toMatch(/Your first Dockerfile[^"]*\\n:arrow_forward: current · 0\/\d+ steps/);
  });

  it("one learner's queue of slow commands does not hold up another learner's replies", async () => {
    const busy = new LearnerDriver(t, uniqueId('U'));
    const other = new LearnerDriver(t, uniqueId('U'));
    await busy.run('true'); // sandbox ready
    const mark = since();
    for (let i = 0; i < 6; i++) await busy.say(`$ sleep 2; echo slow-${i}`);
    await other.say('help');
    const reply = await other.waitForPost(/Welcome|Here is what I can do/, mark);
    const replyIndex = t.standIn.calls.indexOf(reply);
    const slowFinals = t.standIn.calls.filter((c, i) => i >= mark && c.method === 'chat.update' && /slow-\d: exit/.test(String(c.args.text)));
    // The other learner was answered before the busy learner's second slow command finished.
    expect(slowFinals.filter((c) => t.standIn.calls.indexOf(c) < replyIndex).length).toBeLessThanOrEqual(1);
  });
});

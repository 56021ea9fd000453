import type { RecordedCall } from '../../../src/slack/stand-in/slack-stand-in';
import { LearnerDriver } from '../../support/learner-driver';
import { inFlightAfter, startTestBot, uniqueId, type TestBot } from '../../support/start-test-bot';
import { inChannel, slash } from '../../tutor/challenges/race-helpers';

jest.setTimeout(600_000);
const ADMIN = 'U0ADMIN01';
const NEWCOMER = 'U0NEWCOME';
const REGULAR = 'U0REGULAR';

const buttonsOf = (c: RecordedCall) => ((c.args.blocks ?? []) as { elements?: Record<string, unknown>[]; accessory?: Record<string, unknown> }[]).flatMap((b) => [...(b.elements ?? []), ...(b.accessory ? [b.accessory] : [])]);

/**
 * Slack polish through the real bot (Bolt over Socket Mode, Postgres): the Messages tab welcome (once per user,
 * stored; not for someone who already wrote), the "Start a Docker lesson" shortcut, the challenge modal (same
 * path as the typed command), and accessibility labels on buttons repeated per step and per lesson.
 */
describe('Slack polish', () => {
  let t: TestBot;
  beforeAll(async () => {
    t = await startTestBot({ env: { ADMIN_USER_IDS: ADMIN } });
  });
  afterAll(() => t?.stop());

  const openMessagesTab = async (user: string) => {
    await t.standIn.sendEvent({ type: 'app_home_opened', user, channel: t.standIn.dmChannelFor(user), tab: 'messages', event_ts: `${Date.now() / 1000}` });
    expect(await inFlightAfter(t)).toBe(0);
  };
  const welcomesTo = (user: string) => t.standIn.callsTo('chat.postMessage').filter((c) => c.args.channel === t.standIn.dmChannelFor(user) && c.args.text === 'Welcome to Dockhand!');

  it('welcomes a newcomer on the first open of the Messages tab only, and never someone who already wrote', async () => {
    await openMessagesTab(NEWCOMER);
    const [welcome] = welcomesTo(NEWCOMER);
    expect(buttonsOf(welcome!).map((b) => b.action_id)).toEqual(['tutor:lessons']);
    await openMessagesTab(NEWCOMER);
    expect(welcomesTo(NEWCOMER)).toHaveLength(1);
    expect(await t.bot.db.prisma.messagesWelcome.count({ where: { teamId: t.teamId, userId: NEWCOMER } })).toBe(1);

    const regular = new LearnerDriver(t, REGULAR);
    const mark = regular.mark;
    await regular.say('help');
    await regular.waitForPost(/./, mark);
    const before = welcomesTo(REGULAR).length;
    await openMessagesTab(REGULAR);
    expect(welcomesTo(REGULAR)).toHaveLength(before);
  });

  it('the global shortcut sends the lesson list to the DM; step and Home buttons carry accessibility labels', async () => {
    const user = uniqueId('U');
    const me = new LearnerDriver(t, user);
    let mark = me.mark;
    await t.standIn.globalShortcut(user, 'start_docker_lesson');
    const list = await me.waitForPost(/^The course$/, mark);
    expect(buttonsOf(list).map((b) => b.action_id)).toContain('tutor:start:running-containers');

    mark = me.mark;
    await me.click(list, 'tutor:start:running-containers');
    const card = await me.waitForPost(/step 1 of/, mark);
    const labels = Object.fromEntries(buttonsOf(card).map((b) => [b.action_id, b.accessibility_label]));
    expect(labels['tutor:check']).toMatch(/^Check step 1, .+/);
    expect(labels['tutor:hint']).toMatch(/^Hint for step 1, .+/);

    await t.standIn.sendEvent({ type: 'app_home_opened', user, channel: t.standIn.dmChannelFor(user), tab: 'home', event_ts: `${Date.now() / 1000}` });
    const home = await t.standIn.waitForCall('views.publish', (c) => c.args.user_id === user);
    const rows = ((home.args.view as { blocks: { accessory?: { action_id: string; accessibility_label?: string } }[] }).blocks).flatMap((b) => (b.accessory ? [b.accessory] : []));
    expect(rows.find((a) => a.action_id === 'tutor:start:running-containers')?.accessibility_label).toMatch(/^Continue the lesson /);
    expect(rows.filter((a) => !a.accessibility_label)).toEqual([]);
  });

  it('`/tutor challenge start` alone opens a modal for an admin; its submission starts the challenge like the typed command', async () => {
    const channel = uniqueId('C');
    // a learner is refused as before, and gets no modal
    expect(await slash(t, NEWCOMER, channel, 'challenge start')).toMatch(/only the workspace's Dockhand admins can start a challenge/);
    expect(t.standIn.callsTo('views.open')).toHaveLength(0);

    await t.standIn.sendSlashCommand({ command: '/tutor', team_id: t.teamId, user_id: ADMIN, channel_id: channel, text: 'challenge start' });
    const opened = await t.standIn.waitForCall('views.open');
    const view = opened.args.view as { callback_id: string; blocks: { block_id: string; element: { options?: { value: string }[]; initial_conversation?: string } }[] };
    const byBlock = Object.fromEntries(view.blocks.map((b) => [b.block_id, b.element]));
    expect(byBlock.exercise!.options!.map((o) => o.value)).toContain('nginx-on-8080');
    expect(byBlock.channel!.initial_conversation).toBe(channel);

    const mark = t.standIn.calls.length;
    await t.standIn.submitView(ADMIN, view, {
      exercise: { exercise: { type: 'static_select', selected_option: { value: 'nginx-on-8080' } } },
      duration: { duration: { type: 'plain_text_input', value: '10m' } },
      channel: { channel: { type: 'conversations_select', selected_conversation: channel } },
    });
    await inChannel(t, channel, mark, /Challenge: NGINX on port 8080/);
    const told = await t.standIn.waitForCall('chat.postEphemeral', (c) => t.standIn.calls.indexOf(c) >= mark && c.args.user === ADMIN);
    expect(String(told.args.text)).toMatch(/challenge is on until/);
    const running = await t.bot.db.prisma.challenge.findFirstOrThrow({ where: { channelId: channel, endedAt: null } });
    expect(running.endsAt.getTime() - running.startedAt.getTime()).toBe(10 * 60_000);
    expect(await slash(t, ADMIN, channel, 'challenge end')).toMatch(/has ended/);
  });
});

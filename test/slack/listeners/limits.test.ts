import { slackFixture } from '../../support/fixtures';
import { ADMIN, buttonOf, callsTo, FIXTURE_DM, FIXTURE_TEAM, FIXTURE_USER, textOf, useInProcessBot } from './listener-harness';

type BlockActions = { actions: Record<string, unknown>[]; [k: string]: unknown };
let now = 0;

describe('per-learner limits through Slack: one "slow down" per window, reset and stop always work', () => {
  const bot = useInProcessBot({ limits: { commandsPerMinute: 3, actionsPerMinute: 4, now: () => now } });
  const dm = (typed: string) => ({
    ...slackFixture<Record<string, unknown>>('message-im'),
    event_id: `Ev${Math.random().toString(36).slice(2, 12).toUpperCase()}`,
    event: { ...bot().standIn.directMessageEvent(FIXTURE_USER, typed, { channel: FIXTURE_DM }), team: FIXTURE_TEAM },
  });
  const slowDowns = () => callsTo(bot(), 'chat.postMessage', FIXTURE_DM).filter((c) => /^Slow down/.test(textOf(c)));

  beforeEach(async () => {
    now = 1_000_000;
    await bot().stores.learners.ensureLearner(FIXTURE_TEAM, FIXTURE_USER);
  });

  it('a flood of commands runs perMinute of them and says "slow down" once', async () => {
    for (let i = 0; i < 20; i++) await bot().deliver(dm(`$ echo ${i}`));
    await bot().standIn.waitForCall('chat.postMessage', (c) => /^\$ echo 2: exit/.test(textOf(c)), 5000);
    expect(bot().sandbox.callsOf('run').map((c) => c.command)).toEqual(['echo 0', 'echo 1', 'echo 2']);
    expect(slowDowns()).toHaveLength(1);
    expect(textOf(slowDowns()[0]!)).toMatch(/at most 3 commands a minute/);

    // The next window: commands run again, and a new flood gets one new notice.
    now += 60_000;
    for (let i = 20; i < 30; i++) await bot().deliver(dm(`$ echo ${i}`));
    expect(bot().sandbox.callsOf('run')).toHaveLength(6);
    expect(slowDowns()).toHaveLength(2);
  });

  it('limits `check`, `hint` and buttons too, but never `reset` or `stop`', async () => {
    bot().sandbox.failCheck(/check-/, 'FAIL: not yet');
    await bot().deliver(dm('start basics'));
    for (let i = 0; i < 6; i++) await bot().deliver(dm(i % 2 ? 'hint' : 'check'));
    const card = callsTo(bot(), 'chat.postMessage', FIXTURE_DM)[0]!;
    const hint = buttonOf(card, 'tutor:hint');
    const click = slackFixture<BlockActions>('block-actions');
    await bot().deliver({ ...click, actions: [{ ...click.actions[0], action_id: hint.action_id, value: hint.value }] });
    // start + 3 of the 6 words: 4 actions; the rest (and the button) are refused, with one notice.
    expect(bot().sandbox.callsOf('checkScript').filter((c) => /\ncheck-/.test(c.script))).toHaveLength(2);
    expect(slowDowns()).toHaveLength(1);
    const before = callsTo(bot(), 'chat.postMessage', FIXTURE_DM).length;
    await bot().deliver(dm('reset'));
    await bot().deliver(dm('stop'));
    const after = callsTo(bot(), 'chat.postMessage', FIXTURE_DM).slice(before).map(textOf);
    expect(after).toEqual([expect.stringMatching(/Your sandbox was reset/), expect.stringMatching(/^Paused \*Container basics\*/)]);
    expect(bot().sandbox.callsOf('reset')).toHaveLength(1);
  });
});

describe('the request limit covers slash commands and every button but Ctrl-C', () => {
  const bot = useInProcessBot({ limits: { commandsPerMinute: 3, actionsPerMinute: 4, now: () => now } });
  const slash = async (text: string, over: Record<string, unknown> = {}) => {
    await bot().deliver({ ...slackFixture('slash-command'), team_id: FIXTURE_TEAM, text, response_url: bot().responseUrl(), ...over });
  };
  const answers = () => bot().standIn.calls.filter((c) => c.method === 'response_url').map(textOf);
  const click = (action_id: string, value: string, over: Record<string, unknown> = {}) => {
    const body = slackFixture<BlockActions>('block-actions');
    return bot().deliver({ ...body, ...over, actions: [{ ...body.actions[0], action_id, value }] });
  };

  beforeEach(() => {
    now = 1_000_000;
  });

  it('a flood of /tutor commands gets its per-minute answers, one "slow down" (to the caller only), then silence', async () => {
    for (let i = 0; i < 10; i++) await slash('lessons');
    expect(answers()).toEqual(['The course', 'The course', 'The course', 'The course', expect.stringMatching(/^Slow down: you are sending requests faster than 4 a minute/)]);
    // `class` and `challenge` count too: still over the limit, so dropped quietly.
    await slash('challenge list');
    await slash('class prepare 3');
    expect(answers()).toHaveLength(5);
    now += 60_000;
    await slash('challenge list');
    expect(answers()).toHaveLength(6);
  });

  it('Reset and App Home buttons count like typed requests; Ctrl-C always works', async () => {
    await bot().stores.learners.ensureLearner(FIXTURE_TEAM, FIXTURE_USER);
    for (let i = 0; i < 3; i++) await click('tutor:reset', 'reset');
    await bot().deliver(slackFixture('block-actions-home'));
    await click('tutor:reset', 'reset');
    await bot().deliver(slackFixture('block-actions-home'));
    expect(bot().sandbox.callsOf('reset')).toHaveLength(3);
    expect(callsTo(bot(), 'chat.postMessage', FIXTURE_DM).filter((c) => /^Slow down/.test(textOf(c)))).toHaveLength(1);
    const interrupts = bot().sandbox.callsOf('interrupt').length;
    await click('tutor:ctrl-c', 'ctrl-c');
    expect(bot().sandbox.callsOf('interrupt').length).toBeGreaterThan(interrupts);
  });

  it("a challenge's Accept counts too: a flood of presses gets one ephemeral \"slow down\"", async () => {
    const channel = 'C0RACE003';
    await slash('challenge start nginx-race 10m', { user_id: ADMIN, channel_id: channel });
    const card = callsTo(bot(), 'chat.postMessage', channel).find((c) => /Challenge: NGINX race/.test(textOf(c)))!;
    const accept = buttonOf(card, 'challenge:accept:');
    for (let i = 0; i < 8; i++) await click(accept.action_id, accept.value, { channel: { id: channel, name: 'race' } });
    const ephemeral = callsTo(bot(), 'chat.postEphemeral', channel).map(textOf);
    expect(ephemeral.filter((t) => /^Slow down/.test(t))).toHaveLength(1);
    // 4 presses admitted: one joins (one fresh sandbox), three are told they are already in.
    expect(ephemeral.filter((t) => /already in this challenge/.test(t))).toHaveLength(3);
    expect(bot().sandbox.callsOf('reset')).toHaveLength(1);
  });
});

describe('a 429 from Slack pauses only that channel', () => {
  const bot = useInProcessBot();
  const dmFrom = (user: string, typed: string) => ({
    ...slackFixture<Record<string, unknown>>('message-im'),
    event_id: `Ev${Math.random().toString(36).slice(2, 12).toUpperCase()}`,
    event: { ...bot().standIn.directMessageEvent(user, typed), team: FIXTURE_TEAM },
  });

  it("one learner's rate-limited reply waits and is retried; a bystander's reply goes out meanwhile", async () => {
    const slow = 'U0SLOW0001';
    const bystander = 'U0BYSTAND1';
    for (const u of [slow, bystander]) await bot().stores.learners.ensureLearner(FIXTURE_TEAM, u);
    bot().standIn.failNext('chat.postMessage', { status: 429, retryAfterSec: 2 });
    let settled = false;
    const first = bot().deliver(dmFrom(slow, 'help')).finally(() => (settled = true));
    // Wait until the 429 was answered, then the bystander asks.
    while (!bot().standIn.calls.some((c) => c.method === 'chat.postMessage' && c.status === 429)) await new Promise((r) => setTimeout(r, 5));
    await bot().deliver(dmFrom(bystander, 'help'));
    // The bystander was answered while the first learner's reply still waits out its Retry-After
    // (a client-wide pause would have held the bystander's reply behind it).
    expect(settled).toBe(false);
    expect(callsTo(bot(), 'chat.postMessage').map((c) => c.args.channel)).toEqual([bot().standIn.dmChannelFor(bystander)]);
    await first;
    const order = callsTo(bot(), 'chat.postMessage').map((c) => c.args.channel);
    expect(order).toEqual([bot().standIn.dmChannelFor(bystander), bot().standIn.dmChannelFor(slow)]);
    expect(bot().logs.some((l) => l.msg === 'Slack rate limited a call; pausing only this method/channel')).toBe(true);
  });
});

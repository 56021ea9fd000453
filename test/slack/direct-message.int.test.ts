import { slackFixture, type EventCallback } from '../support/fixtures';
import { inFlightAfter, startTestBot, uniqueId, type TestBot } from '../support/start-test-bot';

/** A `message.im` fixture addressed from `user`, with a fresh event id unless one is given. */
function dmEvent(t: TestBot, user: string, text: string) {
  const body = slackFixture<EventCallback>('message-im');
  return { ...body.event, user, text, team: t.teamId, channel: t.standIn.dmChannelFor(user) };
}

const repliesTo = (t: TestBot, user: string) => t.standIn.callsTo('chat.postMessage').filter((c) => c.args.channel === t.standIn.dmChannelFor(user));

describe('direct messages through the real Bolt app over Socket Mode', () => {
  let t: TestBot;
  beforeAll(async () => {
    t = await startTestBot({ standIn: { users: {} } });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('acks a message.im envelope and answers `help` with what the bot can do', async () => {
    const user = uniqueId('U');
    const ack = await t.standIn.sendEvent(dmEvent(t, user, 'help'));
    expect(ack.ackMs).toBeLessThan(3000);
    const reply = await t.standIn.waitForCall('chat.postMessage', (c) => c.args.channel === t.standIn.dmChannelFor(user));
    const blocksText = JSON.stringify(reply.args.blocks);
    for (const word of ['lessons', 'start', 'progress', 'reset', 'help']) expect(blocksText).toContain(word);
    expect(reply.token).toBe(t.standIn.botToken);
  });

  it('stores the learner on first contact, with the name from users.info', async () => {
    const user = uniqueId('U');
    await t.standIn.sendEvent(dmEvent(t, user, 'hello'));
    await t.standIn.waitForCall('chat.postMessage', (c) => c.args.channel === t.standIn.dmChannelFor(user));
    const find = () => t.bot.db.prisma.learner.findUnique({ where: { teamId_userId: { teamId: t.teamId, userId: user } } });
    let row = await find();
    expect(row).not.toBeNull();
    // the name is looked up beside the first answer, not before it: written within a bounded wait
    for (let i = 0; i < 100 && row?.displayName == null; i++) row = await new Promise((r) => setTimeout(r, 100)).then(find);
    expect(row!.displayName).toBe(user.toLowerCase());
    expect(t.standIn.callsTo('users.info').some((c) => c.args.user === user)).toBe(true);
  });

  it('handles an event delivered twice (same event_id, retry_attempt 1) only once', async () => {
    const user = uniqueId('U');
    const eventId = uniqueId('Ev');
    const event = dmEvent(t, user, 'help');
    await t.standIn.sendEvent(event, { eventId });
    await t.standIn.waitForCall('chat.postMessage', (c) => c.args.channel === t.standIn.dmChannelFor(user));
    const retryAck = await t.standIn.sendEvent(event, { eventId, retryAttempt: 1, retryReason: 'timeout' });
    expect(retryAck.envelopeId).toBeTruthy();
    await t.standIn.sendEvent(dmEvent(t, user, 'a later message'));
    // The later message's reply proves the retry was processed (and dropped) before it.
    await t.standIn.waitForCall('chat.postMessage', (c) => c.args.channel === t.standIn.dmChannelFor(user) && String(c.args.text).includes('a later message'));
    expect(repliesTo(t, user)).toHaveLength(2);
    expect(t.logs.some((l) => l.msg === 'duplicate delivery ignored' && l.eventId === eventId)).toBe(true);
  });

  it('answers a learner\'s messages in the order they were sent', async () => {
    const user = uniqueId('U');
    await t.standIn.sendEvent(dmEvent(t, user, 'help'));
    await t.standIn.waitForCall('chat.postMessage', (c) => c.args.channel === t.standIn.dmChannelFor(user));
    await Promise.all(['first', 'second', 'third', 'fourth'].map((w) => t.standIn.sendEvent(dmEvent(t, user, `word-${w}`))));
    await t.standIn.waitForCall('chat.postMessage', () => repliesTo(t, user).length === 5);
    const order = repliesTo(t, user).slice(1).map((c) => /word-(\w+)/.exec(String(c.args.text))?.[1]);
    expect(order).toEqual(['first', 'second', 'third', 'fourth']);
  });

  it('acks, logs and ignores an event of an unknown type, then keeps answering', async () => {
    const unknown = slackFixture<EventCallback>('unknown-event');
    const before = t.standIn.calls.length;
    const ack = await t.standIn.sendEvent(unknown.event);
    expect(ack.envelopeId).toBeTruthy();
    const user = uniqueId('U');
    await t.standIn.sendEvent(dmEvent(t, user, 'help'));
    await t.standIn.waitForCall('chat.postMessage', (c) => c.args.channel === t.standIn.dmChannelFor(user));
    expect(t.standIn.calls.slice(before).filter((c) => c.method === 'chat.postMessage')).toHaveLength(1);
  });

  it('acks and ignores a message event missing user, channel and text, with a warning', async () => {
    const broken = slackFixture<EventCallback>('message-im-missing-fields');
    const eventId = uniqueId('Ev');
    await t.standIn.sendEvent(broken.event, { eventId });
    const deadline = Date.now() + 5000;
    while (!t.logs.some((l) => l.eventId === eventId && l.msg.includes('ignored')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(t.logs.find((l) => l.eventId === eventId && l.msg.includes('ignored'))?.level).toBe(40);
    expect(await inFlightAfter(t)).toBe(0);
  });

  it('answers a 40,000-character DM with a friendly limit message', async () => {
    const user = uniqueId('U');
    await t.standIn.sendEvent(dmEvent(t, user, 'help'));
    await t.standIn.waitForCall('chat.postMessage', (c) => c.args.channel === t.standIn.dmChannelFor(user));
    await t.standIn.sendEvent(dmEvent(t, user, 'x'.repeat(40000)));
    const reply = await t.standIn.waitForCall('chat.postMessage', (c) => c.args.channel === t.standIn.dmChannelFor(user) && String(c.args.text).includes('40,000'));
    expect(String(reply.args.text)).toMatch(/at most 4,000/);
    expect(JSON.stringify(reply.args).length).toBeLessThan(4000);
  });

  it('answers a DM of control characters and lone surrogates without crashing or echoing them', async () => {
    const user = uniqueId('U');
    await t.standIn.sendEvent(dmEvent(t, user, 'help'));
    await t.standIn.waitForCall('chat.postMessage', (c) => c.args.channel === t.standIn.dmChannelFor(user));
    // `<!channel>` is how Slack delivers a typed `@channel`; `&lt;!here&gt;` a typed `<!here>`.
    const nasty = '\u0000\u0007\u001b[31m\ud800oops\udfff\u0085 <!channel> &lt;!here&gt;';
    await t.standIn.sendEvent(dmEvent(t, user, nasty));
    const reply = await t.standIn.waitForCall('chat.postMessage', (c) => c.args.channel === t.standIn.dmChannelFor(user) && String(c.args.text).includes('oops'));
    const text = String(reply.args.text);
    // eslint-disable-next-line no-control-regex
    expect(text).not.toMatch(/[\u0000-\u0008\u001b\u0085]/);
    expect(text).not.toMatch(/[\ud800-\udfff]/);
    // Learner text must not turn into a channel-wide mention.
    expect(text).toContain('@channel &lt;!here&gt;');
    expect(text).not.toMatch(/<!|<@/);
    expect(await inFlightAfter(t)).toBe(0);
  });
});

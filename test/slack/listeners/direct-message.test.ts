import type { EventLedger } from '../../../src/store/types';
import { slackFixture, type EventCallback } from '../../support/fixtures';
import { callsTo, FIXTURE_DM, FIXTURE_TEAM, FIXTURE_USER, textOf, useInProcessBot } from './listener-harness';

const dm = (text: string, over: Record<string, unknown> = {}, eventId = `Ev${Math.random().toString(36).slice(2, 10).toUpperCase()}`) => {
  const body = slackFixture<EventCallback & Record<string, unknown>>('message-im');
  return { ...body, event_id: eventId, event: { ...body.event, text, ...over } };
};

describe('direct messages, delivered through Bolt in process', () => {
  const bot = useInProcessBot();

  it("answers a learner's first DM in that DM, and stores the learner under their Slack name and DM channel", async () => {
    const { acked } = await bot().deliver(dm('hello'));
    expect(acked).toBe(true);
    const posts = callsTo(bot(), 'chat.postMessage', FIXTURE_DM);
    expect(posts.map(textOf)).toEqual(['Welcome to Dockhand!']);
    expect(JSON.stringify(posts[0]!.args.blocks)).toContain('tutor:lessons');
    expect(callsTo(bot(), 'users.info').map((c) => c.args.user)).toEqual([FIXTURE_USER]);
    expect(await bot().stores.learners.find(FIXTURE_TEAM, FIXTURE_USER)).toMatchObject({ displayName: 'steve' });
    expect(await bot().stores.tutor.dmChannelOf(FIXTURE_TEAM, FIXTURE_USER)).toBe(FIXTURE_DM);
  });

  it('handles a redelivered event (same event_id) once', async () => {
    await bot().deliver(dm('help', {}, 'Ev0SAME0001'));
    await bot().deliver(dm('help', {}, 'Ev0SAME0001'));
    expect(callsTo(bot(), 'chat.postMessage')).toHaveLength(1);
    expect(bot().logs.some((l) => l.msg === 'duplicate delivery ignored')).toBe(true);
  });

  it('ignores bot messages, edits and messages outside DMs, and logs a DM it cannot read', async () => {
    await bot().deliver(dm('from a bot', { bot_id: 'B0OTHER' }));
    await bot().deliver(dm('edited', { subtype: 'message_changed' }));
    await bot().deliver(dm('in a channel', { channel_type: 'channel', channel: 'C0GENERAL' }));
    const { acked } = await bot().deliver(slackFixture('message-im-missing-fields'));
    expect(acked).toBe(true);
    expect(bot().standIn.calls.filter((c) => c.method !== 'auth.test')).toEqual([]);
    expect(bot().logs.find((l) => l.msg === 'message event without user, channel or text ignored')).toMatchObject({ fields: expect.arrayContaining(['type', 'channel_type']) });
  });

  it("runs `$ command` in the learner's sandbox and posts the result in the DM", async () => {
    await bot().stores.learners.ensureLearner(FIXTURE_TEAM, FIXTURE_USER);
    bot().sandbox.onCommand('echo hi', { output: 'hi\n', exitCode: 0, durationMs: 12 });
    await bot().deliver(dm('$ echo hi'));
    const post = await bot().standIn.waitForCall('chat.postMessage', (c) => c.args.channel === FIXTURE_DM && /^\$ echo hi: exit 0/.test(textOf(c)), 5000);
    expect(JSON.stringify(post.args.blocks)).toContain('```hi```');
    expect(bot().sandbox.callsOf('run')).toEqual([expect.objectContaining({ learnerKey: `${FIXTURE_TEAM}:${FIXTURE_USER}`, command: 'echo hi' })]);
    // A quick command costs no chat.update.
    expect(callsTo(bot(), 'chat.update')).toEqual([]);
  });

  it('handles one learner\'s messages in arrival order', async () => {
    await bot().stores.learners.ensureLearner(FIXTURE_TEAM, FIXTURE_USER);
    await Promise.all([bot().deliver(dm('start basics')), bot().deliver(dm('hint')), bot().deliver(dm('skip'))]);
    expect(callsTo(bot(), 'chat.postMessage', FIXTURE_DM).map(textOf)).toEqual(['Container basics · step 1 of 2: Run one', 'Hint: first hint for run', 'Container basics · step 2 of 2: List them']);
  });
});

describe('direct messages when the event ledger is down', () => {
  const ledger: EventLedger = { claim: async () => Promise.reject(new Error('connection refused')), prune: async () => 0 };
  const bot = useInProcessBot({ ledger });

  it('drops the event (Slack will retry) and logs why', async () => {
    const { acked } = await bot().deliver(dm('help'));
    expect(acked).toBe(true);
    expect(callsTo(bot(), 'chat.postMessage')).toEqual([]);
    expect(bot().logs.some((l) => l.msg === 'could not record the event id (database unavailable?); event dropped')).toBe(true);
  });
});

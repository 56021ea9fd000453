import { MENTION_REPLY } from '../../../src/slack/listeners/mention';
import { slackFixture, type EventCallback } from '../../support/fixtures';
import { callsTo, useInProcessBot } from './listener-harness';

describe('mentions and other events, delivered through Bolt in process', () => {
  const bot = useInProcessBot();

  it('answers an @-mention in a thread under it, pointing to the DM', async () => {
    const mention = slackFixture<EventCallback & Record<string, unknown>>('app-mention');
    await bot().deliver(mention);
    expect(callsTo(bot(), 'chat.postMessage').map((c) => c.args)).toEqual([expect.objectContaining({ channel: mention.event.channel, thread_ts: mention.event.ts, text: MENTION_REPLY })]);
  });

  it('keeps a mention inside a thread in that thread', async () => {
    const mention = slackFixture<EventCallback & Record<string, unknown>>('app-mention');
    await bot().deliver({ ...mention, event: { ...mention.event, thread_ts: '1515449000.000001' } });
    expect(callsTo(bot(), 'chat.postMessage')[0]!.args.thread_ts).toBe('1515449000.000001');
  });

  it('acks an event it has no listener for, and does nothing', async () => {
    const { acked } = await bot().deliver(slackFixture('unknown-event'));
    expect(acked).toBe(true);
    expect(bot().standIn.calls).toEqual([]);
  });
});

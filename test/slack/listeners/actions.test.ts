import { slackFixture } from '../../support/fixtures';
import { ADMIN, buttonOf, callsTo, FIXTURE_DM, FIXTURE_TEAM, FIXTURE_USER, textOf, useInProcessBot } from './listener-harness';

type BlockActions = { actions: Record<string, unknown>[]; [k: string]: unknown };
const dmButton = (action_id: string, value: string) => {
  const body = slackFixture<BlockActions>('block-actions');
  return { ...body, actions: [{ ...body.actions[0], action_id, value }] };
};

describe('buttons, delivered through Bolt in process', () => {
  const bot = useInProcessBot();

  it('a Hint button on a step card in the DM is acked and answered in that DM', async () => {
    const { learner } = await bot().stores.learners.ensureLearner(FIXTURE_TEAM, FIXTURE_USER);
    await bot().stores.tutor.startLesson(learner.id, 'basics', 'run');
    const { acked } = await bot().deliver(dmButton('tutor:hint', 'basics:run'));
    expect(acked).toBe(true);
    expect(callsTo(bot(), 'chat.postMessage', FIXTURE_DM).map(textOf)).toEqual(['Hint: first hint for run']);
    expect(callsTo(bot(), 'conversations.open')).toEqual([]);
    expect((await bot().stores.tutor.summaries(learner.id))[0]!.hintsUsed).toBe(1);
  });

  it('a Start button on the App Home opens the DM, posts the first step card there and records the lesson', async () => {
    const { acked } = await bot().deliver(slackFixture('block-actions-home'));
    expect(acked).toBe(true);
    expect(callsTo(bot(), 'conversations.open').map((c) => c.args.users)).toEqual([FIXTURE_USER]);
    const dm = bot().standIn.dmChannelFor(FIXTURE_USER);
    const card = callsTo(bot(), 'chat.postMessage', dm);
    expect(card.map(textOf)).toEqual(['Container basics · step 1 of 2: Run one']);
    expect(JSON.stringify(card[0]!.args.blocks)).toContain('"value":"basics:run"');
    const learner = (await bot().stores.learners.find(FIXTURE_TEAM, FIXTURE_USER))!;
    expect(await bot().stores.tutor.activeLesson(learner.id)).toMatchObject({ lessonId: 'basics', stepId: 'run' });
    expect(await bot().stores.tutor.dmChannelOf(FIXTURE_TEAM, FIXTURE_USER)).toBe(dm);
  });

  it('Accept on a challenge card starts the race in the learner\'s DM, with a fresh sandbox', async () => {
    const channel = 'C0RACE001';
    await bot().deliver({ ...slackFixture('slash-command'), team_id: FIXTURE_TEAM, user_id: ADMIN, channel_id: channel, text: 'challenge start nginx-race 10m', response_url: bot().responseUrl() });
    const card = callsTo(bot(), 'chat.postMessage', channel).find((c) => /Challenge: NGINX race/.test(textOf(c)))!;
    const accept = buttonOf(card, 'challenge:accept:');
    const click = slackFixture<BlockActions>('block-actions');
    await bot().deliver({ ...click, channel: { id: channel, name: 'race' }, container: { type: 'message', message_ts: card.response.ts, channel_id: channel }, actions: [{ ...click.actions[0], action_id: accept.action_id, value: accept.value }] });
    const dm = bot().standIn.dmChannelFor(FIXTURE_USER);
    expect(callsTo(bot(), 'chat.postMessage', dm).map(textOf)).toEqual(['You joined the NGINX race challenge!', 'NGINX race · step 1 of 1: Serve']);
    expect(bot().sandbox.callsOf('reset')).toEqual([{ op: 'reset', learnerKey: `${FIXTURE_TEAM}:${FIXTURE_USER}` }]);
    // The step card of a race has no Solution button.
    expect(JSON.stringify(callsTo(bot(), 'chat.postMessage', dm)[1]!.args.blocks)).not.toContain('tutor:solution');
    // A second click is refused politely, only to the clicker.
    await bot().deliver({ ...click, channel: { id: channel, name: 'race' }, actions: [{ ...click.actions[0], action_id: accept.action_id, value: accept.value }] });
    expect(callsTo(bot(), 'chat.postEphemeral', channel).map((c) => [c.args.user, textOf(c)])).toEqual([[FIXTURE_USER, expect.stringMatching(/already in this challenge/)]]);
  });
});

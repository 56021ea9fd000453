import { slackFixture, type EventCallback } from '../../support/fixtures';
import { callsTo, FIXTURE_TEAM, FIXTURE_USER, useInProcessBot } from './listener-harness';

describe('the App Home, delivered through Bolt in process', () => {
  const bot = useInProcessBot();
  const opened = (tab: string, eventId: string) => {
    const body = slackFixture<EventCallback & Record<string, unknown>>('app-home-opened');
    return { ...body, event_id: eventId, event: { ...body.event, tab } };
  };

  it('publishes the learner\'s home when the Home tab opens, and nothing for the Messages tab', async () => {
    await bot().deliver(opened('messages', 'Ev0HOME0002'));
    expect(callsTo(bot(), 'views.publish')).toEqual([]);
    await bot().deliver(opened('home', 'Ev0HOME0003'));
    const [publish] = callsTo(bot(), 'views.publish');
    expect(publish!.args.user_id).toBe(FIXTURE_USER);
    const view = JSON.stringify(publish!.args.view);
    expect(view).toContain('tutor:start:basics');
    expect(view).toContain('tutor:start:nginx-race');
    expect(view).not.toContain('current');
  });

  it('keeps its throttle: opening the tab in a loop publishes at once, then once more after the interval', async () => {
    for (let i = 0; i < 8; i++) await bot().deliver(opened('home', `Ev0HOMELOOP${i}`));
    expect(callsTo(bot(), 'views.publish')).toHaveLength(1);
    // The opens inside the interval are folded into one publish when it ends (HomePublisher's 5 s).
    await bot().standIn.waitForCall('views.publish', () => callsTo(bot(), 'views.publish').length === 2, 15_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(callsTo(bot(), 'views.publish')).toHaveLength(2);
  }, 30_000);

  it('shows the current lesson once the learner has started one', async () => {
    const { learner } = await bot().stores.learners.ensureLearner(FIXTURE_TEAM, FIXTURE_USER);
    await bot().stores.tutor.startLesson(learner.id, 'basics', 'run');
    await bot().deliver(opened('home', 'Ev0HOME0004'));
    expect(JSON.stringify(callsTo(bot(), 'views.publish')[0]!.args.view)).toContain(':arrow_forward: current · 0/2 steps · at “Run one”');
  });

  it('republishes the home after the learner makes progress', async () => {
    await bot().stores.learners.ensureLearner(FIXTURE_TEAM, FIXTURE_USER);
    const body = slackFixture<EventCallback & Record<string, unknown>>('message-im');
    await bot().deliver({ ...body, event: { ...body.event, text: 'start basics' } });
    const publish = await bot().standIn.waitForCall('views.publish', (c) => c.args.user_id === FIXTURE_USER, 5000);
    expect(JSON.stringify(publish.args.view)).toContain(':arrow_forward: current');
  });
});

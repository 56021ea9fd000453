import pino from 'pino';
import { HomePublisher } from '../../src/slack/home-publisher';
import { learnerKeyOf, TutorEvents } from '../../src/tutor';

/** A publisher on fakes with a virtual clock: what it publishes after progress, and when. */
function setup(busy: { now: boolean }) {
  const published: string[] = [];
  const events = new TutorEvents();
  const homes = new HomePublisher({
    client: { views: { publish: async (args: { user_id: string }) => void published.push(args.user_id) } } as never,
    tutor: { home: async () => ({ lessons: [], summaries: [], activeLessonId: null, activeStepId: null }) },
    events,
    log: pino({ level: 'silent' }),
    now: () => Date.now(),
    busy: () => busy.now,
    maxDeferMs: 10_000,
  });
  const progress = (userId: string) => events.emit('progress', { key: learnerKeyOf({ teamId: 'T1', userId }), teamId: 'T1', userId });
  return { homes, published, progress };
}

describe('HomePublisher after progress', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('waits while learners are being answered, then publishes each learner once', async () => {
    const busy = { now: true };
    const { homes, published, progress } = setup(busy);
    progress('U1');
    progress('U2');
    progress('U1');
    await jest.advanceTimersByTimeAsync(3000);
    expect(published).toEqual([]);
    busy.now = false;
    await jest.advanceTimersByTimeAsync(600);
    expect(published.sort()).toEqual(['U1', 'U2']);
    homes.stop();
  });

  it('publishes at once when the bot is idle, and after the longest deferral when it never is', async () => {
    const idle = setup({ now: false });
    idle.progress('U1');
    await jest.advanceTimersByTimeAsync(250);
    expect(idle.published).toEqual(['U1']);
    idle.homes.stop();

    const alwaysBusy = setup({ now: true });
    alwaysBusy.progress('U2');
    await jest.advanceTimersByTimeAsync(9_000);
    expect(alwaysBusy.published).toEqual([]);
    await jest.advanceTimersByTimeAsync(1_800);
    expect(alwaysBusy.published).toEqual(['U2']);
    alwaysBusy.homes.stop();
  });
});

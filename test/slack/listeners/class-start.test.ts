import { slackFixture } from '../../support/fixtures';
import { ADMIN, callsTo, FIXTURE_DM, FIXTURE_TEAM, FIXTURE_USER, textOf, useInProcessBot } from './listener-harness';

const KEY = `${FIXTURE_TEAM}:${FIXTURE_USER}`;

describe('class start through Slack: sandboxes start before the first command', () => {
  const bot = useInProcessBot();
  const dm = (typed: string) => ({
    ...slackFixture<Record<string, unknown>>('message-im'),
    event_id: `Ev${Math.random().toString(36).slice(2, 12).toUpperCase()}`,
    event: { ...bot().standIn.directMessageEvent(FIXTURE_USER, typed, { channel: FIXTURE_DM }), team: FIXTURE_TEAM },
  });
  const slash = (user: string, text: string) => ({ ...slackFixture('slash-command'), team_id: FIXTURE_TEAM, user_id: user, text, response_url: bot().responseUrl() });

  it("a learner's first DM prepares their sandbox, without waiting for it before answering", async () => {
    let release!: () => void;
    bot().sandbox.prepare = async (learnerKey) => {
      bot().sandbox.calls.push({ op: 'prepare', learnerKey });
      await new Promise<void>((r) => (release = r));
    };
    await bot().deliver(dm('hello'));
    // The welcome went out while the sandbox was still starting.
    expect(callsTo(bot(), 'chat.postMessage', FIXTURE_DM).map(textOf)).toEqual(['Welcome to Dockhand!']);
    expect(bot().sandbox.callsOf('prepare')).toEqual([{ op: 'prepare', learnerKey: KEY }]);
    release();
    // Later messages of a known learner do not prepare again.
    await bot().deliver(dm('help'));
    expect(bot().sandbox.callsOf('prepare')).toHaveLength(1);
  });

  it('opening a lesson (typed, by button or by /tutor start) prepares the sandbox before the first command', async () => {
    await bot().stores.learners.ensureLearner(FIXTURE_TEAM, FIXTURE_USER);
    await bot().deliver(dm('start basics'));
    expect(bot().sandbox.callsOf('prepare')).toEqual([{ op: 'prepare', learnerKey: KEY }]);
    expect(bot().sandbox.callsOf('run')).toEqual([]);
    await bot().deliver(slash(FIXTURE_USER, 'start images'));
    expect(bot().sandbox.callsOf('prepare')).toHaveLength(2);
  });

  it('a failed prepare is only logged: the lesson opens, the first command tries again', async () => {
    await bot().stores.learners.ensureLearner(FIXTURE_TEAM, FIXTURE_USER);
    bot().sandbox.prepare = async () => Promise.reject(new Error('no capacity'));
    await bot().deliver(dm('start basics'));
    expect(callsTo(bot(), 'chat.postMessage', FIXTURE_DM).map(textOf)).toEqual(['Container basics · step 1 of 2: Run one']);
    await new Promise((r) => setImmediate(r));
    expect(bot().logs.some((l) => l.msg === 'preparing the sandbox ahead of time failed')).toBe(true);
  });

  it('`/tutor class prepare 30` pre-warms 30 sandboxes for an admin, and refuses others', async () => {
    await bot().deliver(slash(ADMIN, 'class prepare 30'));
    await bot().deliver(slash(FIXTURE_USER, 'class prepare 30'));
    await bot().deliver(slash(ADMIN, 'class prepare lots'));
    const replies = bot().standIn.calls.filter((c) => c.method === 'response_url').map((c) => String(c.args.text));
    expect(replies).toEqual([
      expect.stringMatching(/^Preparing 30 sandboxes for your class\. They stay ready for 30 minutes/),
      'Only admins (`ADMIN_USER_IDS`) can prepare sandboxes for a class.',
      expect.stringMatching(/^Give the number of learners, from 1 to 500/),
    ]);
    expect(bot().sandbox.callsOf('prewarm')).toEqual([{ op: 'prewarm', count: 30, forMinutes: 30 }]);
  });
});

import { makeLesson } from '../../support/fakes/lessons';
import { slackFixture } from '../../support/fixtures';
import { callsTo, FIXTURE_DM, FIXTURE_TEAM, FIXTURE_USER, textOf, useInProcessBot } from './listener-harness';

describe('quieter checks through Slack', () => {
  const bot = useInProcessBot({ lessons: [makeLesson('build', { title: 'Build it', steps: [{ id: 'img', title: 'Build an image', autoCheck: true }, { id: 'tag', title: 'Tag it' }] })] });
  const dm = (typed: string) => ({
    ...slackFixture<Record<string, unknown>>('message-im'),
    event_id: `Ev${Math.random().toString(36).slice(2, 12).toUpperCase()}`,
    event: { ...bot().standIn.directMessageEvent(FIXTURE_USER, typed, { channel: FIXTURE_DM }), team: FIXTURE_TEAM },
  });
  const posts = () => callsTo(bot(), 'chat.postMessage', FIXTURE_DM).map(textOf);
  const settle = async (cond: () => boolean) => {
    for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
    expect(cond()).toBe(true);
  };

  beforeEach(async () => {
    await bot().stores.learners.ensureLearner(FIXTURE_TEAM, FIXTURE_USER);
    await bot().deliver(dm('start build'));
  });

  it('a command that does not finish the step gets its output and nothing else; `check` still answers', async () => {
    bot().sandbox.failCheck('check-img', 'FAIL: no image called app yet');
    await bot().deliver(dm('$ docker images'));
    await settle(() => bot().sandbox.callsOf('checkScript').length === 1);
    await bot().deliver(dm('help'));
    expect(posts()).toEqual(['Build it · step 1 of 2: Build an image', expect.stringMatching(/^\$ docker images: exit 0/), 'Here is what I can do.']);
    await bot().deliver(dm('check'));
    expect(posts().at(-1)).toBe('Not done yet: no image called app yet');
  });

  it('a command that finishes the step: its output first, then the verdict, then the next step card', async () => {
    bot().sandbox.onCommand('docker build', { output: 'Successfully tagged app:latest\n', durationMs: 40 });
    bot().sandbox.passCheck('check-img', 'PASS: image app built');
    await bot().deliver(dm('$ docker build -t app .'));
    await settle(() => posts().length === 4);
    expect(posts()).toEqual(['Build it · step 1 of 2: Build an image', expect.stringMatching(/^\$ docker build -t app \.: exit 0/), ':white_check_mark: image app built', 'Build it · step 2 of 2: Tag it']);
  });
});

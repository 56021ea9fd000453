import { LearnerDriver } from '../support/learner-driver';
import { startTestBot, uniqueId, type TestBot } from '../support/start-test-bot';

/** Opening a lesson starts the learner's real sandbox while they read; the first command finds it ready. */
describe('class start with real sandboxes', () => {
  let t: TestBot;
  beforeAll(async () => {
    t = await startTestBot({ standIn: { users: {} } });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('starts the sandbox when the learner opens a lesson, before any command, and the first command uses it', async () => {
    const learner = new LearnerDriver(t, uniqueId('U'));
    const key = `${t.teamId}:${learner.user}`;
    await learner.say('help');
    const since = learner.mark;
    await learner.say('start 1');
    await learner.waitForPost(/step 1 of/, since);
    const deadline = Date.now() + 60_000;
    while (!t.bot.sandboxes.containerIdOf(key) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const prepared = t.bot.sandboxes.containerIdOf(key);
    expect(prepared).toBeDefined();
    expect(await t.bot.db.prisma.commandRun.count({ where: { learner: { userId: learner.user } } })).toBe(0);
    const { final } = await learner.run('echo ready');
    expect(String(final.args.text)).toMatch(/: exit 0/);
    expect(t.bot.sandboxes.containerIdOf(key)).toBe(prepared);
  });
});

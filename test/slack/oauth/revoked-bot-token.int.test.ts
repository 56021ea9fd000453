import { startTestBot, uniqueId, type TestBot } from '../../support/start-test-bot';

jest.setTimeout(180_000);

/**
 * Single-workspace mode (SLACK_BOT_TOKEN), the real bot against the stand-in: the token is revoked at
 * Slack's end without any event. The operator gets one clear error line saying what to do, however many
 * calls fail, and the bot keeps running.
 */
describe('a revoked SLACK_BOT_TOKEN', () => {
  let t: TestBot;
  beforeAll(async () => {
    t = await startTestBot();
  });
  afterAll(() => t?.stop());

  it('logs one error line naming the fix, once, and keeps handling events', async () => {
    const { standIn, logs, bot } = t;
    const user = uniqueId('U');
    await standIn.sendDirectMessage(user, 'help');
    await standIn.waitForCall('chat.postMessage', (c) => c.response.ok === true, 30_000);
    const before = logs.length;

    standIn.workspaces.revoke(standIn.teamId);
    for (const text of ['help', 'lessons', 'help']) {
      const since = standIn.calls.length;
      await standIn.sendDirectMessage(user, text);
      // Each message is still handled (the bot tries to answer), and Slack refuses the token each time.
      const refused = () => standIn.calls.slice(since).some((c) => c.method === 'chat.postMessage' && c.response.error === 'token_revoked');
      const deadline = Date.now() + 30_000;
      while (!refused()) {
        if (Date.now() > deadline) throw new Error(`the bot did not try to answer "${text}" within 30 s`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    const toldNow = () => logs.slice(before).filter((l) => /SLACK_BOT_TOKEN/.test(l.msg));
    // Every handled message has finished (and its refused answers were read) before counting.
    const deadline = Date.now() + 10_000;
    while (bot.inFlight.size > 0 || toldNow().length === 0) {
      if (Date.now() > deadline) throw new Error('the bot neither finished its work nor reported the revoked token within 10 s');
      await new Promise((r) => setTimeout(r, 100));
    }
    const told = toldNow();
    expect(told).toHaveLength(1);
    expect(told[0]!.level).toBe(50);
    expect(told[0]!.msg).toMatch(/token_revoked.*reinstall the app.*SLACK_BOT_TOKEN.*restart/);
    // Not one error per failed call: the listeners' failures from the dead token are not errors of their own.
    expect(logs.slice(before).filter((l) => l.level >= 50)).toEqual(told);
    expect(JSON.stringify(logs)).not.toContain(standIn.botToken);
    // Nothing was removed: single-workspace mode has no installation to drop.
    expect(await bot.db.prisma.learner.count({ where: { teamId: standIn.teamId, userId: user } })).toBe(1);
  });
});

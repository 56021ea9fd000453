import { LearnerDriver } from '../support/learner-driver';
import { startTestBot, uniqueId } from '../support/start-test-bot';

jest.setTimeout(240_000);

describe('a bot restart in the middle of a lesson', () => {
  it('resumes at the same step, keeps the sandbox and tells the learner their running command was interrupted', async () => {
    const instance = uniqueId('restart-').toLowerCase();
    const env = { SANDBOX_INSTANCE: instance, SHUTDOWN_DEADLINE_MS: '1000' };
    const first = await startTestBot({ env, keepSandboxes: true });
    const standIn = first.standIn;
    let second: Awaited<ReturnType<typeof startTestBot>> | undefined;
    try {
      const l = new LearnerDriver(first, uniqueId('U'));
      let since = l.mark;
      await l.say('start running-containers');
      await l.waitForPost(/step 1 of 10/, since);
      since = l.mark;
      await l.run('docker run hello-world');
      await l.waitForPost(/step 2 of 10/, since, 60000);
      await l.run('echo kept > marker.txt');
      since = l.mark;
      await l.say('$ sleep 300');
      await l.waitForPost(/\(running\)$/, since);
      await first.stop();

      second = await startTestBot({ env, reuse: standIn });
      const l2 = new LearnerDriver(second, l.user);
      const told = await l2.waitForPost(/restarted while `sleep 300` was running/, since, 30000);
      expect(String(told.args.text)).toMatch(/progress are kept/);
      since = l2.mark;
      await l2.say('start');
      const card = await l2.waitForPost(/step 2 of 10/, since);
      expect(LearnerDriver.blocksText(card)).toContain('Welcome back');
      const { final } = await l2.run('cat marker.txt');
      expect(LearnerDriver.blocksText(final)).toContain('kept');
    } finally {
      await second?.stop();
      await standIn.stop();
    }
  });
});

import Docker from 'dockerode';
import type { EngineWatch } from '../../src/sandbox/lifecycle/engine-watch';
import { LearnerDriver } from '../support/learner-driver';
import { startTestBot, uniqueId, type TestBot } from '../support/start-test-bot';

jest.setTimeout(240_000);
const docker = new Docker();

/**
 * An engine restart, simulated by its effect as the bot sees it (the shared test engine cannot be restarted):
 * the event stream drops, the learner's sandbox container is killed meanwhile (no die event reaches the bot),
 * and the stream comes back. The learner is told plainly what was lost; the bystander's sandbox is untouched.
 */
describe('a Docker engine restart under a running bot', () => {
  it("tells the learner their sandbox and its files were lost (progress kept), gives them a fresh one, and leaves the bystander's alone", async () => {
    const t = await startTestBot();
    try {
      const a = new LearnerDriver(t, uniqueId('U'));
      const b = new LearnerDriver(t, uniqueId('U'));
      await a.run('echo mine > ~/f');
      await b.run('echo theirs > ~/f');
      const t0 = Date.now();
      await b.run('cat ~/f');
      const bystanderBefore = Date.now() - t0;
      const key = (l: LearnerDriver) => `${t.teamId}:${l.user}`;
      const aId = t.bot.sandboxes.containerIdOf(key(a))!;
      const bId = t.bot.sandboxes.containerIdOf(key(b))!;

      // the engine goes away: the bot's event stream ends, and A's container dies without a word to the bot
      const watch = (t.bot.sandboxes as unknown as { events: EngineWatch }).events;
      const held = watch.interrupt();
      const since = a.mark;
      await docker.getContainer(aId).kill();
      expect((await docker.getContainer(aId).inspect()).State.Running).toBe(false);
      held.resume();

      const told = await a.waitForPost(/lost when the Docker engine restarted/, since, 60_000);
      expect(String(told.args.text)).toBe('Your sandbox was lost when the Docker engine restarted; your progress is kept, files in it are gone. Your next command gets a fresh one.');
      const { final } = await a.run('cat ~/f 2>&1; echo fresh');
      expect(LearnerDriver.blocksText(final)).toMatch(/No such file or directory[\s\S]*fresh/);
      expect(t.bot.sandboxes.containerIdOf(key(a))).not.toBe(aId);
      await expect(docker.getContainer(aId).inspect()).rejects.toMatchObject({ statusCode: 404 });

      // the bystander was never touched: same container, same file, commands answer
      expect(t.bot.sandboxes.containerIdOf(key(b))).toBe(bId);
      const t1 = Date.now();
      const mine = await b.run('cat ~/f');
      const bystanderAfter = Date.now() - t1;
      expect(LearnerDriver.blocksText(mine.final)).toContain('theirs');
      const toB = t.standIn.calls.filter((c) => c.method === 'chat.postMessage' && c.args.channel === b.channel);
      expect(toB.some((c) => /lost when the Docker engine|stopped unexpectedly/.test(String(c.args.text)))).toBe(false);
      process.stderr.write(`[engine-restart] bystander command: ${bystanderBefore} ms before, ${bystanderAfter} ms after\n`);
    } finally {
      await t.stop();
    }
  });

  it('an engine restart while the bot was down too: at start the learner is told their sandbox stopped while Dockhand was away; the bystander is adopted', async () => {
    const env = { SANDBOX_INSTANCE: uniqueId('engine-away-').toLowerCase(), SHUTDOWN_DEADLINE_MS: '1000' };
    const first = await startTestBot({ env, keepSandboxes: true });
    const standIn = first.standIn;
    let second: TestBot | undefined;
    try {
      const a = new LearnerDriver(first, uniqueId('U'));
      const b = new LearnerDriver(first, uniqueId('U'));
      await a.run('echo mine > ~/f');
      await b.run('echo theirs > ~/f');
      const key = (l: LearnerDriver) => `${first.teamId}:${l.user}`;
      const aId = first.bot.sandboxes.containerIdOf(key(a))!;
      const bId = first.bot.sandboxes.containerIdOf(key(b))!;
      await first.stop();
      // what the engine's restart leaves: A's container stopped (the shared engine cannot be restarted here)
      await docker.getContainer(aId).stop({ t: 0 });
      const since = standIn.calls.length;

      second = await startTestBot({ env, reuse: standIn, keepSandboxes: true });
      const a2 = new LearnerDriver(second, a.user);
      const told = await a2.waitForPost(/stopped while Dockhand was away/, since, 60_000);
      expect(String(told.args.text)).toMatch(/your progress is kept, files in it are gone\. Your next command gets a fresh one\.$/);
      await expect(docker.getContainer(aId).inspect()).rejects.toMatchObject({ statusCode: 404 });
      expect(second.bot.sandboxes.containerIdOf(key(b))).toBe(bId);
      const { final } = await new LearnerDriver(second, b.user).run('cat ~/f');
      expect(LearnerDriver.blocksText(final)).toContain('theirs');
      const toB = standIn.calls.filter((c) => c.method === 'chat.postMessage' && c.args.channel === b.channel && standIn.calls.indexOf(c) >= since);
      expect(toB.some((c) => /stopped while Dockhand was away|lost when the Docker engine/.test(String(c.args.text)))).toBe(false);
    } finally {
      await second?.stop();
      await second?.bot.sandboxes.destroyAll();
      await standIn.stop();
    }
  });
});

import { LearnerDriver } from '../../support/learner-driver';
import { startTestBot, uniqueId, type TestBot } from '../../support/start-test-bot';

// A failed pull in a learner's sandbox, end to end: real Bolt app, Slack stand-in, real sandboxes (egress blocked,
// the bot's default), the real mirror. The learner sees one plain line with the command's result.
jest.setTimeout(300_000);

let t: TestBot;
beforeAll(async () => {
  t = await startTestBot();
});
afterAll(async () => {
  await t?.stop();
});

/** Runs a command and returns the final message's text (blocks included) and its exit line. */
async function run(l: LearnerDriver, command: string): Promise<{ shown: string; status: string }> {
  const { final } = await l.run(command);
  return { shown: LearnerDriver.blocksText(final), status: String(final.args.text) };
}

describe('a failed image pull, through Slack', () => {
  it('each failed pull gets its one line and the sandbox keeps working; another learner is untouched', async () => {
    const a = new LearnerDriver(t, uniqueId('U'));
    const b = new LearnerDriver(t, uniqueId('U'));

    const learnerA = (async () => {
      const missing = await run(a, 'docker pull nosuchimage');
      expect(missing.status).toMatch(/exit 1/);
      expect(missing.shown).toMatch(/`nosuchimage` is not on this host's image mirror, and sandboxes here have no internet to fetch it\. Images available offline: [^"]*hello-world[^"]*nginx \(latest, alpine\)/);

      const user = await run(a, 'docker pull someuser/private-thing');
      expect(user.shown).toMatch(/`someuser\/private-thing` is not on this host's image mirror.*Images available offline: /);

      const tag = await run(a, 'docker pull nginx:no-such-tag');
      expect(tag.shown).toMatch(/`nginx:no-such-tag` is not on this host's image mirror, and sandboxes here have no internet to fetch it\. Tags of it here: latest, alpine\./);

      // The sandbox is still usable: the next command (a pull from the mirror and a run) works.
      const next = await run(a, 'docker run --rm hello-world');
      expect(next.status).toMatch(/exit 0/);
      expect(next.shown).toContain('Hello from Docker');
      expect(next.shown).not.toMatch(/image mirror|available offline/);
    })();

    const learnerB = (async () => {
      for (const command of ['docker run --rm busybox echo from-b', 'echo error: not found in my own output', 'docker images --format "{{.Repository}}"']) {
        const r = await run(b, command);
        expect(r.status).toMatch(/exit 0/);
        expect(r.shown).not.toMatch(/image mirror|available offline/);
      }
    })();

    await Promise.all([learnerA, learnerB]);
  });
});

describe('the image mirror not answering', () => {
  let down: TestBot;
  beforeAll(async () => {
    // An operator mirror on a loopback port inside each sandbox where nothing listens: the mirror is "down" for
    // this bot's sandboxes only, and no shared mirror or outside address is touched.
    down = await startTestBot({ env: { SANDBOX_REGISTRY_MIRROR: 'http://127.0.0.1:5999' } });
  });
  afterAll(async () => {
    await down?.stop();
  });

  it('a pull of an offline image says the mirror did not answer, and the sandbox keeps working', async () => {
    const l = new LearnerDriver(down, uniqueId('U'));
    const pull = await run(l, 'docker pull hello-world');
    expect(pull.status).toMatch(/exit 1/);
    expect(pull.shown).toMatch(/`hello-world` is one of the offline images, but the image mirror did not answer: try again in a minute/);
    const next = await run(l, 'echo still-here');
    expect(next.status).toMatch(/exit 0/);
    expect(next.shown).toContain('still-here');
  });
});

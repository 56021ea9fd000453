import { decodeSlackText } from '../../src/slack/slack-text';
import { LearnerDriver } from '../support/learner-driver';
import { startTestBot, uniqueId, type TestBot } from '../support/start-test-bot';

/**
 * Issue 10, parts 4 and 5 end to end: two learners DM the real bot through the Slack stand-in. A fills the
 * sandbox's disk past its cap and starts a fork bomb; A is told so in plain words and A's sandbox keeps working,
 * while B's commands keep answering.
 */
const say = (c: { args: { text?: unknown; blocks?: unknown } }) => decodeSlackText(`${String(c.args.text)}\n${LearnerDriver.blocksText(c as never)}`);

describe('start-up probe of the sandbox profile', () => {
  it('a profile this engine cannot run stops start-up with one line naming the reason and the profile that works', async () => {
    const err = await startTestBot({ standIn: { users: {} }, env: { SANDBOX_PROFILE: 'sysbox' } }).then(
      async (t) => {
        await t.stop();
        return undefined;
      },
      (e: Error) => e,
    );
    expect(err).toBeDefined();
    expect(err!.message).not.toContain('\n');
    expect(err!.message).toMatch(/^SANDBOX_PROFILE=sysbox needs the sysbox-runc runtime, which this engine does not have: use SANDBOX_PROFILE=(userns|test-host-cgroup)/);
  }, 120_000);
});

describe('two learners in Slack: the disk cap and the process limit are the attacker\'s problem only', () => {
  let t: TestBot;
  let a: LearnerDriver;
  let b: LearnerDriver;
  beforeAll(async () => {
    t = await startTestBot({ standIn: { users: {} }, env: { SANDBOX_DISK_MB: '300', SANDBOX_PIDS_LIMIT: '256', COMMAND_TIMEOUT_SECONDS: '30', COMMANDS_PER_MINUTE: '600' } });
    a = new LearnerDriver(t, uniqueId('U'));
    b = new LearnerDriver(t, uniqueId('U'));
    await Promise.all([a.run('true'), b.run('true')]);
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('dd past the cap: "your sandbox\'s disk is full (300 MiB)"; B is unaffected; A frees space and goes on', async () => {
    const [dd, other] = await Promise.all([a.run('dd if=/dev/zero of=/root/big bs=1M count=400 status=none'), b.run('echo bystander-ok')]);
    expect(say(dd.final)).toContain("Your sandbox's disk is full (300 MiB): `reset` or remove images");
    await a.waitForPost(/disk is full \(300 MiB\)/, dd.since);
    expect(say(other.final)).toContain('bystander-ok');
    const freed = await a.run('rm /root/big && echo freed');
    expect(say(freed.final)).toMatch(/: exit 0/);
    expect(say(freed.final)).toContain('freed');
  }, 180_000);

  it('a fork bomb: "your command started too many processes (limit 256)", the sandbox stays and keeps its files', async () => {
    await a.run('echo precious > /root/keep.txt');
    const [bomb, other] = await Promise.all([a.run('bomb(){ bomb | bomb & }; bomb; sleep 2'), b.run('echo bystander-ok')]);
    expect(say(bomb.final)).toContain('Your command started too many processes (limit 256)');
    expect(say(bomb.final)).not.toMatch(/stopped unexpectedly|fresh sandbox/);
    expect(say(other.final)).toContain('bystander-ok');
    const after = await a.run('cat /root/keep.txt');
    expect(say(after.final)).toMatch(/: exit 0/);
    expect(say(after.final)).not.toContain('No such file');
    expect(say(after.final)).toContain('precious');
  }, 180_000);
});

import { decodeSlackText } from '../../src/slack/render/slack-text';
import { LearnerDriver } from '../support/learner-driver';
import { startTestBot, uniqueId, type TestBot } from '../support/start-test-bot';

/**
 * Two learners DM the real bot through the Slack stand-in. A leaves a `setsid` writer flooding the terminal
 * (it left the shell's session, so the shell's own reaping misses it): it is ended when A's command returns and
 * A is told once; A's next command shows only its own output; B's commands keep answering throughout.
 */
const say = (c: { args: { text?: unknown; blocks?: unknown } }) => decodeSlackText(`${String(c.args.text)}\n${LearnerDriver.blocksText(c as never)}`);
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;

describe('two learners in Slack: a setsid writer flooding the terminal', () => {
  let t: TestBot;
  let a: LearnerDriver;
  let b: LearnerDriver;
  beforeAll(async () => {
    t = await startTestBot({ standIn: { users: {} }, env: { COMMAND_TIMEOUT_SECONDS: '30', COMMANDS_PER_MINUTE: '600' } });
    a = new LearnerDriver(t, uniqueId('U'));
    b = new LearnerDriver(t, uniqueId('U'));
    await Promise.all([a.run('true'), b.run('true')]);
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('is ended after A\'s command, A is told once, A\'s next output has no flood, and B keeps working', async () => {
    const timeB = async () => {
      const t0 = Date.now();
      const r = await b.run('echo bystander-ok');
      expect(say(r.final)).toContain('bystander-ok');
      return Date.now() - t0;
    };
    const idle: number[] = [];
    for (let i = 0; i < 5; i++) idle.push(await timeB());

    let attacking = true;
    const attack = a.run("setsid sh -c 'while :; do echo flood; done' & sleep 5; echo left").finally(() => (attacking = false));
    const during: number[] = [];
    while (attacking || during.length < 5) during.push(await timeB());
    const left = say((await attack).final);
    expect(left.match(/left running by this command (was|were) ended/gi)).toHaveLength(1);

    const ps = say((await a.run('echo "writers=$(ps -eo args | grep -c "^sh -c while")"')).final);
    expect(ps).toContain('writers=0');
    const next = say((await a.run('echo a-clean')).final);
    expect(next).toContain('a-clean');
    expect(next).not.toContain('flood');
    expect(next).not.toMatch(/left running by this command/);
    console.log(`bystander B: idle median ${median(idle)} ms (n=${idle.length}); during A's flood median ${median(during)} ms, max ${Math.max(...during)} ms (n=${during.length})`);
  }, 240_000);
});

import { KEY_BYTES_LOOP, KEY_COUNT_LOOP } from '../../../bench/attacks/kernel-attacks';
import { decodeSlackText } from '../../../src/slack/render/slack-text';
import { LearnerDriver } from '../../support/learner-driver';
import { startTestBot, uniqueId, type TestBot } from '../../support/start-test-bot';

/**
 * The key-quota attack through Slack: learner A runs add_key loops meant to fill the kernel key quota every
 * sandbox shares (one host uid under --userns-remap): one-byte keys up to the count quota, 30 kB keys up to the
 * byte quota. The seccomp profile refuses the first call, A is told so by the loop itself, and learner B's
 * `docker run --rm hello-world` and step check keep working. B's latencies are printed, not asserted.
 */
jest.setTimeout(600_000);

// the message's text (status line) and its blocks (the command's output)
const say = (c: { args: { text?: unknown; blocks?: unknown } }) => decodeSlackText(`${String(c.args.text)}\n${JSON.stringify(c.args.blocks ?? '').replace(/\\n/g, '\n')}`);
let t: TestBot;
const report: string[] = [];

beforeAll(async () => {
  t = await startTestBot({ standIn: { users: {} }, env: { COMMANDS_PER_MINUTE: '600' } });
});
afterAll(async () => {
  if (report.length) console.log(`bystander latency (key-quota attack):\n${report.join('\n')}`);
  await t?.stop();
});

async function timed<T>(f: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await f();
  return { ms: Math.round(performance.now() - t0), value };
}

async function helloWorld(b: LearnerDriver, command = 'docker run --rm hello-world'): Promise<number> {
  const { ms, value } = await timed(() => b.run(command, 180_000));
  expect(say(value.final)).toMatch(/: exit 0/);
  expect(say(value.final)).toContain('Hello from Docker!');
  return ms;
}

async function check(b: LearnerDriver): Promise<{ ms: number; text: string }> {
  const mark = b.mark;
  const { ms, value } = await timed(async () => {
    await b.say('check');
    return b.waitForPost(/^(Not done yet|:white_check_mark:)/, mark, 120_000);
  });
  return { ms, text: String(value.args.text) };
}

describe('two learners in Slack: A cannot fill the shared kernel key quota', () => {
  it("A's add_key loops are refused at the first key; B's hello-world and check keep working", async () => {
    const a = new LearnerDriver(t, uniqueId('U'));
    const b = new LearnerDriver(t, uniqueId('U'));
    const mark = b.mark;
    await b.say('start running-containers');
    await b.waitForPost(/step 1 of/, mark, 180_000);
    expect(say((await a.run('echo ready', 180_000)).final)).toContain('ready');

    // idle: the first run pulls hello-world, the second is the idle figure
    await helloWorld(b);
    const idle = await helloWorld(b);

    const [count, during] = await Promise.all([a.run(KEY_COUNT_LOOP, 180_000), helloWorld(b)]);
    expect(say(count.final)).toContain('add_key refused after 0 keys: Function not implemented');
    expect(say(count.final)).toMatch(/: exit 1/);
    const [bytes, during2] = await Promise.all([a.run(KEY_BYTES_LOOP, 180_000), helloWorld(b)]);
    expect(say(bytes.final)).toContain('add_key refused after 0 keys: Function not implemented');

    // after both loops, nested containers still start for both learners; without --rm, for the step's check
    const stepMark = b.mark;
    const after = await helloWorld(b, 'docker run hello-world');
    // the step's check runs after the command by itself: step 1 passes
    await b.waitForPost(/hello-world ran/, stepMark, 120_000);
    expect(say((await a.run('docker run --rm hello-world', 180_000)).final)).toContain('Hello from Docker!');
    const verdict = await check(b);
    // and `check` on step 2 answers with the inspector's verdict (not done yet: B has not run it)
    expect(verdict.text).toMatch(/^Not done yet: No container named first yet/);
    report.push(`B docker run (--rm) hello-world: idle ${idle} ms, during the count loop ${during} ms, during the byte loop ${during2} ms, after ${after} ms`);
    report.push(`B check after the attack: ${verdict.ms} ms (${verdict.text.slice(0, 60)})`);
  });
});

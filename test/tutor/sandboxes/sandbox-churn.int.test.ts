import Docker from 'dockerode';
import { decodeSlackText } from '../../../src/slack/render/slack-text';
import { LearnerDriver } from '../../support/learner-driver';
import { startTestBot, uniqueId, type TestBot } from '../../support/start-test-bot';

jest.setTimeout(900_000);

const docker = new Docker();
const textOf = (c: { args: { text?: unknown } }) => decodeSlackText(String(c.args.text));

/**
 * Watches the engine for learner sandboxes created for one key, found by their labels (containers, not inspectors).
 * Live, from now: the engine keeps only its last few hundred events, and other tests share it.
 */
async function watchCreated(instance: string, learnerKey: string): Promise<{ ids: string[]; stop(): void }> {
  const stream = (await docker.getEvents({
    filters: { type: ['container'], event: ['create'], label: [`dockhand.instance=${instance}`, `dockhand.learner=${learnerKey}`, 'dockhand.role=learner'] },
  })) as NodeJS.ReadableStream & { destroy(): void };
  const ids: string[] = [];
  let rest = '';
  stream.on('data', (chunk: Buffer) => {
    const lines = (rest + chunk.toString('utf8')).split('\n');
    rest = lines.pop() ?? '';
    for (const l of lines.filter(Boolean)) ids.push((JSON.parse(l) as { id: string }).id);
  });
  return { ids, stop: () => stream.destroy() };
}

/**
 * A learner alternating `reset` (typed, as `/tutor reset`, and the Reset button) with `start` and a command,
 * through the Slack stand-in against the real bot and real sandboxes: at most SANDBOX_NEW_PER_LEARNER_10MIN fresh
 * sandboxes in ten minutes, one notice, the sandbox they keep still works; a second learner's commands keep
 * answering meanwhile.
 */
describe('a reset/start loop is held to the fresh-sandbox limit', () => {
  const LIMIT = 3;
  let t: TestBot;
  let a: LearnerDriver;
  let b: LearnerDriver;
  let instance: string;
  beforeAll(async () => {
    instance = uniqueId('churn').toLowerCase();
    t = await startTestBot({ standIn: { users: {} }, env: { SANDBOX_NEW_PER_LEARNER_10MIN: String(LIMIT), COMMANDS_PER_MINUTE: '600', SANDBOX_INSTANCE: instance } });
    a = new LearnerDriver(t, uniqueId('U'));
    b = new LearnerDriver(t, uniqueId('U'));
  });
  afterAll(async () => {
    await t?.stop();
  });

  /** The first post or slash answer after `since` matching `pattern`, or undefined after `timeoutMs` (a quiet refusal). */
  async function answerAfter(since: number, pattern: RegExp, timeoutMs: number) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = t.standIn.calls.slice(since).find((c) => (c.method === 'chat.postMessage' || c.method === 'response_url') && pattern.test(String(c.args.text)));
      if (found || Date.now() > deadline) return found;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it(`creates at most 1 + ${LIMIT} sandboxes for the looping learner, tells them once, and the bystander keeps working`, async () => {
    const keyA = `${t.teamId}:${a.user}`;
    const watch = await watchCreated(instance, keyA);
    await Promise.all([a.run('true'), b.run('true')]);

    // The bystander runs a command every few seconds for the whole loop; each one's latency is kept.
    const latencies: number[] = [];
    let looping = true;
    const bystander = (async () => {
      while (looping) {
        const started = Date.now();
        const r = await b.run('echo bystander-ok');
        expect(textOf(r.final)).toContain('bystander-ok');
        latencies.push(Date.now() - started);
        await new Promise((r) => setTimeout(r, 1000));
      }
    })();

    const loopStarted = Date.now();
    const allowedAt: number[] = [];
    const ways = ['typed', 'slash', 'typed', 'slash', 'typed', 'typed', 'slash', 'typed'];
    for (const [i, way] of ways.entries()) {
      const since = a.mark;
      if (way === 'typed') await a.say('reset');
      else await t.standIn.sendSlashCommand({ command: '/tutor', text: 'reset', user_id: a.user, channel_id: 'C0GENERAL', team_id: t.teamId });
      // An allowed reset answers; the first refused one gets the notice; later refused ones are quiet.
      const answered = await answerAfter(since, /Your sandbox was reset|You've reset your sandbox/, 8_000);
      if (answered && /Your sandbox was reset/.test(String(answered.args.text))) allowedAt.push(Date.now());
      // `start` prepares a sandbox at once (this loop is the one that made 13-18 a minute); a command uses it.
      const startSince = a.mark;
      await a.say('start');
      await a.waitForPost(/step \d+ of \d+/, startSince, 120_000);
      if (i === LIMIT) await a.run('echo kept > /root/kept.txt');
      const r = await a.run(`echo loop-${i}`);
      expect(textOf(r.final)).toMatch(/: exit 0/);
    }
    const loopMs = Date.now() - loopStarted;
    looping = false;
    await bystander;

    // Events arrive a moment after the fact: the last creation is well before the loop's last command ended.
    await new Promise((r) => setTimeout(r, 1000));
    watch.stop();
    const created = watch.ids;
    const notices = t.standIn.calls.filter((c) => /You've reset your sandbox/.test(String(c.args.text)));
    // The refused resets kept the sandbox: the file written after the last allowed one is still there.
    const kept = await a.run('cat /root/kept.txt');
    const firstThree = allowedAt.length >= 2 ? ((allowedAt.length - 1) * 60_000) / (allowedAt.at(-1)! - loopStarted) : NaN;
    console.log(
      `churn: ${ways.length} resets in ${(loopMs / 1000).toFixed(0)} s -> ${created.length} sandboxes created for A (${((created.length * 60_000) / loopMs).toFixed(1)}/min over the loop; ` +
        `while resets were still allowed: ${firstThree.toFixed(1)}/min); notices ${notices.length}; ` +
        `bystander latency ms: n=${latencies.length} median=${latencies.sort((x, y) => x - y)[Math.floor(latencies.length / 2)]} max=${latencies.at(-1)}`,
    );
    expect(allowedAt).toHaveLength(LIMIT);
    expect(created.length).toBeLessThanOrEqual(1 + LIMIT);
    expect(created.length).toBeGreaterThanOrEqual(LIMIT);
    expect(notices).toHaveLength(1);
    expect(textOf(notices[0]!)).toMatch(/next fresh sandbox is available in about \d+ min\. Your current one still works/);
    expect(textOf(kept.final)).toContain('kept');
    expect(latencies.length).toBeGreaterThan(0);
  });

  it('a sandbox that keeps stopping is replaced 1 + N times in ten minutes, then the command says when the next one comes', async () => {
    // The stop is the engine-level effect of a crash (the container killed), simulated with `docker kill`.
    const c = new LearnerDriver(t, uniqueId('U'));
    const keyC = `${t.teamId}:${c.user}`;
    const watch = await watchCreated(instance, keyC);
    const bystander: number[] = [];
    for (let i = 0; i <= LIMIT; i++) {
      const r = await c.run(`echo round-${i}`);
      expect(textOf(r.final)).toMatch(/: exit 0/);
      const since = c.mark;
      await docker.getContainer(t.bot.sandboxes.containerIdOf(keyC)!).kill();
      await c.waitForPost(/Your sandbox stopped unexpectedly/, since, 60_000);
      const started = Date.now();
      expect(textOf((await b.run('echo bystander-ok')).final)).toContain('bystander-ok');
      bystander.push(Date.now() - started);
    }
    const refused = await c.run('echo one-more');
    await new Promise((r) => setTimeout(r, 1000));
    watch.stop();
    console.log(`crash loop: ${watch.ids.length} sandboxes created for C, then refused; bystander latency ms: ${bystander.join(', ')}`);
    expect(decodeSlackText(LearnerDriver.blocksText(refused.final))).toMatch(/You have had 4 new sandboxes in a few minutes .* available in about \d+ min/);
    expect(watch.ids).toHaveLength(1 + LIMIT);
  });
});

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { LABEL_INSTANCE, LABEL_ROLE } from '../../../src/sandbox/engine/sandbox-labels';
import { LearnerDriver } from '../../support/learner-driver';
import { startTestBot, uniqueId, type TestBot } from '../../support/start-test-bot';
import { acceptCard, inChannel, slash } from './race-helpers';

const run = promisify(execFile);
jest.setTimeout(900_000);

const ADMIN = 'U0ADMIN01';
const STEP = /NGINX on port 8080 · step 1 of 1/;

/** Running sandboxes of the bot's instance (not inspectors), with their role and name. */
async function sandboxes(instance: string): Promise<{ id: string; role: string; name: string }[]> {
  const { stdout } = await run('docker', ['ps', '--no-trunc', '--filter', `label=${LABEL_INSTANCE}=${instance}`, '--format', `{{.ID}} {{.Label "${LABEL_ROLE}"}} {{.Names}}`]);
  return stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split(' '))
    .map(([id, role, name]) => ({ id: id!, role: role!, name: name! }))
    .filter((c) => c.role === 'learner' || c.role === 'warm');
}
/** Unclaimed warm ones: the challenge's pool (no other warm pool is configured in these tests). */
const warmIds = async (instance: string) => (await sandboxes(instance)).filter((c) => c.role === 'warm' && !c.name.includes('-claimed-')).map((c) => c.id);

async function until<T>(what: string, probe: () => Promise<T> | T, ok: (v: T) => boolean, timeoutMs = 240_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(v)})`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** A command's final message: its header line and its output blocks. */
const out = async (l: LearnerDriver, command: string) => {
  const { final } = await l.run(command);
  return `${String(final.args.text)}\n${LearnerDriver.blocksText(final)}`;
};

const hasNginx = async (id: string) => (await run('docker', ['exec', id, 'docker', 'image', 'inspect', '--format', '{{index .RepoTags 0}}', 'nginx:latest'])).stdout.trim() === 'nginx:latest';

describe('warm sandboxes kept for a running challenge', () => {
  const instance = uniqueId('t').toLowerCase();
  let t: TestBot;
  beforeAll(async () => {
    t = await startTestBot({ env: { ADMIN_USER_IDS: ADMIN, CHALLENGE_WARM_SANDBOXES: '2', SANDBOX_MAX_COUNT: '12', SANDBOX_INSTANCE: instance } });
  });
  afterAll(() => t?.stop());

  it('racers get a fresh sandbox nobody used with nginx already in it; the pool refills, cannot be drained by resets, and goes at the end', async () => {
    const [alice, bob, carol, dave] = ['U0ALICE', 'U0BOB', 'U0CAROL', 'U0DAVE'].map((u) => new LearnerDriver(t, `${u}${uniqueId('').slice(0, 4)}`)) as [LearnerDriver, LearnerDriver, LearnerDriver, LearnerDriver];
    const key = (l: LearnerDriver) => `${t.teamId}:${l.user}`;
    // carol has an ordinary sandbox with a file in it before the race
    expect(await out(carol, 'echo old-content > ~/old.txt && echo wrote')).toMatch(/exit 0/);
    const carolOld = t.bot.sandboxes.containerIdOf(key(carol))!;

    const channel = uniqueId('C');
    const mark = t.standIn.calls.length;
    expect(await slash(t, ADMIN, channel, 'challenge start nginx-on-8080 30m')).toMatch(/challenge is on/);
    const card = await inChannel(t, channel, mark, /Challenge: NGINX on port 8080/);

    // two warm sandboxes, each already holding the exercise's image
    const warm = await until('two warm sandboxes', () => warmIds(instance), (ids) => ids.length === 2 && t.bot.sandboxes.stats().prepared === 2);
    for (const id of warm) expect(await hasNginx(id)).toBe(true);

    // alice accepts: she gets one of them, and writes a file into it
    let m = alice.mark;
    await acceptCard(t, alice.user, card);
    await alice.waitForPost(STEP, m, 300_000);
    const aliceBox = t.bot.sandboxes.containerIdOf(key(alice))!;
    expect(warm).toContain(aliceBox);
    expect(await out(alice, 'echo alice-was-here > ~/planted.txt && echo ok')).toMatch(/exit 0/);

    // bob accepts: another of the pool's sandboxes, not alice's, without her file; nginx is there without a pull
    const offered = await warmIds(instance);
    m = bob.mark;
    await acceptCard(t, bob.user, card);
    await bob.waitForPost(STEP, m, 300_000);
    const bobBox = t.bot.sandboxes.containerIdOf(key(bob))!;
    expect(offered).toContain(bobBox);
    expect(bobBox).not.toBe(aliceBox);
    const bobHome = await out(bob, 'cat ~/planted.txt; echo listing; ls ~');
    expect(bobHome).toContain('listing');
    expect(bobHome).not.toContain('alice-was-here');
    const images = await out(bob, 'docker image ls --format "{{.Repository}}:{{.Tag}}"');
    expect(images).toContain('nginx:latest');
    const first = await out(bob, 'docker run -d --name web -p 8080:80 nginx');
    expect(first).toMatch(/exit 0/);
    expect(first).not.toMatch(/Unable to find image|Pulling/);

    // carol accepts: her old sandbox and its file are gone
    m = carol.mark;
    await acceptCard(t, carol.user, card);
    await carol.waitForPost(STEP, m, 300_000);
    const carolBox = t.bot.sandboxes.containerIdOf(key(carol))!;
    expect(carolBox).not.toBe(carolOld);
    const carolHome = await out(carol, 'echo listing; ls ~');
    expect(carolHome).toContain('listing');
    expect(carolHome).not.toContain('old.txt');
    expect(await hasNginx(carolBox)).toBe(true);

    // the pool refills with sandboxes nobody held
    const held = [aliceBox, bobBox, carolBox];
    const refilled = await until('the pool refilled', () => warmIds(instance), (ids) => ids.length === 2 && t.bot.sandboxes.stats().prepared === 2);
    for (const id of refilled) expect(held).not.toContain(id);

    // alice tries to drain it: resets (ordinary fresh sandboxes) and presses Accept again, repeatedly
    for (let i = 0; i < 2; i++) {
      m = alice.mark;
      await alice.say('reset');
      await alice.waitForPost(/fresh sandbox|reset|new sandbox/i, m, 60_000);
      expect(await out(alice, 'true')).toMatch(/exit 0/);
      m = alice.mark;
      await acceptCard(t, alice.user, card);
      await t.standIn.waitForCall('chat.postEphemeral', (c) => t.standIn.calls.indexOf(c) >= m && /already in this challenge/.test(String(c.args.text)), 60_000);
    }
    expect(refilled).not.toContain(t.bot.sandboxes.containerIdOf(key(alice)));
    expect(t.bot.sandboxes.stats().prepared).toBe(2);

    // dave still gets a warm one
    m = dave.mark;
    const t0 = performance.now();
    await acceptCard(t, dave.user, card);
    await dave.waitForPost(STEP, m, 300_000);
    process.stdout.write(`dave's accept-to-task after alice's draining attempts: ${Math.round(performance.now() - t0)} ms\n`);
    expect(refilled).toContain(t.bot.sandboxes.containerIdOf(key(dave)));

    // the end: the unclaimed ones go, the racers keep theirs
    await slash(t, ADMIN, channel, 'challenge end');
    await until('the pool removed', () => warmIds(instance), (ids) => ids.length === 0 && t.bot.sandboxes.stats().prepared === 0, 120_000);
    const left = (await sandboxes(instance)).map((c) => c.id);
    for (const l of [bob, carol, dave]) expect(left).toContain(t.bot.sandboxes.containerIdOf(key(l)));
  });
});

describe('warm challenge sandboxes within the sandbox caps', () => {
  const instance = uniqueId('t').toLowerCase();
  let t: TestBot;
  beforeAll(async () => {
    t = await startTestBot({ env: { ADMIN_USER_IDS: ADMIN, CHALLENGE_WARM_SANDBOXES: '4', SANDBOX_MAX_PER_WORKSPACE: '2', SANDBOX_MAX_COUNT: '6', SANDBOX_INSTANCE: instance } });
  });
  afterAll(() => t?.stop());

  it('a challenge in a full workspace keeps no warm sandbox past its quota, and an accept there still works', async () => {
    const [ann, ben] = ['U0ANN', 'U0BEN'].map((u) => new LearnerDriver(t, `${u}${uniqueId('').slice(0, 4)}`)) as [LearnerDriver, LearnerDriver];
    for (const l of [ann, ben]) expect(await out(l, 'true')).toMatch(/exit 0/);
    // sampled throughout: the workspace never holds more than its quota of sandboxes
    let most = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        most = Math.max(most, (await sandboxes(instance)).length);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();

    const channel = uniqueId('C');
    const mark = t.standIn.calls.length;
    expect(await slash(t, ADMIN, channel, 'challenge start nginx-on-8080 30m')).toMatch(/challenge is on/);
    const card = await inChannel(t, channel, mark, /Challenge: NGINX on port 8080/);
    expect(t.bot.sandboxes.stats()).toMatchObject({ sandboxes: 2, prepared: 0, creating: 0 });

    // ann accepts: her old sandbox goes, the pool may use the freed place, she gets a sandbox with nginx
    const m = ann.mark;
    await acceptCard(t, ann.user, card);
    await ann.waitForPost(STEP, m, 300_000);
    expect(await hasNginx(t.bot.sandboxes.containerIdOf(`${t.teamId}:${ann.user}`)!)).toBe(true);
    expect(await out(ben, 'echo still-here')).toMatch(/exit 0/);
    sampling = false;
    await sampler;
    expect(most).toBeLessThanOrEqual(2);
    expect((await sandboxes(instance)).length).toBeLessThanOrEqual(2);
    await slash(t, ADMIN, channel, 'challenge end');
  });
});

describe('warm challenge sandboxes across a bot restart', () => {
  it('the old run\'s unclaimed ones are cleaned, a racer keeps theirs, and the running challenge gets fresh ones again', async () => {
    const instance = uniqueId('t').toLowerCase();
    const env = { ADMIN_USER_IDS: ADMIN, CHALLENGE_WARM_SANDBOXES: '1', SANDBOX_INSTANCE: instance, SHUTDOWN_DEADLINE_MS: '1000' };
    const first = await startTestBot({ env, keepSandboxes: true });
    let second: TestBot | undefined;
    try {
      const racer = new LearnerDriver(first, `U0RACER${uniqueId('').slice(0, 4)}`);
      const channel = uniqueId('C');
      const mark = first.standIn.calls.length;
      expect(await slash(first, ADMIN, channel, 'challenge start nginx-on-8080 30m')).toMatch(/challenge is on/);
      const card = await inChannel(first, channel, mark, /Challenge: NGINX on port 8080/);
      await until('a warm sandbox', () => warmIds(instance), (ids) => ids.length === 1 && first.bot.sandboxes.stats().prepared === 1);
      const m = racer.mark;
      await acceptCard(first, racer.user, card);
      await racer.waitForPost(STEP, m, 300_000);
      const racerBox = first.bot.sandboxes.containerIdOf(`${first.teamId}:${racer.user}`)!;
      const before = await until('the pool refilled', () => warmIds(instance), (ids) => ids.length === 1 && first.bot.sandboxes.stats().prepared === 1);
      await first.bot.stop();

      second = await startTestBot({ env, reuse: first.standIn });
      // the racer's claimed sandbox is adopted as theirs; the old unclaimed one is gone; the challenge has a new one
      expect(second.bot.sandboxes.containerIdOf(`${second.teamId}:${racer.user}`)).toBe(racerBox);
      const after = await until('a new warm sandbox', () => warmIds(instance), (ids) => ids.length === 1 && !ids.includes(before[0]!) && second!.bot.sandboxes.stats().prepared === 1);
      expect(await hasNginx(after[0]!)).toBe(true);
      await slash(second, ADMIN, channel, 'challenge end');
      await until('the pool removed', () => warmIds(instance), (ids) => ids.length === 0, 120_000);
    } finally {
      if (second) await second.stop();
      else await first.bot.stop().catch(() => undefined);
      await first.bot.sandboxes.destroyAll().catch(() => undefined);
      await first.standIn.stop().catch(() => undefined);
    }
  });
});

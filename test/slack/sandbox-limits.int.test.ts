import Docker from 'dockerode';
import { decodeSlackText } from '../../src/slack/render/slack-text';
import { LearnerDriver } from '../support/learner-driver';
import { startTestBot, uniqueId, type TestBot } from '../support/start-test-bot';

/**
 * Issue 10 end to end: two learners DM the real bot through the Slack stand-in. A fills the sandbox's disk past
 * its cap, starts a fork bomb and a memory hog, leaves background processes, writes cgroup files and goes after
 * B's nginx; A is told so in plain words and A's sandbox keeps working, while B's commands keep answering.
 * (The mirror attacks: mirror-poisoning.int.test.ts.)
 */
const docker = new Docker();
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
    expect(err!.message).toMatch(/^SANDBOX_PROFILE=sysbox needs the sysbox-runc runtime, which this engine does not have: (use SANDBOX_PROFILE=userns|restart dockerd with --userns-remap=default)/);
  }, 120_000);
});

describe('two learners in Slack: the disk cap and the process limit are the attacker\'s problem only', () => {
  let t: TestBot;
  let a: LearnerDriver;
  let b: LearnerDriver;
  beforeAll(async () => {
    t = await startTestBot({ standIn: { users: {} }, env: { SANDBOX_DISK_MB: '300', SANDBOX_PIDS_LIMIT: '256', SANDBOX_MEMORY_MB: '512', COMMAND_TIMEOUT_SECONDS: '30', COMMANDS_PER_MINUTE: '600' } });
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

  it('a memory hog: exit 137 and "out of memory: limit 512 MiB", never exit 0; B is unaffected', async () => {
    const [hog, other] = await Promise.all([a.run('head -c 2000m /dev/zero | tail > /dev/null'), b.run('echo bystander-ok')]);
    expect(say(hog.final)).toMatch(/exit 137/);
    expect(say(hog.final)).toContain('out of memory: limit 512 MiB');
    expect(say(other.final)).toContain('bystander-ok');
    expect(say((await a.run('echo alive')).final)).toContain('alive');
  }, 180_000);

  it('background processes do not outlive the command that left them', async () => {
    const left = await a.run('sleep infinity & nohup sleep 999 >/dev/null 2>&1 & echo started');
    expect(say(left.final)).toContain('started');
    expect(say(left.final)).toMatch(/background processes left running by this command were ended/i);
    expect(say((await a.run('echo "sleepers=$(ps -eo args | grep -c ^sleep)"')).final)).toContain('sleepers=0');
  }, 120_000);

  it("A cannot raise its own limits through the cgroup files, nor see B's", async () => {
    const bId = t.bot.sandboxes.containerIdOf(`${t.teamId}:${b.user}`)!;
    const bCgroup = (await docker.getContainer(bId).inspect()).Config.Labels['dockhand.cgroup'];
    expect(bCgroup).toMatch(/^dockhand-/);
    const r = await a.run(
      `echo 99999999999 > /sys/fs/cgroup/memory/memory.limit_in_bytes; echo mem=$?; echo max > /sys/fs/cgroup/pids/pids.max; echo pids=$?; echo limit=$(cat /sys/fs/cgroup/memory/memory.limit_in_bytes); ls -d /sys/fs/cgroup/*/${bCgroup} >/dev/null 2>&1 && echo sees-b || echo no-b`,
    );
    const text = say(r.final);
    expect(text).toContain('mem=1');
    expect(text).toContain('pids=1');
    expect(text).toContain(`limit=${512 * 1024 * 1024}`);
    expect(text).toContain('no-b');
  }, 120_000);

  it("A cannot ping or curl B's nginx by B's address, while B's own curl works", async () => {
    const up = await b.run('docker run -d -p 80:80 --name web nginx >/dev/null && for i in $(seq 50); do curl -s -m 1 -o /dev/null http://127.0.0.1/ && break; sleep 0.2; done; echo "ip=$(ip -4 -o addr show eth0 | awk \'{print $4}\' | cut -d/ -f1)"', 120_000);
    const ip = /ip=(\d+\.\d+\.\d+\.\d+)/.exec(say(up.final))?.[1];
    expect(ip).toBeDefined();
    expect(say((await b.run(`curl -s -m 3 -o /dev/null -w 'own=%{http_code}' http://${ip}/`)).final)).toContain('own=200');
    expect(say((await a.run(`ping -c 2 -W 1 ${ip} >/dev/null 2>&1 && echo reached || echo unreachable`)).final)).toContain('unreachable');
    expect(say((await a.run(`curl -s -m 3 -o /dev/null -w '%{http_code}' http://${ip}/; echo " exit=$?"`)).final)).toMatch(/000 exit=(7|28)/);
    await b.run('docker rm -f web');
  }, 240_000);
});

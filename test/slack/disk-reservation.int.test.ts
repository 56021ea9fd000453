import fs from 'node:fs';
import path from 'node:path';
import Docker from 'dockerode';
import { decodeSlackText } from '../../src/slack/render/slack-text';
import { HOST_DISK_FULL_MESSAGE } from '../../src/sandbox/isolation/disk-reservation';
import { LearnerDriver } from '../support/learner-driver';
import { startTestBot, uniqueId, type TestBot } from '../support/start-test-bot';

/**
 * Two learners DM the real bot through the Slack stand-in. A tries to take more of the host's disk than the cap
 * (`fallocate` far past it, then `dd`): A is told the sandbox's disk is full, the host gives A no more than the
 * cap, and B's commands keep answering. A bot whose cap cannot fit in the host's free space refuses new sandboxes
 * with one friendly line instead of promising disk it does not have.
 */
const docker = new Docker();
const say = (c: { args: { text?: unknown; blocks?: unknown } }) => decodeSlackText(`${String(c.args.text)}\n${LearnerDriver.blocksText(c as never)}`);
const MIB = 1024 * 1024;
const CAP_MB = 512;
/** Its own folder (same filesystem): other runs' disks in the default folder would count against this bot's reservation. */
const DISK_DIR = `/var/lib/dockhand/disks-slack-${process.pid}`;

const freeBytes = () => {
  const s = fs.statfsSync('/var/lib/dockhand');
  return s.bavail * s.bsize;
};

async function imageOf(t: TestBot, learner: LearnerDriver): Promise<string> {
  const list = await docker.listContainers({ filters: { label: ['dockhand.role=learner'] } });
  const c = list.find((x) => x.Labels['dockhand.learner']?.endsWith(learner.user) && fs.existsSync(path.join(DISK_DIR, `${x.Labels['dockhand.disk']}.img`)));
  if (!c) throw new Error(`no sandbox for ${learner.user} in ${t.teamId}`);
  return path.join(DISK_DIR, `${c.Labels['dockhand.disk']}.img`);
}

afterAll(() => fs.rmSync(DISK_DIR, { recursive: true, force: true }));

describe('two learners in Slack: fallocate and dd past the disk cap cost the host no more than the cap', () => {
  let t: TestBot;
  let a: LearnerDriver;
  let b: LearnerDriver;
  beforeAll(async () => {
    t = await startTestBot({ standIn: { users: {} }, env: { SANDBOX_DISK_MB: String(CAP_MB), SANDBOX_DISK_DIR: DISK_DIR, COMMAND_TIMEOUT_SECONDS: '60', COMMANDS_PER_MINUTE: '600' } });
    a = new LearnerDriver(t, uniqueId('U'));
    b = new LearnerDriver(t, uniqueId('U'));
    await Promise.all([a.run('true'), b.run('true')]);
  }, 240_000);
  afterAll(async () => {
    await t?.stop();
  });

  it('A: "your sandbox\'s disk is full"; the host loses at most the cap and gets it back on rm; B keeps answering', async () => {
    const img = await imageOf(t, a);
    const idle: number[] = [];
    for (let i = 0; i < 3; i++) {
      const s = Date.now();
      expect(say((await b.run('echo bystander-ok')).final)).toContain('bystander-ok');
      idle.push(Date.now() - s);
    }
    const freeBefore = freeBytes();
    // dd first: real blocks, written through the loop device into the host file, up to the cap
    const bStart = Date.now();
    const [dd, other] = await Promise.all([a.run('dd if=/dev/zero of=/root/big bs=1M count=2000 status=none; sync'), b.run('echo bystander-ok')]);
    const bUnderDd = Date.now() - bStart;
    expect(say(dd.final)).toContain(`Your sandbox's disk is full (${CAP_MB} MiB)`);
    expect(say(other.final)).toContain('bystander-ok');
    // the image is the cap: whatever A does, the host's share of it never exceeds it (other runs share this
    // disk, so the host-wide drop is reported, not asserted)
    const held = fs.statSync(img).blocks * 512;
    expect(held).toBeGreaterThan((CAP_MB / 2) * MIB);
    expect(held).toBeLessThanOrEqual(CAP_MB * MIB);
    expect(say((await a.run('rm -f /root/big && sync && echo freed')).final)).toContain('freed');

    // fallocate far past the cap: ext4 reserves (unwritten) blocks inside, the host file gets none of them
    const bStart2 = Date.now();
    const [fa, other2] = await Promise.all([a.run('fallocate -l 200G /root/big2'), b.run('echo bystander-ok')]);
    const bUnderFallocate = Date.now() - bStart2;
    expect(say(fa.final)).toContain(`Your sandbox's disk is full (${CAP_MB} MiB)`);
    expect(say(other2.final)).toContain('bystander-ok');
    const heldFallocate = fs.statSync(img).blocks * 512;
    expect(heldFallocate).toBeLessThanOrEqual(CAP_MB * MIB);
    const freeAfter = freeBytes();

    expect(say((await a.run('rm -f /root/big2 && sync && echo freed')).final)).toContain('freed');
    let back = fs.statSync(img).blocks * 512;
    for (let i = 0; i < 60 && back > 64 * MIB; i++) {
      await new Promise((r) => setTimeout(r, 500));
      back = fs.statSync(img).blocks * 512;
    }
    expect(back).toBeLessThan(64 * MIB);
    process.stderr.write(
      `[disk] A's image on the host: ${(held / MIB).toFixed(0)} MiB after dd past the cap (${CAP_MB} MiB), ${(heldFallocate / MIB).toFixed(0)} MiB after fallocate -l 200G, ${(back / MIB).toFixed(0)} MiB after rm; host free ${((freeBefore - freeAfter) / MIB).toFixed(0)} MiB lower during the attack (shared host); ` +
        `B echo: idle ${idle.join('/')} ms, under fallocate ${bUnderFallocate} ms, under dd ${bUnderDd} ms\n`,
    );
  }, 300_000);
});

describe('a bot whose disk cap does not fit in the host\'s free space', () => {
  let t: TestBot;
  beforeAll(async () => {
    // 1 TiB per sandbox: more than this host has free, so not even one disk is promised
    t = await startTestBot({ standIn: { users: {} }, env: { SANDBOX_DISK_MB: '1048576', SANDBOX_DISK_DIR: DISK_DIR } });
  }, 240_000);
  afterAll(async () => {
    await t?.stop();
  });

  it('warns the operator at start, and tells the learner in one friendly line instead of making a disk', async () => {
    const learner = new LearnerDriver(t, uniqueId('U'));
    const r = await learner.run('echo hi');
    expect(say(r.final)).toContain(HOST_DISK_FULL_MESSAGE);
    expect(say(r.final)).not.toMatch(/AppError|at .*\.ts:\d+/);
    expect(t.logs.some((l) => /^Disk: \d+ sandboxes x 1024\.0 GiB .* at most 0 sandboxes get a disk/.test(String(l.msg)))).toBe(true);
    expect(t.logs.some((l) => /^host disk reservation: a new 1024\.0 GiB sandbox disk does not fit/.test(String(l.msg)))).toBe(true);
    expect(fs.readdirSync(DISK_DIR).filter((f) => f.endsWith('.img'))).toEqual([]);
  }, 180_000);
});

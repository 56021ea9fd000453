import fs from 'node:fs';
import path from 'node:path';
import Docker from 'dockerode';
import { COURSE_DISK_FLOOR_MB } from '../../src/config';
import { decodeSlackText } from '../../src/slack/render/slack-text';
import { LearnerDriver } from '../support/learner-driver';
import { startTestBot, uniqueId, type TestBot } from '../support/start-test-bot';

/**
 * SANDBOX_DISK_MB=auto on the real engine: 200 sandboxes asked for cannot each get even the course's floor on this
 * host, so the bot keeps the floor, lowers the count and says so in one line. Learner A's disk is the floor (the
 * image on the host, the filesystem inside) and the disk-full notice names that size; learner B keeps answering.
 */
const docker = new Docker();
const say = (c: { args: { text?: unknown; blocks?: unknown } }) => decodeSlackText(`${String(c.args.text)}\n${LearnerDriver.blocksText(c as never)}`);
const MIB = 1024 * 1024;
/** Its own folder: only this bot's disks count against its sizing. */
const DISK_DIR = `/var/lib/dockhand/disks-auto-${process.pid}`;

afterAll(() => fs.rmSync(DISK_DIR, { recursive: true, force: true }));

describe('SANDBOX_DISK_MB=auto with more sandboxes than the host can give the floor', () => {
  let t: TestBot;
  let a: LearnerDriver;
  let b: LearnerDriver;
  beforeAll(async () => {
    t = await startTestBot({ standIn: { users: {} }, env: { SANDBOX_DISK_MB: 'auto', SANDBOX_MAX_COUNT: '200', SANDBOX_DISK_DIR: DISK_DIR, COMMAND_TIMEOUT_SECONDS: '90', COMMANDS_PER_MINUTE: '600' } });
    a = new LearnerDriver(t, uniqueId('U'));
    b = new LearnerDriver(t, uniqueId('U'));
    await Promise.all([a.run('true'), b.run('true')]);
  }, 240_000);
  afterAll(async () => {
    await t?.stop();
  });

  it('keeps the floor, lowers the count in one line; A fills a floor-sized disk and is told its size; B keeps answering', async () => {
    const warning = t.logs.map((l) => String(l.msg)).find((m) => m.startsWith('Disk: 200 sandboxes'));
    expect(warning).toMatch(/^Disk: 200 sandboxes x 1\.0 GiB \(SANDBOX_MAX_COUNT x the smallest disk the course needs, SANDBOX_DISK_MB=auto\) is more than .* at most \d+ sandboxes run at once\./);
    const effective = Number(/at most (\d+) sandboxes/.exec(warning!)![1]);
    expect(effective).toBeGreaterThanOrEqual(2);
    expect(effective).toBeLessThan(200);

    const list = await docker.listContainers({ filters: { label: ['dockhand.role=learner'] } });
    const c = list.find((x) => x.Labels['dockhand.learner']?.endsWith(a.user) && fs.existsSync(path.join(DISK_DIR, `${x.Labels['dockhand.disk']}.img`)));
    expect(c).toBeDefined();
    const img = path.join(DISK_DIR, `${c!.Labels['dockhand.disk']}.img`);
    expect(fs.statSync(img).size).toBe(COURSE_DISK_FLOOR_MB * MIB);
    const df = say((await a.run("df -m /var/lib/docker | tail -1 | awk '{print \"size=\" $2}'")).final);
    const sizeMb = Number(/size=(\d+)/.exec(df)![1]);
    expect(sizeMb).toBeGreaterThan(COURSE_DISK_FLOOR_MB * 0.9);
    expect(sizeMb).toBeLessThanOrEqual(COURSE_DISK_FLOOR_MB);

    const idle = Date.now();
    expect(say((await b.run('echo bystander-ok')).final)).toContain('bystander-ok');
    const idleMs = Date.now() - idle;
    const start = Date.now();
    let underMs = 0;
    const [dd, other] = await Promise.all([
      a.run(`dd if=/dev/zero of=/root/big bs=1M count=${COURSE_DISK_FLOOR_MB + 256} status=none; sync`),
      b.run('echo bystander-ok').then((r) => ((underMs = Date.now() - start), r)),
    ]);
    expect(say(dd.final)).toContain("Your sandbox's disk is full (1 GiB)");
    expect(say(other.final)).toContain('bystander-ok');
    expect(fs.statSync(img).blocks * 512).toBeLessThanOrEqual(COURSE_DISK_FLOOR_MB * MIB);
    expect(say((await a.run('rm -f /root/big && sync && echo freed')).final)).toContain('freed');
    process.stderr.write(`[disk auto] effective count ${effective} of 200, A's disk ${sizeMb} MiB inside; B echo idle ${idleMs} ms, under A's dd ${underMs} ms\n`);
  }, 300_000);
});

import pino from 'pino';
import { AUTO_DISK_CEILING_MB, COURSE_DISK_FLOOR_MB, readConfig, type SandboxConfig } from '../../../src/config';
import { DiskReservation, parseDiskUsage } from '../../../src/sandbox/isolation/disk-reservation';
import { autoDiskSize } from '../../../src/sandbox/isolation/disk-sizing';
import { sizeDisks } from '../../../src/sandbox/isolation/size-disks';

const GIB = 1024 ** 3;
const bounds = { floorMb: COURSE_DISK_FLOOR_MB, ceilingMb: AUTO_DISK_CEILING_MB };

/** What the host script prints: statvfs of the disk folder (`fs avail frsize blocks`, 4 KiB blocks), then each image. */
function statvfs(availGiB: number, totalGiB = 252, images: string[] = []): string {
  return [`fs ${(availGiB * GIB) / 4096} 4096 ${(totalGiB * GIB) / 4096}`, ...images].join('\n');
}

function logged() {
  const lines: { level: number; msg: string }[] = [];
  const logger = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s) as { level: number; msg: string }) });
  return { logger, lines };
}

/** A reservation measuring the injected statvfs output, as prepareHostPolicies builds it for auto (the floor until sized). */
function reservation(out: string, logger = pino({ level: 'silent' })) {
  return new DiskReservation({ dir: '/var/lib/dockhand/disks', capBytes: COURSE_DISK_FLOOR_MB * 1024 ** 2, logger, measure: async () => parseDiskUsage(out)! });
}

function autoConfig(env: Record<string, string> = {}): SandboxConfig {
  return readConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1', ...env }, { cpus: 2, memoryMb: 24064 }).sandbox;
}

describe('SANDBOX_DISK_MB=auto: the cap sized to the host at start', () => {
  it('shares the promisable space among the sandboxes, rounded down to 256 MiB, when that fits', () => {
    // 252 GiB filesystem: 12.6 GiB margin; 60 GiB free leaves 47.4 GiB for 10 sandboxes = 4.74 GiB each -> 4608 MiB
    const s = autoDiskSize(parseDiskUsage(statvfs(60))!, 10, bounds, '/d');
    expect(s).toEqual({ capMb: 4608, maxSandboxes: 10 });
  });

  it('never gives more than the ceiling, however much is free', () => {
    expect(autoDiskSize(parseDiskUsage(statvfs(240))!, 4, bounds, '/d')).toEqual({ capMb: AUTO_DISK_CEILING_MB, maxSandboxes: 4 });
  });

  it('existing disks keep their caps and count as sandboxes that have one', () => {
    // two untouched 8 GiB disks promise 16 GiB: 60 - 12.6 - 16 = 31.4 GiB for the 8 others = 3.9 GiB -> 3840 MiB
    const imgs = ['img /d/dockhand-a-1.img 8589934592 0 512', 'img /d/dockhand-b-2.img 8589934592 0 512'];
    expect(autoDiskSize(parseDiskUsage(statvfs(60, 252, imgs))!, 10, bounds, '/d')).toEqual({ capMb: 3840, maxSandboxes: 10 });
  });

  it('at the floor, lowers the count to what fits and says so in one line', () => {
    // 20 GiB free: 7.4 GiB promisable holds floor(7.4 GiB / floor) sandboxes, far fewer than 47
    const s = autoDiskSize(parseDiskUsage(statvfs(20))!, 47, bounds, '/var/lib/dockhand/disks');
    expect(s.capMb).toBe(COURSE_DISK_FLOOR_MB);
    expect(s.maxSandboxes).toBe(Math.floor((20 * GIB - Math.ceil(252 * GIB * 0.05)) / (COURSE_DISK_FLOOR_MB * 1024 ** 2)));
    expect(s.maxSandboxes).toBeLessThan(47);
    expect(s.warning).toMatch(new RegExp(`^Disk: 47 sandboxes x .* is more than /var/lib/dockhand/disks can hold .*: at most ${s.maxSandboxes} sandboxes run at once\\.`));
    expect(s.warning).not.toContain('\n');
    // no room at all: one, so a learner is told the host is out of disk instead of waiting in a line
    expect(autoDiskSize(parseDiskUsage(statvfs(10))!, 47, bounds, '/d').maxSandboxes).toBe(1);
  });

  it('the reservation reserves each new disk at the sized cap from then on', async () => {
    const { logger, lines } = logged();
    const r = reservation(statvfs(60), logger);
    expect(r.capMb).toBe(COURSE_DISK_FLOOR_MB);
    await expect(r.checkCapacity(10, bounds)).resolves.toMatchObject({ capMb: 4608, maxSandboxes: 10 });
    expect(r.capMb).toBe(4608);
    expect(lines.find((l) => l.msg.startsWith('Disk: each sandbox gets 4.5 GiB'))).toBeDefined();
    // an explicit number keeps its cap: the check only warns
    const fixed = new DiskReservation({ dir: '/d', capBytes: 8 * GIB, logger, measure: async () => parseDiskUsage(statvfs(60))! });
    await expect(fixed.checkCapacity(47)).resolves.toMatchObject({ capMb: 8192, maxSandboxes: 47, fitting: 5 });
    expect(fixed.capMb).toBe(8192);
  });

  it('writes the effective cap and count into the configuration the allocator and the notices read', async () => {
    // the default configuration: auto; this host's 2 CPUs and 23.5 GiB (os.totalmem) give 47 sandboxes
    const c = autoConfig();
    expect(c).toMatchObject({ diskAuto: true, diskMb: AUTO_DISK_CEILING_MB, maxSandboxes: 47 });
    // the host of the issue: ~68 GiB free on a 252 GiB filesystem
    await sizeDisks(reservation(statvfs(68)), c, pino({ level: 'silent' }));
    const spare = 68 * GIB - Math.ceil(252 * GIB * 0.05);
    const share = Math.floor(spare / 47 / 1024 ** 2 / 256) * 256;
    expect(c.diskMb).toBe(Math.max(COURSE_DISK_FLOOR_MB, share));
    expect(c.maxSandboxes).toBe(Math.min(47, Math.floor(spare / (c.diskMb! * 1024 ** 2))));
    // with the measured floor (1 GiB): 55.4 GiB shared by 47 is 1.18 GiB, rounded down to 1 GiB, and all 47 fit
    expect({ diskMb: c.diskMb, maxSandboxes: c.maxSandboxes }).toEqual({ diskMb: 1024, maxSandboxes: 47 });
    expect(c.warmPool).toBeLessThanOrEqual(Math.max(1, Math.floor(c.maxSandboxes / 4)));

    const low = autoConfig();
    await sizeDisks(reservation(statvfs(20)), low, pino({ level: 'silent' }));
    expect(low.diskMb).toBe(COURSE_DISK_FLOOR_MB);
    expect(low.maxSandboxes).toBeLessThan(47);

    const explicit = autoConfig({ SANDBOX_DISK_MB: '8192' });
    await sizeDisks(new DiskReservation({ dir: '/d', capBytes: 8 * GIB, logger: pino({ level: 'silent' }), measure: async () => parseDiskUsage(statvfs(20))! }), explicit, pino({ level: 'silent' }));
    expect(explicit).toMatchObject({ diskAuto: false, diskMb: 8192, maxSandboxes: 47 });
  });

  it('a failed measurement leaves auto at the floor the reservation uses', async () => {
    const c = autoConfig();
    const r = new DiskReservation({ dir: '/d', capBytes: COURSE_DISK_FLOOR_MB * 1024 ** 2, logger: pino({ level: 'silent' }), measure: () => Promise.reject(new Error('no host')) });
    await sizeDisks(r, c, pino({ level: 'silent' }));
    expect(c).toMatchObject({ diskMb: COURSE_DISK_FLOOR_MB, maxSandboxes: 47 });
  });
});

import type Docker from 'dockerode';
import pino from 'pino';
import { AppError } from '../../../src/errors';
import type { EngineHostShell } from '../../../src/sandbox/engine/engine-host';
import { loopDiskPolicy } from '../../../src/sandbox/isolation/docker-disk-policy';
import { DiskReservation, HOST_DISK_FULL_MESSAGE, parseDiskUsage, reservationFits, safetyMarginBytes, spareBytes, startupCapacity, type DiskUsage } from '../../../src/sandbox/isolation/disk-reservation';
import { diskListingScript, parseDiskLeftovers } from '../../../src/sandbox/isolation/disk-sweep';
import type { PolicyContext } from '../../../src/sandbox/isolation/sandbox-policy';

const GIB = 1024 ** 3;
const ctx: PolicyContext = { instance: 'i', learnerKey: 'L', role: 'learner', createdAt: 42, labels: {} };
const silent = pino({ level: 'silent' });

/** The host of the issue: a 252 GiB filesystem with ~62 GiB free. */
const host = (availGiB: number, images: DiskUsage['images'] = []): DiskUsage => ({ stat: { availBytes: availGiB * GIB, totalBytes: 252 * GIB }, images });

describe('host disk reservation (pure)', () => {
  it('keeps 5% of the filesystem free, at least 2 GiB', () => {
    expect(safetyMarginBytes(252 * GIB)).toBe(Math.ceil(252 * GIB * 0.05));
    expect(safetyMarginBytes(10 * GIB)).toBe(2 * GIB);
  });

  it('a new disk fits when free space minus the margin minus what existing disks may still grow by holds its cap', () => {
    // margin 12.6 GiB: 62 GiB free leaves room for 6 untouched 8 GiB disks
    const six = Array.from({ length: 6 }, (_, i) => ({ name: `d${i}`, capBytes: 8 * GIB, allocatedBytes: 0 }));
    expect(reservationFits(host(62, six.slice(0, 5)), 8 * GIB)).toBe(true);
    expect(reservationFits(host(62, six), 8 * GIB)).toBe(false);
    // what a disk already holds is counted once: in statvfs's used space, not again as a promise
    const written = six.slice(0, 5).map((d) => ({ ...d, allocatedBytes: 6 * GIB }));
    expect(spareBytes(host(62 - 30, written))).toBe(spareBytes(host(62, six.slice(0, 5))));
    expect(reservationFits(host(62 - 30, written), 8 * GIB)).toBe(true);
  });

  it('warns in one line at start when the sandbox cap promises more than the host has, naming the count that fits', () => {
    const r = startupCapacity(host(62), 8 * GIB, 47, '/var/lib/dockhand/disks');
    expect(r.fitting).toBe(6);
    expect(r.warning).toMatch(/^Disk: 47 sandboxes x 8\.0 GiB \(SANDBOX_MAX_COUNT x SANDBOX_DISK_MB\) is more than \/var\/lib\/dockhand\/disks can hold .* at most 6 sandboxes get a disk;/);
    expect(r.warning).not.toContain('\n');
    expect(startupCapacity(host(62), 8 * GIB, 6, '/d').warning).toBeUndefined();
  });

  it('reads statvfs and every image from the host script', () => {
    const u = parseDiskUsage('fs 1000 4096 5000\nimg /d/dockhand-a-1-x.img 8589934592 2048 512\nnoise\n');
    expect(u).toEqual({ stat: { availBytes: 4096000, totalBytes: 20480000 }, images: [{ name: 'dockhand-a-1-x', capBytes: 8 * GIB, allocatedBytes: 2048 * 512 }] });
    expect(parseDiskUsage('img /d/x.img 1 1 512\n')).toBeUndefined();
  });
});

describe('DiskReservation', () => {
  it('refuses with the learner message, logs and counts it; two starts racing for the last room do not both get it', async () => {
    let images: DiskUsage['images'] = [];
    const measure = jest.fn(async () => host(23, images));
    const warn = jest.spyOn(silent, 'warn');
    const r = new DiskReservation({ measure, capBytes: 8 * GIB, dir: '/d', logger: silent });
    // 23 GiB free - 12.6 margin: room for one 8 GiB disk; the second reserve sees the first as pending
    const [a, b] = await Promise.allSettled([r.reserve('a'), r.reserve('b')]);
    expect(a.status).toBe('fulfilled');
    expect(b.status).toBe('rejected');
    const err = (b as PromiseRejectedResult).reason as AppError;
    expect(err).toBeInstanceOf(AppError);
    expect(err.code).toBe('SANDBOX_HOST_DISK_FULL');
    expect(err.message).toBe(HOST_DISK_FULL_MESSAGE);
    expect(warn).toHaveBeenCalledWith(expect.objectContaining({ capBytes: 8 * GIB }), expect.stringMatching(/^host disk reservation: a new 8\.0 GiB sandbox disk does not fit in \/d/));
    expect(r.stats()).toMatchObject({ refusals: 1, promisedBytes: 8 * GIB });
    // once set up, the image is listed (and counted) instead of the pending entry: not twice
    images = [{ name: 'a', capBytes: 8 * GIB, allocatedBytes: 0 }];
    r.settle('a');
    await expect(r.reserve('c')).rejects.toThrow(HOST_DISK_FULL_MESSAGE);
    images = [];
    await expect(r.reserve('c')).resolves.toBeUndefined();
  });

  it('a refused disk is never made: the loop-disk policy fails the sandbox before any host script runs', async () => {
    const scripts: string[] = [];
    const shell: EngineHostShell = { local: true, run: async (script) => (scripts.push(script), { exitCode: 0, output: '' }) };
    const reservation = new DiskReservation({ measure: async () => host(10), capBytes: 8 * GIB, dir: '/d', logger: silent });
    const policy = loopDiskPolicy({ host: shell, dir: '/d', sizeMb: 8192, owner: { uid: 0, gid: 0 }, instance: 'inst', reservation });
    const spec: Docker.ContainerCreateOptions = {};
    await expect(policy.apply(spec, ctx)).rejects.toMatchObject({ code: 'SANDBOX_HOST_DISK_FULL' });
    expect(scripts).toEqual([]);
    expect(spec.Labels).toBeUndefined();
  });
});

describe('disk leftovers sweep', () => {
  it('finds images, mount folders and loop devices (a deleted image\'s too) of the disk folder only', () => {
    expect(diskListingScript('/d')).toContain("losetup -n -l -O NAME,BACK-FILE");
    const f = parseDiskLeftovers('n dockhand-a-1-x\nn dockhand-a-1-x\nl /dev/loop3 dockhand-b-2-y\nl /dev/loop4 dockhand-b-2-y\nl /dev/sda dockhand-c\nn other\n');
    expect(f.names).toEqual(['dockhand-a-1-x', 'dockhand-b-2-y']);
    expect(f.loops.get('dockhand-b-2-y')).toEqual(['/dev/loop3', '/dev/loop4']);
  });

  it('releases a gone sandbox\'s disk with its loop devices, keeps live ones and this process\'s own', async () => {
    const now = Date.now();
    const old = (now - 60 * 60 * 1000).toString(36);
    const mine = (now + 1000).toString(36);
    const scripts: string[] = [];
    const listing = `n dockhand-inst-${old}-gone\nl /dev/loop7 dockhand-inst-${old}-gone\nn dockhand-inst-${old}-live\nn dockhand-inst-${mine}-new\nn dockhand-other-${old}-live2\n`;
    const shell: EngineHostShell = { local: true, run: async (script) => (scripts.push(script), { exitCode: 0, output: script.includes('losetup -n -l') ? listing : '' }) };
    const policy = loopDiskPolicy({ host: shell, dir: '/d', sizeMb: 300, owner: { uid: 0, gid: 0 }, instance: 'inst' });
    const freed = await policy.sweep!([{ 'dockhand.disk': `dockhand-inst-${old}-live` }, { 'dockhand.disk': `dockhand-other-${old}-live2` }], { since: now });
    expect(freed).toBe(1);
    const removals = scripts.slice(1);
    expect(removals).toHaveLength(1);
    expect(removals[0]).toContain(`rm -f '/d/dockhand-inst-${old}-gone.img'`);
    expect(removals[0]).toContain('/dev/loop7');
  });
});

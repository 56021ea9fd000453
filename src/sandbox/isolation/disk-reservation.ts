import { AppError } from '../../errors';
import type { Logger } from '../../logger';
import { autoDiskSize, type DiskSizingBounds } from './disk-sizing';

/**
 * The sandbox disks are sparse images: a cap is a promise the host's free space must be able to keep. The
 * reservation counts, for every image in the disk folder (any bot instance's: they share the host's disk), what
 * it may still grow by (its size minus the blocks it holds already, which statvfs already counts as used), and
 * refuses a new disk unless that total plus the new cap fits in the folder's free space minus a safety margin.
 * Why not preallocate (fallocate the whole cap): it would spend 8 GiB of real disk per idle sandbox, so the host
 * here (~70 GB free) would hold 8 sandboxes instead of the few dozen that actually fit what learners write.
 */

const GIB = 1024 ** 3;

export interface HostDiskStat {
  /** Bytes free for unprivileged writers on the disk folder's filesystem (statvfs f_bavail x f_frsize). */
  availBytes: number;
  totalBytes: number;
}

export interface ImageUse {
  name: string;
  /** The image's size: the most it can ever hold on the host. */
  capBytes: number;
  /** Blocks it holds on the host now. */
  allocatedBytes: number;
}

export interface DiskUsage {
  stat: HostDiskStat;
  images: ImageUse[];
}

/** Kept free for the database, logs and image pulls: 5% of the filesystem, at least 2 GiB. */
export function safetyMarginBytes(totalBytes: number): number {
  return Math.max(2 * GIB, Math.ceil(totalBytes * 0.05));
}

/** What the existing images may still take from the host. */
export function outstandingBytes(images: readonly ImageUse[]): number {
  return images.reduce((n, i) => n + Math.max(0, i.capBytes - i.allocatedBytes), 0);
}

/** Bytes that are free, not promised to an existing image, and not in the safety margin (may be negative). */
export function spareBytes(u: DiskUsage): number {
  return u.stat.availBytes - safetyMarginBytes(u.stat.totalBytes) - outstandingBytes(u.images);
}

export function reservationFits(u: DiskUsage, newCapBytes: number): boolean {
  return spareBytes(u) >= newCapBytes;
}

export function bytesText(n: number): string {
  return n >= GIB ? `${(n / GIB).toFixed(1)} GiB` : `${Math.max(0, Math.round(n / 1024 ** 2))} MiB`;
}

/**
 * At start: how many sandboxes can hold a disk (those that have one, plus as many new caps as fit), and one
 * warning line when that is below the sandbox cap. Decision: the cap per sandbox stays (the learner is told its
 * size, and lessons need it); the effective count is what the reservation lets through at each new disk.
 */
export function startupCapacity(u: DiskUsage, capBytes: number, maxSandboxes: number, dir: string): { fitting: number; warning?: string } {
  const fitting = u.images.length + Math.floor(Math.max(0, spareBytes(u)) / capBytes);
  if (fitting >= maxSandboxes) return { fitting };
  const margin = safetyMarginBytes(u.stat.totalBytes);
  return {
    fitting,
    warning:
      `Disk: ${maxSandboxes} sandboxes x ${bytesText(capBytes)} (SANDBOX_MAX_COUNT x SANDBOX_DISK_MB) is more than ${dir} can hold ` +
      `(${bytesText(u.stat.availBytes)} free, ${bytesText(margin)} kept as a safety margin, ${bytesText(outstandingBytes(u.images))} promised to existing disks): ` +
      `at most ${fitting} sandboxes get a disk; past that a learner is told the host is out of disk. Lower SANDBOX_MAX_COUNT or SANDBOX_DISK_MB, or free space.`,
  };
}

/** `fs <avail> <frsize> <blocks>` then `img <path> <size> <blocks> <blocksize>` lines (see usageScript). */
export function parseDiskUsage(out: string): DiskUsage | undefined {
  let stat: HostDiskStat | undefined;
  const images: ImageUse[] = [];
  for (const line of out.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[0] === 'fs' && f.length === 4) {
      const [avail, frsize, blocks] = f.slice(1).map(Number) as [number, number, number];
      if ([avail, frsize, blocks].every(Number.isFinite)) stat = { availBytes: avail * frsize, totalBytes: blocks * frsize };
    } else if (f[0] === 'img' && f.length === 5) {
      const [size, blocks, unit] = f.slice(2).map(Number) as [number, number, number];
      const name = (f[1] ?? '').replace(/^.*\//, '').replace(/\.img$/, '');
      if ([size, blocks, unit].every(Number.isFinite)) images.push({ name, capBytes: size, allocatedBytes: blocks * unit });
    }
  }
  return stat && { stat, images };
}

/** Host script printing what parseDiskUsage reads: the folder's statvfs and every sandbox image's size and blocks. */
export function usageScript(dirQuoted: string): string {
  return `mkdir -p ${dirQuoted} && stat -f -c 'fs %a %S %b' ${dirQuoted} || exit 1
for f in ${dirQuoted}/dockhand-*.img; do [ -e "$f" ] && stat -c 'img %n %s %b %B' "$f"; done; exit 0
`;
}

export const HOST_DISK_FULL_MESSAGE = 'The host is out of disk space for new sandboxes right now, so I could not start yours. Please try again later; your progress is kept.';

export interface DiskReservationOptions {
  measure(): Promise<DiskUsage>;
  capBytes: number;
  dir: string;
  logger: Logger;
}

/** Reserves a new disk's cap against the host's free space; one decision at a time so two starts cannot both take the last room. */
export class DiskReservation {
  /** Disks being set up whose image may not be listed yet, by name: counted at their full cap. */
  private readonly pending = new Map<string, number>();
  private queue: Promise<unknown> = Promise.resolve();
  private refusalCount = 0;
  private last?: DiskUsage;
  private capBytes: number;

  constructor(private readonly o: DiskReservationOptions) {
    this.capBytes = o.capBytes;
  }

  /** Throws SANDBOX_HOST_DISK_FULL (the learner's message) when the cap does not fit; else holds it until settle(name). */
  reserve(name: string): Promise<void> {
    const run = this.queue.then(async () => {
      const u = await this.o.measure();
      const listed = new Set(u.images.map((i) => i.name));
      const withPending: DiskUsage = { stat: u.stat, images: [...u.images, ...[...this.pending].filter(([n]) => !listed.has(n)).map(([n, cap]) => ({ name: n, capBytes: cap, allocatedBytes: 0 }))] };
      this.last = withPending;
      if (!reservationFits(withPending, this.capBytes)) {
        this.refusalCount++;
        this.o.logger.warn(
          { availBytes: u.stat.availBytes, promisedBytes: outstandingBytes(withPending.images), marginBytes: safetyMarginBytes(u.stat.totalBytes), capBytes: this.capBytes, disks: withPending.images.length },
          `host disk reservation: a new ${bytesText(this.capBytes)} sandbox disk does not fit in ${this.o.dir} (${bytesText(Math.max(0, spareBytes(withPending)))} spare); the sandbox was refused`,
        );
        throw new AppError('SANDBOX_HOST_DISK_FULL', HOST_DISK_FULL_MESSAGE);
      }
      this.pending.set(name, this.capBytes);
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** The disk is set up (its image is listed from now on) or was given up. */
  settle(name: string): void {
    this.pending.delete(name);
  }

  /** The cap each new disk gets (and is reserved at), MiB. */
  get capMb(): number {
    return Math.round(this.capBytes / 1024 ** 2);
  }

  /**
   * At start: the warning line when the sandbox cap promises more disk than the host has. With `auto`
   * (SANDBOX_DISK_MB=auto), the cap is sized to the host first (disk-sizing.ts) and kept for every new disk.
   */
  async checkCapacity(maxSandboxes: number, auto?: DiskSizingBounds): Promise<{ fitting: number; capMb: number; maxSandboxes: number; warning?: string }> {
    const u = await this.o.measure();
    this.last = u;
    if (auto) {
      const s = autoDiskSize(u, maxSandboxes, auto, this.o.dir);
      this.capBytes = s.capMb * 1024 ** 2;
      if (s.warning) this.o.logger.warn({ capMb: s.capMb, maxSandboxes: s.maxSandboxes, configured: maxSandboxes, availBytes: u.stat.availBytes }, s.warning);
      else this.o.logger.info({ capMb: s.capMb, maxSandboxes, availBytes: u.stat.availBytes }, `Disk: each sandbox gets ${bytesText(this.capBytes)} (SANDBOX_DISK_MB=auto, ${maxSandboxes} sandboxes sharing ${this.o.dir})`);
      return { fitting: s.maxSandboxes, capMb: s.capMb, maxSandboxes: s.maxSandboxes, warning: s.warning };
    }
    const r = startupCapacity(u, this.capBytes, maxSandboxes, this.o.dir);
    if (r.warning) this.o.logger.warn({ fitting: r.fitting, maxSandboxes, availBytes: u.stat.availBytes }, r.warning);
    return { ...r, capMb: this.capMb, maxSandboxes };
  }

  /** For the metrics: as of the last measurement. */
  stats(): { availBytes: number; promisedBytes: number; refusals: number } | undefined {
    return this.last && { availBytes: this.last.stat.availBytes, promisedBytes: outstandingBytes(this.last.images), refusals: this.refusalCount };
  }
}

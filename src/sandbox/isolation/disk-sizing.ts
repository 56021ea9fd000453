import { bytesText, outstandingBytes, safetyMarginBytes, spareBytes, type DiskUsage } from './disk-reservation';

const MIB = 1024 ** 2;
/** Caps are whole multiples of this, so the number a learner reads stays round. */
const STEP_MB = 256;

export interface DiskSizingBounds {
  /** What the course needs in one sandbox (COURSE_DISK_FLOOR_MB): never less. */
  floorMb: number;
  /** Never more (AUTO_DISK_CEILING_MB). */
  ceilingMb: number;
}

export interface DiskSizing {
  capMb: number;
  /** The sandboxes allowed at once: the configured count, or fewer when even the floor does not fit them all. */
  maxSandboxes: number;
  warning?: string;
}

/**
 * `SANDBOX_DISK_MB=auto`, at start: the space that can be promised to new disks (free minus the safety margin
 * minus what existing disks may still grow by) shared by the sandboxes that have no disk yet, rounded down to
 * 256 MiB and clamped to [floor, ceiling]. Existing disks (this instance's adopted sandboxes, other instances')
 * keep their own caps and count as sandboxes that have one. Decision: when even the floor does not fit them all,
 * the cap stays at the floor (a smaller disk fails the course) and the count drops to what fits, at least one so
 * a learner past it reads "the host is out of disk" rather than waiting in a line that never moves.
 */
export function autoDiskSize(u: DiskUsage, maxSandboxes: number, bounds: DiskSizingBounds, dir: string): DiskSizing {
  const spare = Math.max(0, spareBytes(u));
  const withoutDisk = Math.max(1, maxSandboxes - u.images.length);
  const shareMb = Math.floor(spare / withoutDisk / MIB / STEP_MB) * STEP_MB;
  const capMb = Math.min(bounds.ceilingMb, Math.max(bounds.floorMb, shareMb));
  const fitting = u.images.length + Math.floor(spare / (capMb * MIB));
  if (fitting >= maxSandboxes) return { capMb, maxSandboxes };
  const effective = Math.max(1, fitting);
  return {
    capMb,
    maxSandboxes: effective,
    warning:
      `Disk: ${maxSandboxes} sandboxes x ${bytesText(capMb * MIB)} (SANDBOX_MAX_COUNT x the smallest disk the course needs, SANDBOX_DISK_MB=auto) is more than ${dir} can hold ` +
      `(${bytesText(u.stat.availBytes)} free, ${bytesText(safetyMarginBytes(u.stat.totalBytes))} kept as a safety margin, ${bytesText(outstandingBytes(u.images))} promised to existing disks): ` +
      `at most ${effective} sandboxes run at once. Free space, or set SANDBOX_MAX_COUNT and SANDBOX_DISK_MB yourself.`,
  };
}

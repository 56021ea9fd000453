import { AUTO_DISK_CEILING_MB, COURSE_DISK_FLOOR_MB, type SandboxConfig } from '../../config';
import type { Logger } from '../../logger';
import type { DiskReservation } from './disk-reservation';

/**
 * The disk cap against the host's free space, once at start. With SANDBOX_DISK_MB=auto the sized cap (and the
 * count, if even the floor does not fit) become the configuration's effective values: the allocator, the
 * disk-full notices and the capacity gauge read them from this same object.
 */
export async function sizeDisks(disk: DiskReservation, config: SandboxConfig, logger: Logger): Promise<void> {
  const auto = config.diskAuto ? { floorMb: COURSE_DISK_FLOOR_MB, ceilingMb: AUTO_DISK_CEILING_MB } : undefined;
  try {
    const r = await disk.checkCapacity(config.maxSandboxes, auto);
    if (!auto) return;
    config.diskMb = r.capMb;
    config.maxSandboxes = r.maxSandboxes;
    config.warmPool = Math.min(config.warmPool, config.warmPoolAuto ? Math.max(1, Math.floor(r.maxSandboxes / 4)) : r.maxSandboxes);
  } catch (err) {
    // auto keeps the reservation's cap until sized (the floor); the reservation still refuses what does not fit.
    if (auto) config.diskMb = disk.capMb;
    logger.warn({ err }, 'could not compare the disk cap with the free space');
  }
}

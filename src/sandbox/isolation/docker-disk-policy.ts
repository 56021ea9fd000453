import type Docker from 'dockerode';
import { sweepable } from './cgroup-delegation';
import type { DiskReservation } from './disk-reservation';
import { diskListingScript, parseDiskLeftovers } from './disk-sweep';
import { runHostScript, type EngineHostShell } from '../engine/engine-host';
import { hostConfigOf, type SandboxPolicy } from './sandbox-policy';
import { shellQuote } from '../shell/shell-quote';

/** Label naming a sandbox's own engine volume, so remove() takes it along. */
export const LABEL_VOLUME = 'dockhand.volume';

/**
 * The nested /var/lib/docker. With `sizeMb`: a size-capped tmpfs volume (counts against memory), labelled
 * like the sandbox so the orphan sweep finds it. Without: an anonymous volume on the host disk, removed with
 * the container (remove v: true).
 */
export function dockerDiskPolicy(docker: Docker, sizeMb: number | undefined): SandboxPolicy {
  return {
    name: 'docker-disk',
    async apply(spec, ctx) {
      if (!sizeMb) {
        hostConfigOf(spec).Mounts = [];
        spec.Volumes = { '/var/lib/docker': {} };
        return;
      }
      const name = `dockhand-${ctx.instance}-${ctx.createdAt}-${Math.random().toString(36).slice(2, 8)}`;
      await docker.createVolume({ Name: name, Driver: 'local', DriverOpts: { type: 'tmpfs', device: 'tmpfs', o: `size=${sizeMb}m` }, Labels: ctx.labels });
      spec.Labels = { ...spec.Labels, [LABEL_VOLUME]: name };
      hostConfigOf(spec).Mounts = [{ Type: 'volume', Source: name, Target: '/var/lib/docker' }];
      spec.Volumes = {};
      return async () => {
        await docker.getVolume(name).remove().catch(() => undefined);
      };
    },
  };
}

/** Label naming a sandbox's capped disk (`<dir>/<name>.img`, mounted on `<dir>/<name>`). */
export const LABEL_DISK = 'dockhand.disk';
export const DEFAULT_DISK_DIR = '/var/lib/dockhand/disks';
/** The learner's writable folders, moved onto the capped disk by the entrypoint (DOCKHAND_DISK_BINDS). */
export const DISK_BOUND_PATHS = ['/root', '/home', '/tmp', '/var/tmp', '/srv', '/opt'];

/** "8 GiB" for whole GiB, else "300 MiB": the size the learner is told about. */
export function diskSizeText(mb: number): string {
  return mb % 1024 === 0 ? `${mb / 1024} GiB` : `${mb} MiB`;
}

export interface LoopDiskOptions {
  host: EngineHostShell;
  /** Folder on the engine host holding the images and their mount points. */
  dir: string;
  sizeMb: number;
  /** Host ids of the sandbox's root (the remap base under `userns`, else 0). */
  owner: { uid: number; gid: number };
  /** Sanitised instance: names are `dockhand-<instance>-<created>-<random>`. */
  instance: string;
  /** Checks each new disk's cap against the host's free space first (disk-reservation.ts). */
  reservation?: DiskReservation;
}

/**
 * Mount options of a sandbox disk: `discard` makes ext4 discard freed blocks, which a loop device backed by a
 * sparse file turns into punched holes, so a learner's deleted files give their space back to the host (without
 * it the image only grows: `fstrim` is refused inside the sandbox). Not `nodev,nosuid`: flags the host sets are
 * locked for the sandbox's user namespace, and the nested dockerd's own read-only remounts (`docker cp` from a
 * container with a `:ro` volume) do not repeat them, so they fail with EPERM. The host is kept from the disk's
 * contents otherwise: its folder is root's alone (0700), and under `userns` a device node or set-uid file made
 * there belongs to the sandbox's unprivileged host user.
 */
export const DISK_MOUNT_OPTIONS = 'loop,discard';


/** Creates, formats and mounts the image (sparse: the host disk fills only as the learner writes). */
export function diskSetupScript(o: Pick<LoopDiskOptions, 'dir' | 'sizeMb' | 'owner'>, name: string): string {
  const img = shellQuote(`${o.dir}/${name}.img`);
  const mnt = shellQuote(`${o.dir}/${name}`);
  return `set -eu
mkdir -p ${shellQuote(o.dir)} ${mnt}
chmod 700 ${shellQuote(o.dir)}
truncate -s ${o.sizeMb}M ${img}
mkfs.ext4 -q -F -m 0 -O ^has_journal -E root_owner=${o.owner.uid}:${o.owner.gid} ${img}
mount -o ${DISK_MOUNT_OPTIONS} ${img} ${mnt}
rmdir ${mnt}/lost+found 2>/dev/null || true
`;
}

/**
 * Unmounts (lazily when still busy; `mount -o loop` frees the loop device with the last user), detaches the loop
 * devices still backed by the image (`loops`: ones found by path, whose image may already be deleted), deletes it.
 */
export function diskRemovalScript(dir: string, name: string, loops: readonly string[] = []): string {
  const img = shellQuote(`${dir}/${name}.img`);
  const mnt = shellQuote(`${dir}/${name}`);
  const devs = loops.filter((l) => /^\/dev\/loop\d+$/.test(l)).join(' ');
  return `if mountpoint -q ${mnt}; then umount ${mnt} 2>/dev/null || umount -l ${mnt}; fi
for l in $(losetup -j ${img} 2>/dev/null | cut -d: -f1) ${devs}; do losetup -d "$l" 2>/dev/null; done
rmdir ${mnt} 2>/dev/null; rm -f ${img}; [ ! -e ${img} ]
`;
}

/**
 * SANDBOX_DISK_MB: everything a learner can write lands on one ext4 image of that size, loop-mounted on the
 * engine host and bound onto the sandbox's /var/lib/docker (nested images, containers, volumes, build cache).
 * The container's own root filesystem is read-only; the entrypoint binds the learner's folders
 * (DOCKHAND_DISK_BINDS: /root, /tmp, ...) from `/var/lib/docker/.dockhand/` on the same disk, and the few
 * system paths that must be writable are small tmpfs mounts (counted in the memory limit).
 * Why a loop-mounted image: the host here is overlay2 on ext4 without project quotas (overlay2's `size`
 * option needs xfs+pquota), a tmpfs cap would spend memory, and a filesystem of its own is a hard cap that
 * holds for every writer, the nested engine included; a full disk says ENOSPC to the learner only.
 */
export function loopDiskPolicy(o: LoopDiskOptions): SandboxPolicy {
  const hostBinds = [`${o.dir}:${o.dir}:rw`, '/dev:/dev'];
  const remove = (name: string, loops?: string[]) => runHostScript(o.host, 'disk removal', diskRemovalScript(o.dir, name, loops), hostBinds, true).then(() => undefined);
  return {
    name: 'loop-disk',
    async apply(spec, ctx) {
      const name = `dockhand-${o.instance}-${ctx.createdAt.toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
      await o.reservation?.reserve(name);
      try {
        // The reservation's cap: with SANDBOX_DISK_MB=auto it is sized at start, after this policy was built.
        const sizeMb = o.reservation?.capMb ?? o.sizeMb;
        await runHostScript(o.host, 'disk set-up', diskSetupScript({ ...o, sizeMb }, name), hostBinds, true).catch(async (err: unknown) => {
          await remove(name).catch(() => undefined);
          throw err;
        });
      } finally {
        o.reservation?.settle(name);
      }
      spec.Labels = { ...spec.Labels, [LABEL_DISK]: name };
      spec.Volumes = {};
      spec.Env = [...(spec.Env ?? []), `DOCKHAND_DISK_BINDS=${DISK_BOUND_PATHS.join(' ')}`];
      const hc = hostConfigOf(spec);
      hc.Mounts = [];
      hc.Binds = [...(hc.Binds ?? []), `${o.dir}/${name}:/var/lib/docker:rw`];
      hc.ReadonlyRootfs = true;
      hc.Tmpfs = { ...hc.Tmpfs, '/var/log': 'rw,size=32m', '/etc/docker': 'rw,size=1m' };
      return () => remove(name);
    },
    async release(labels) {
      const name = labels[LABEL_DISK];
      if (name) await remove(name);
    },
    async sweep(live, { since }) {
      const keep = new Set(live.map((l) => l[LABEL_DISK]).filter(Boolean));
      const found = parseDiskLeftovers(await runHostScript(o.host, 'disk sweep listing', diskListingScript(o.dir), hostBinds, true));
      let freed = 0;
      for (const name of found.names) {
        if (keep.has(name) || !sweepable(name, o.instance, Date.now(), undefined, since)) continue;
        if (await remove(name, found.loops.get(name)).then(() => true, () => false)) freed++;
      }
      return freed;
    },
  };
}

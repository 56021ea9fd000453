import type Docker from 'dockerode';
import { hostConfigOf, type SandboxPolicy } from './sandbox-policy';

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

import { MIRROR_CONTAINER } from '../../src/sandbox/images';
import { profileHostConfig } from '../../src/sandbox/sandbox-profile';
import { IMAGES_TIMEOUT_MS, docker, newManager, sandboxImages } from './sandbox-fixture';

beforeAll(async () => {
  await sandboxImages();
}, IMAGES_TIMEOUT_MS);

describe('sandbox runtime', () => {
  it('maps each security profile to its engine settings, the test profile being the only one with a host path', () => {
    expect(profileHostConfig('privileged')).toEqual({ Privileged: true });
    expect(profileHostConfig('sysbox')).toEqual({ Runtime: 'sysbox-runc' });
    const t = profileHostConfig('test-host-cgroup');
    expect(t).toMatchObject({ CapAdd: ['ALL'], CapDrop: ['SYS_RESOURCE'], Binds: ['/sys/fs/cgroup:/sys/fs/cgroup:rw'], DeviceCgroupRules: ['a *:* rwm'] });
    expect(t.Privileged).toBeUndefined();
  });

  it('blocks egress on request while the offline mirror stays reachable', async () => {
    const { manager, instance } = await newManager('egress', { blockEgress: true }, { mirrorContainer: MIRROR_CONTAINER });
    await manager.start();
    try {
      const out = await manager.run('T1:closed', 'timeout 3 bash -c "echo > /dev/tcp/1.1.1.1/80" 2>/dev/null && echo open || echo blocked', { timeoutMs: 10000 });
      expect(out.output).toBe('blocked');
      const pull = await manager.run('T1:closed', 'docker pull -q busybox >/dev/null && docker run --rm busybox echo pulled', { timeoutMs: 60000 });
      expect(pull.output).toBe('pulled');
      const info = await docker.getContainer(manager.containerIdOf('T1:closed')!).inspect();
      expect(Object.keys(info.NetworkSettings.Networks)).toEqual([`dockhand-${instance}-no-egress`]);
    } finally {
      await manager.destroyAll();
    }
    const nets = await docker.listNetworks({ filters: { name: [`dockhand-${instance}-no-egress`] } });
    expect(nets).toHaveLength(0);
  }, 90000);
});

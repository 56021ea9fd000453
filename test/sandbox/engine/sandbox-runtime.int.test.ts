import { MIRROR_CONTAINER } from '../../../src/images/images';
import { profileHostConfig } from '../../../src/sandbox/isolation/sandbox-profile';
import { IMAGES_TIMEOUT_MS, docker, newManager, sandboxImages } from '../sandbox-fixture';

beforeAll(async () => {
  await sandboxImages();
}, IMAGES_TIMEOUT_MS);

describe('sandbox runtime', () => {
  it('maps each security profile to its engine settings, the test profile being the only one with a host path', () => {
    expect(profileHostConfig('privileged')).toEqual({ Privileged: true, UsernsMode: 'host' });
    expect(profileHostConfig('sysbox')).toEqual({ Runtime: 'sysbox-runc' });
    const t = profileHostConfig('test-host-cgroup');
    expect(t).toMatchObject({ CapAdd: ['ALL'], CapDrop: ['SYS_RESOURCE'], Binds: ['/sys/fs/cgroup:/sys/fs/cgroup:rw'], DeviceCgroupRules: ['a *:* rwm'] });
    expect(t.Privileged).toBeUndefined();
  });

  it('blocks egress by putting the sandbox on its own internal network, where the offline mirror stays reachable', async () => {
    const { manager, instance } = await newManager('egress', { blockEgress: true }, { mirrorContainer: MIRROR_CONTAINER });
    await manager.start();
    let network: string;
    try {
      const pull = await manager.run('T1:closed', 'docker pull -q busybox >/dev/null && docker run --rm busybox echo pulled', { timeoutMs: 60000 });
      expect(pull.output).toBe('pulled');
      const info = await docker.getContainer(manager.containerIdOf('T1:closed')!).inspect();
      network = Object.keys(info.NetworkSettings.Networks)[0] ?? '';
      expect(Object.keys(info.NetworkSettings.Networks)).toHaveLength(1);
      // no route out: asserted on the network, not by probing an outside address
      const net = await docker.getNetwork(network!).inspect();
      expect(net.Internal).toBe(true);
      expect(net.Labels).toMatchObject({ 'dockhand.app': 'dockhand', 'dockhand.instance': instance });
    } finally {
      await manager.destroyAll();
    }
    await expect(docker.getNetwork(network).inspect()).rejects.toMatchObject({ statusCode: 404 });
  }, 90000);
});

import type Docker from 'dockerode';
import { dockerDiskPolicy } from '../../../src/sandbox/isolation/docker-disk-policy';
import { applyPolicies, type PolicyContext, type SandboxPolicy } from '../../../src/sandbox/isolation/sandbox-policy';
import { engineCapabilityPolicy, engineMajor, profileHostConfig, profilePolicy } from '../../../src/sandbox/isolation/sandbox-profile';
import { seccompSecurityOpt } from '../../../src/sandbox/isolation/seccomp-profile';

const ctx: PolicyContext = { instance: 'i', learnerKey: 'L', role: 'learner', createdAt: 42, labels: { 'dockhand.app': 'dockhand' } };

describe('sandbox profile and policies', () => {
  it('maps each security profile; only the test profile mounts a host path', () => {
    expect(profileHostConfig('privileged')).toEqual({ Privileged: true, UsernsMode: 'host' });
    const u = profileHostConfig('userns');
    expect(u).toMatchObject({ CapAdd: ['ALL'], SecurityOpt: [seccompSecurityOpt(), 'apparmor=unconfined'], MaskedPaths: ['/proc/keys', '/proc/key-users'], ReadonlyPaths: [], Tmpfs: { '/run': '', '/var/run': '' } });
    expect(u.Privileged).toBeUndefined();
    expect(u.Binds).toBeUndefined();
    expect(u.UsernsMode).toBeUndefined();
    expect(profileHostConfig('sysbox')).toEqual({ Runtime: 'sysbox-runc' });
    expect(profileHostConfig('test-host-cgroup').SecurityOpt).toEqual(u.SecurityOpt);
    expect(profileHostConfig('test-host-cgroup')).toMatchObject({ Binds: ['/sys/fs/cgroup:/sys/fs/cgroup:rw'], CapDrop: ['SYS_RESOURCE'], UsernsMode: 'host' });
  });

  it('drops CAP_SYS_RESOURCE only on engines before 23 (newer ones refuse to drop what they lack)', async () => {
    expect(engineMajor('20.10.24+dfsg1')).toBe(20);
    expect(engineMajor('26.1.5')).toBe(26);
    expect(engineMajor(undefined)).toBe(0);
    expect(engineCapabilityPolicy('20.10.24+dfsg1')).toBeUndefined();
    expect(engineCapabilityPolicy(undefined)).toBeUndefined();
    const spec: Docker.ContainerCreateOptions = { Image: 'x' };
    await applyPolicies(spec, [profilePolicy({ profile: 'userns', memoryMb: 512, cpus: 1, pidsLimit: 300 }), engineCapabilityPolicy('26.1.5')!], ctx);
    expect(spec.HostConfig?.CapAdd).toEqual(['ALL']);
    expect(spec.HostConfig?.CapDrop).toBeUndefined();
    const other: Docker.ContainerCreateOptions = { Image: 'x', HostConfig: { CapDrop: ['NET_RAW', 'SYS_RESOURCE'] } };
    await applyPolicies(other, [engineCapabilityPolicy('27.0.1')!], ctx);
    expect(other.HostConfig?.CapDrop).toEqual(['NET_RAW']);
  });

  it('the profile policy adds the profile and the memory, swap, CPU and pids limits', async () => {
    const spec: Docker.ContainerCreateOptions = { Image: 'x' };
    await applyPolicies(spec, [profilePolicy({ profile: 'privileged', memoryMb: 512, cpus: 1.5, pidsLimit: 300 })], ctx);
    expect(spec.HostConfig).toEqual({ Privileged: true, UsernsMode: 'host', Memory: 512 * 1024 * 1024, MemorySwap: 512 * 1024 * 1024, NanoCpus: 1.5e9, PidsLimit: 300 });
  });

  it('applies policies in order and undoes the earlier ones when a later one fails', async () => {
    const log: string[] = [];
    const p = (name: string, fail = false): SandboxPolicy => ({
      name,
      apply: async () => {
        if (fail) throw new Error(`${name} failed`);
        log.push(`apply ${name}`);
        return async () => void log.push(`undo ${name}`);
      },
    });
    await expect(applyPolicies({}, [p('a'), p('b'), p('c', true)], ctx)).rejects.toThrow('c failed');
    expect(log).toEqual(['apply a', 'apply b', 'undo b', 'undo a']);
  });

  it('the engine disk is an anonymous volume by default, or a labelled tmpfs volume removed on undo', async () => {
    const created: unknown[] = [];
    const removedVolumes: string[] = [];
    const docker = {
      createVolume: async (o: unknown) => void created.push(o),
      getVolume: (name: string) => ({ remove: async () => void removedVolumes.push(name) }),
    } as unknown as Docker;
    const plain: Docker.ContainerCreateOptions = {};
    await applyPolicies(plain, [dockerDiskPolicy(docker, undefined)], ctx);
    expect(plain).toEqual({ HostConfig: { Mounts: [] }, Volumes: { '/var/lib/docker': {} } });
    expect(created).toEqual([]);

    const sized: Docker.ContainerCreateOptions = { Labels: { a: 'b' } };
    const undo = await applyPolicies(sized, [dockerDiskPolicy(docker, 48)], ctx);
    const name = sized.Labels!['dockhand.volume']!;
    expect(name).toMatch(/^dockhand-i-42-/);
    expect(created).toEqual([expect.objectContaining({ Name: name, DriverOpts: { type: 'tmpfs', device: 'tmpfs', o: 'size=48m' }, Labels: ctx.labels })]);
    expect(sized.HostConfig?.Mounts).toEqual([{ Type: 'volume', Source: name, Target: '/var/lib/docker' }]);
    await undo();
    expect(removedVolumes).toEqual([name]);
  });
});

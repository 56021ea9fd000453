import type Docker from 'dockerode';
import { ENGINE_SOCKET_DIR } from '../../../src/sandbox/checks/engine-socket';
import { checkCommand, checkEnv, inspectorSpec, netSetupScript, LABEL_OWNER, sandboxFacts, seedFile, SEED_DIR, storeSeedScript, withSeed } from '../../../src/sandbox/checks/inspector-spec';

const labels = { 'dockhand.app': 'dockhand', 'dockhand.instance': 'i1', 'dockhand.role': 'inspector' };

function inspectInfo(over: { mounts?: Partial<Docker.ContainerInspectInfo['Mounts'][number]>[]; userns?: string; runtime?: string; network?: string } = {}): Docker.ContainerInspectInfo {
  return {
    Id: 'abc123',
    Name: '/dockhand-i1-T1-U1-xyz',
    Mounts: over.mounts ?? [],
    HostConfig: { UsernsMode: over.userns ?? '', Runtime: over.runtime ?? 'runc', NetworkMode: over.network ?? 'default' },
    NetworkSettings: { Networks: over.network ? { bridge: { IPAddress: '172.17.0.9' }, [over.network]: { IPAddress: '10.213.0.3' } } : {} },
  } as unknown as Docker.ContainerInspectInfo;
}

describe('the check inspector of a sandbox', () => {
  it('binds the capped disk read-only at /var/lib/docker, never a path inside it', () => {
    const facts = sandboxFacts(
      inspectInfo({
        mounts: [
          { Type: 'bind', Source: '/sys/fs/cgroup/memory/dockhand-x', Destination: '/sys/fs/cgroup/memory' },
          { Type: 'bind', Source: '/var/lib/dockhand/disks/dockhand-i1-1', Destination: '/var/lib/docker' },
        ],
      }),
    );
    expect(facts.data).toEqual({ type: 'bind', source: '/var/lib/dockhand/disks/dockhand-i1-1' });
    const spec = inspectorSpec(facts, { image: 'dockhand/inspector:1', labels });
    expect(spec.HostConfig!.Binds).toEqual(['/var/lib/dockhand/disks/dockhand-i1-1:/var/lib/docker:ro']);
    expect(spec.HostConfig!.Mounts).toBeUndefined();
  });

  it('mounts the engine volume read-only when there is no disk cap', () => {
    const facts = sandboxFacts(inspectInfo({ mounts: [{ Type: 'volume', Name: 'v0c43', Source: '/var/lib/docker/100000.100000/volumes/v0c43/_data', Destination: '/var/lib/docker' }] }));
    const spec = inspectorSpec(facts, { image: 'dockhand/inspector:1', labels });
    expect(spec.HostConfig!.Mounts).toEqual([{ Type: 'volume', Source: 'v0c43', Target: '/var/lib/docker', ReadOnly: true }]);
    expect(spec.HostConfig!.Binds).toBeUndefined();
  });

  it('mounts the engine socket volume read-only, and has no engine without one', () => {
    const facts = sandboxFacts(inspectInfo({ mounts: [{ Type: 'volume', Name: 'sock1', Destination: ENGINE_SOCKET_DIR }] }));
    expect(facts.engineSocket).toBe('sock1');
    expect(inspectorSpec(facts, { image: 'i', labels }).HostConfig!.Mounts).toContainEqual({ Type: 'volume', Source: 'sock1', Target: ENGINE_SOCKET_DIR, ReadOnly: true });
    expect(JSON.stringify(inspectorSpec(sandboxFacts(inspectInfo()), { image: 'i', labels }).HostConfig!.Mounts ?? [])).not.toContain(ENGINE_SOCKET_DIR);
  });

  it('has its own network namespace on the sandbox network, loopback TCP sent on to the sandbox address', () => {
    const facts = sandboxFacts(inspectInfo({ network: 'dockhand-net-1' }));
    expect(facts.network).toEqual({ name: 'dockhand-net-1', ip: '10.213.0.3' });
    const hc = inspectorSpec(facts, { image: 'i', labels }).HostConfig as Docker.HostConfig & { Sysctls?: Record<string, string> };
    expect(hc.NetworkMode).toBe('dockhand-net-1');
    expect(hc.Sysctls).toEqual({ 'net.ipv4.conf.all.route_localnet': '1' });
    expect(netSetupScript('10.213.0.3')).toContain('-d 127.0.0.1 -j DNAT --to-destination 10.213.0.3');
    expect(() => netSetupScript('10.0.0.1; rm -rf /')).toThrow();
    expect(inspectorSpec(sandboxFacts(inspectInfo()), { image: 'i', labels }).HostConfig!.NetworkMode).toBe('none');
  });

  it('never shares a namespace with the sandbox, with no capabilities, a read-only root and its own limits', () => {
    const spec = inspectorSpec(sandboxFacts(inspectInfo({ userns: 'host', runtime: 'sysbox-runc' })), { image: 'dockhand/inspector:1', labels });
    const hc = spec.HostConfig as Docker.HostConfig & { Runtime?: string };
    expect(hc.NetworkMode).not.toMatch(/^container:/);
    expect(hc.PidMode).toBeUndefined();
    expect(hc.IpcMode).toBeUndefined();
    expect(hc.Privileged).toBeUndefined();
    expect(hc.CapAdd).toBeUndefined();
    expect(hc.CapDrop).toEqual(['ALL']);
    expect(hc.SecurityOpt).toEqual(['no-new-privileges']);
    expect(hc.ReadonlyRootfs).toBe(true);
    expect(Object.keys(hc.Tmpfs ?? {}).sort()).toEqual(['/run/dockhand', '/tmp', '/var/lib/docker']);
    expect(hc.Memory).toBeGreaterThan(0);
    expect(hc.PidsLimit).toBeGreaterThan(0);
    // the sandbox's own ids and runtime, so its root owns the learner's files without any capability
    expect(hc.UsernsMode).toBe('host');
    expect(hc.Runtime).toBe('sysbox-runc');
    expect(spec.Labels).toEqual({ ...labels, [LABEL_OWNER]: 'abc123' });
    expect(spec.name).toBe('dockhand-i1-T1-U1-xyz-inspector');
    expect(spec.User).toBe('0:0');
  });

  it('starts every check from a fixed environment: trusted PATH, the nested engine, no config from the learner', () => {
    const env = checkEnv();
    expect(env).toContain('PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin');
    expect(env).toContain(`DOCKER_HOST=unix://${ENGINE_SOCKET_DIR}/docker.sock`);
    expect(env).toContain('DOCKER_CONFIG=/etc/dockhand/docker-config');
    expect(env.some((e) => /^(BASH_ENV|ENV|LD_PRELOAD|LD_LIBRARY_PATH)=/.test(e))).toBe(false);
    expect(inspectorSpec(sandboxFacts(inspectInfo()), { image: 'i', labels }).Env).toEqual(env);
  });

  it('runs a check with trusted timeout and bash by absolute path, without start-up files', () => {
    expect(checkCommand('echo hi', 15_000)).toEqual(['/usr/bin/timeout', '-k', '1', '16', '/bin/bash', '--noprofile', '--norc', '-c', 'echo hi']);
  });
});

describe('seeds', () => {
  it('keeps every seed inside the seed folder, whatever its name', () => {
    for (const name of ['numbers.mean', '../../etc/passwd', '/abs', "a'b;rm -rf /", '', '..']) {
      const file = seedFile(name);
      expect(file.startsWith(`${SEED_DIR}/`)).toBe(true);
      expect(file.slice(SEED_DIR.length + 1)).toMatch(/^[a-zA-Z0-9_][a-zA-Z0-9_.-]*$/);
    }
    expect(seedFile('numbers-in-a-container.mean')).toBe(`${SEED_DIR}/numbers-in-a-container.mean`);
  });

  it('gives a seeded check its value as DOCKHAND_SEED, and leaves other checks alone', () => {
    expect(withSeed('exit 0', undefined)).toBe('exit 0');
    expect(withSeed('test -n "$DOCKHAND_SEED"', 'l.s')).toBe(`DOCKHAND_SEED=$(cat '${SEED_DIR}/l.s' 2>/dev/null); export DOCKHAND_SEED\ntest -n "$DOCKHAND_SEED"`);
  });

  it('stores digits only', () => {
    expect(storeSeedScript('l.s', '42')).toBe(`mkdir -p '${SEED_DIR}' && printf '%s' '42' > '${SEED_DIR}/l.s'`);
    expect(() => storeSeedScript('l.s', "1'; touch /x; '")).toThrow();
  });
});

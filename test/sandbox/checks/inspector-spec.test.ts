import type Docker from 'dockerode';
import { ENGINE_SOCKET_DIR } from '../../../src/sandbox/checks/engine-socket';
import { CHECK_PRELUDE, checkCommand, checkEnv, inspectorSpec, linkScript, LABEL_OWNER, sandboxFacts, seedFile, SEED_DIR, storeSeedScript, withSeed } from '../../../src/sandbox/checks/inspector-spec';

const labels = { 'dockhand.app': 'dockhand', 'dockhand.instance': 'i1', 'dockhand.role': 'inspector' };

function inspectInfo(over: { mounts?: Partial<Docker.ContainerInspectInfo['Mounts'][number]>[]; userns?: string; runtime?: string } = {}): Docker.ContainerInspectInfo {
  return {
    Id: 'abc123',
    Name: '/dockhand-i1-T1-U1-xyz',
    Mounts: over.mounts ?? [],
    HostConfig: { UsernsMode: over.userns ?? '', Runtime: over.runtime ?? 'runc' },
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

  it('has its own network namespace, linked to the sandbox by a veth pair; loopback TCP sent on to the sandbox', () => {
    const hc = inspectorSpec(sandboxFacts(inspectInfo()), { image: 'i', labels }).HostConfig as Docker.HostConfig & { Sysctls?: Record<string, string> };
    expect(hc.NetworkMode).toBe('none');
    expect(hc.Sysctls).toEqual({ 'net.ipv4.conf.all.route_localnet': '1' });
    const [sid, iid] = ['a'.repeat(64), 'b'.repeat(64)];
    const script = linkScript({ pid: 100, id: sid }, { pid: 200, id: iid });
    expect(script).toContain('ip link add dh-check0 netns 200 type veth peer name dh-check0 netns 100');
    expect(script).toContain(`grep -q ${sid} /proc/100/cgroup`);
    expect(script).toContain('-n /usr/sbin/iptables -w -t nat -A OUTPUT -o lo -p tcp -d 127.0.0.1 -j DNAT --to-destination 169.254.213.1');
    expect(script).toContain('-t 200 -n /usr/sbin/ip route replace default via 169.254.213.1');
    expect(() => linkScript({ pid: 1, id: sid }, { pid: 200, id: iid })).toThrow();
    expect(() => linkScript({ pid: 100, id: 'x; rm -rf /' }, { pid: 200, id: iid })).toThrow();
  });

  it('links without a helper container as root on the engine host, with the image\'s tools from the inspector\'s own filesystem', () => {
    const [sid, iid] = ['a'.repeat(64), 'b'.repeat(64)];
    const script = linkScript({ pid: 100, id: sid }, { pid: 200, id: iid }, 'local');
    expect(script).toContain(`grep -q ${sid} /proc/100/cgroup`);
    expect(script).toContain(`grep -q ${iid} /proc/200/cgroup`);
    expect(script).toContain('ip link add dh-check0 netns 200 type veth peer name dh-check0 netns 100');
    expect(script).toContain('nsenter --mount=/proc/200/ns/mnt --net=/proc/100/ns/net -- /usr/sbin/iptables -w -t nat -I PREROUTING -i dh-check0');
    expect(script).toContain('nsenter --mount=/proc/200/ns/mnt --net=/proc/200/ns/net -- /usr/sbin/iptables -w -t nat -A OUTPUT -o lo');
    // every rule and address is set with the inspector's binaries, never the sandbox's (the learner's) or the host's
    for (const line of script.split('\n').filter((l) => /iptables|ip (addr|route)|ip link set/.test(l))) expect(line).toMatch(/^nsenter --mount=\/proc\/200\/ns\/mnt /);
    expect(script).not.toContain('/proc/100/ns/mnt');
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
    expect(Object.keys(hc.Tmpfs ?? {}).sort()).toEqual(['/run/dockhand', '/run/dockhand/home', '/tmp', '/var/lib/docker']);
    // the neutral HOME is empty and read-only: no program can plant a config there either
    expect(hc.Tmpfs!['/run/dockhand/home']).toMatch(/^ro,/);
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
    expect(checkCommand('echo hi', 15_000)).toEqual(['/usr/bin/timeout', '-k', '1', '16', '/bin/bash', '--noprofile', '--norc', '-c', 'export -n HOME; HOME=/root\necho hi']);
  });

  it('gives programs a neutral HOME and git settings that outrank a repository\'s fsmonitor and hooks; the shell keeps ~ as the learner\'s', () => {
    const env = checkEnv();
    expect(env).toContain('HOME=/run/dockhand/home');
    expect(env).toContain('LEARNER_HOME=/root');
    expect(env).toContain('PYTHONNOUSERSITE=1');
    const git = Object.fromEntries(env.filter((e) => e.startsWith('GIT_CONFIG_')).map((e) => e.split('=', 2) as [string, string]));
    expect(git).toMatchObject({ GIT_CONFIG_COUNT: '2', GIT_CONFIG_KEY_0: 'core.fsmonitor', GIT_CONFIG_VALUE_0: 'false', GIT_CONFIG_KEY_1: 'core.hooksPath', GIT_CONFIG_VALUE_1: '/dev/null', GIT_CONFIG_GLOBAL: '/dev/null' });
    expect(CHECK_PRELUDE).toBe('export -n HOME; HOME=/root\n');
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

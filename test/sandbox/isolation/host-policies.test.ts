import type Docker from 'dockerode';
import { diskRemovalScript, diskSetupScript, diskSizeText, loopDiskPolicy } from '../../../src/sandbox/isolation/docker-disk-policy';
import { parseRemapFromRoot, parseSubuid, type EngineHostShell } from '../../../src/sandbox/engine/engine-host';
import { profileRefusal } from '../../../src/sandbox/isolation/host-policies';
import { logProbe, probeSandboxProfile, rootReason } from '../../../src/sandbox/engine/profile-probe';
import { AppError } from '../../../src/errors';
import pino from 'pino';
import type { SandboxRuntime } from '../../../src/sandbox/engine/sandbox-runtime';
import type { PolicyContext } from '../../../src/sandbox/isolation/sandbox-policy';

const ctx: PolicyContext = { instance: 'i', learnerKey: 'L', role: 'learner', createdAt: 42, labels: {} };

describe('engine facts and the profile check', () => {
  it('reads the remap ids from the data root, else from /etc/subuid', () => {
    expect(parseRemapFromRoot('/var/lib/docker/100000.100000')).toEqual({ uid: 100000, gid: 100000 });
    expect(parseRemapFromRoot('/var/lib/docker')).toBeUndefined();
    expect(parseSubuid('root:1:2\ndockremap:231072:65536\n')).toEqual({ uid: 231072, gid: 231072 });
    expect(parseSubuid('')).toBeUndefined();
  });

  it('refuses userns on an engine without remap in one line naming the profile that works', () => {
    const none = { userns: false, runtimes: ['runc'] };
    const msg = profileRefusal('userns', none)!;
    expect(msg).toBe(
      'SANDBOX_PROFILE=userns needs an engine started with --userns-remap=default; this engine runs without it: restart dockerd with --userns-remap=default (README, Operators) and use SANDBOX_PROFILE=userns',
    );
    expect(msg).not.toContain('\n');
    expect(profileRefusal('userns', { userns: true, remap: { uid: 1, gid: 1 }, runtimes: [] })).toBeUndefined();
    expect(profileRefusal('userns', { userns: true, runtimes: [] })).toMatch(/remap uid was not found/);
    expect(profileRefusal('sysbox', { userns: true, remap: { uid: 1, gid: 1 }, runtimes: ['runc'] })).toMatch(/sysbox-runc.*use SANDBOX_PROFILE=userns$/);
    expect(profileRefusal('sysbox', { userns: false, runtimes: ['runc', 'sysbox-runc'] })).toBeUndefined();
    expect(profileRefusal('test-host-cgroup', none)).toBeUndefined();
    // the test-machine profile is never offered as the fix
    expect(profileRefusal('sysbox', none)).toMatch(/sysbox-runc.*restart dockerd with --userns-remap=default.*use SANDBOX_PROFILE=userns$/);
    expect(profileRefusal('sysbox', none)).not.toContain('test-host-cgroup');
  });

  it('the start-up probe, when a sandbox cannot start, advises --userns-remap=default, never test-host-cgroup', async () => {
    const runtime = {
      host: async () => ({ facts: { userns: false, runtimes: ['runc'], cgroupVersion: 1, securityOptions: [] } }),
      create: async () => {
        throw new Error('could not create', { cause: new Error('(HTTP code 500) unable to apply caps') });
      },
      remove: async () => undefined,
    } as unknown as SandboxRuntime;
    const err = (await probeSandboxProfile(runtime, { profile: 'privileged' }).catch((e: unknown) => e)) as Error;
    expect(err.message).toBe(
      'SANDBOX_PROFILE=privileged does not work on this engine ((HTTP code 500) unable to apply caps): restart dockerd with --userns-remap=default (README, Operators) and use SANDBOX_PROFILE=userns',
    );
    expect(err.message).not.toContain('test-host-cgroup');
  });

  it('the start-up probe says it did not probe when the disk reservation refuses, and never claims the profile works', async () => {
    const runtime = {
      host: async () => ({ facts: { userns: true, remap: { uid: 1, gid: 1 }, runtimes: ['runc'], cgroupVersion: 1, securityOptions: [] } }),
      create: async () => {
        throw new AppError('SANDBOX_HOST_DISK_FULL', 'out of disk');
      },
      remove: async () => undefined,
    } as unknown as SandboxRuntime;
    const r = await probeSandboxProfile(runtime, { profile: 'userns' });
    expect(r).toEqual({ notProbed: 'no disk room for a probe sandbox right now' });
    const lines: { level: number; msg: string; readyMs?: number }[] = [];
    const log = pino({ level: 'info' }, { write: (l: string) => void lines.push(JSON.parse(l) as { level: number; msg: string }) });
    logProbe(log, 'userns', r);
    expect(lines).toEqual([expect.objectContaining({ level: 40, msg: "sandbox profile not probed: no disk room for a probe sandbox right now; the first learner's sandbox will tell" })]);
    expect(lines[0]!.msg).not.toMatch(/works/);
    // a probe sandbox that started: the usual line, with its time
    logProbe(log, 'userns', { readyMs: 812 });
    expect(lines[1]).toMatchObject({ level: 30, msg: 'sandbox profile works on this engine', readyMs: 812 });
  });

  it('names the innermost cause on one line', () => {
    const err = new Error('Could not create', { cause: new Error('(HTTP code 500) unable to apply caps\nmore') });
    expect(rootReason(err)).toBe('(HTTP code 500) unable to apply caps');
  });
});

describe('capped disk (SANDBOX_DISK_MB)', () => {
  it('says the size the way the learner reads it', () => {
    expect(diskSizeText(8192)).toBe('8 GiB');
    expect(diskSizeText(300)).toBe('300 MiB');
  });

  it('makes a sparse ext4 image owned by the sandbox root and loop-mounts it; removal unmounts and deletes', () => {
    const s = diskSetupScript({ dir: '/d', sizeMb: 300, owner: { uid: 100000, gid: 100000 } }, 'dockhand-x');
    expect(s).toContain("truncate -s 300M '/d/dockhand-x.img'");
    expect(s).toContain("mkfs.ext4 -q -F -m 0 -O ^has_journal -E root_owner=100000:100000 '/d/dockhand-x.img'");
    // discard: freed blocks are punched out of the sparse image (space returns to the host); no nodev/nosuid, which
    // the sandbox's user namespace could never drop again (the nested engine's read-only remounts would fail)
    expect(s).toContain("mount -o loop,discard '/d/dockhand-x.img' '/d/dockhand-x'");
    expect(s).toContain("chmod 700 '/d'");
    const r = diskRemovalScript('/d', 'dockhand-x');
    expect(r).toContain("umount '/d/dockhand-x'");
    expect(r).toContain("rm -f '/d/dockhand-x.img'");
  });

  it('binds the disk on /var/lib/docker, makes the root read-only and asks the entrypoint to move the learner folders onto it', async () => {
    const scripts: string[] = [];
    const host: EngineHostShell = { local: true, run: async (script) => (scripts.push(script), { exitCode: 0, output: '' }) };
    const policy = loopDiskPolicy({ host, dir: '/d', sizeMb: 300, owner: { uid: 0, gid: 0 }, instance: 'inst' });
    const spec: Docker.ContainerCreateOptions = { Env: ['A=1'], Volumes: { '/var/lib/docker': {} }, HostConfig: { Tmpfs: { '/run': '' } } };
    await policy.apply(spec, ctx);
    const name = spec.Labels!['dockhand.disk']!;
    expect(name).toMatch(/^dockhand-inst-16-/);
    expect(spec.Volumes).toEqual({});
    expect(spec.HostConfig).toMatchObject({ ReadonlyRootfs: true, Binds: [`/d/${name}:/var/lib/docker:rw`], Tmpfs: { '/run': '', '/var/log': expect.any(String) } });
    expect(spec.Env).toContain('DOCKHAND_DISK_BINDS=/root /home /tmp /var/tmp /srv /opt');
    await policy.release!(spec.Labels!);
    expect(scripts[1]).toContain(`rm -f '/d/${name}.img'`);
  });
});

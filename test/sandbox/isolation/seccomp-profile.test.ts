import { DENIED_SYSCALLS, KEYRING_SYSCALLS, sandboxSeccompProfile, seccompSecurityOpt } from '../../../src/sandbox/isolation/seccomp-profile';

describe('sandbox seccomp profile', () => {
  const profile = sandboxSeccompProfile();
  const action = (name: string) => profile.syscalls.find((r) => r.names.includes(name));

  it('covers every x86 ABI, so a 32-bit or x32 call cannot pass a rule written for x86_64', () => {
    expect(profile.architectures).toEqual(['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
  });

  it('answers the keyring calls with ENOSYS, which runc takes as "no keyrings" (EPERM would fail every nested container)', () => {
    for (const name of ['add_key', 'request_key', 'keyctl']) expect(action(name)).toMatchObject({ action: 'SCMP_ACT_ERRNO', errnoRet: 38 });
    expect(KEYRING_SYSCALLS).toHaveLength(3);
  });

  it('refuses io_uring, bpf, perf, userfaultfd, kexec, file handles, modules and the obsolete calls with EPERM', () => {
    const named = ['io_uring_setup', 'io_uring_enter', 'io_uring_register', 'bpf', 'perf_event_open', 'userfaultfd', 'kexec_load', 'kexec_file_load'];
    named.push('open_by_handle_at', 'name_to_handle_at', 'init_module', 'finit_module', 'delete_module', 'uselib', 'nfsservctl', '_sysctl', 'ustat');
    for (const name of named) expect(action(name)).toMatchObject({ action: 'SCMP_ACT_ERRNO', errnoRet: 1 });
    expect(new Set(DENIED_SYSCALLS).size).toBe(DENIED_SYSCALLS.length);
  });

  it('keeps what a nested engine needs (a denylist on a default of allow)', () => {
    expect(profile.defaultAction).toBe('SCMP_ACT_ALLOW');
    for (const name of ['mount', 'unshare', 'setns', 'pivot_root', 'clone', 'clone3', 'seccomp']) expect(action(name)).toBeUndefined();
  });

  it('goes to the engine as the JSON text itself', () => {
    expect(JSON.parse(seccompSecurityOpt().replace(/^seccomp=/, ''))).toEqual(profile);
  });
});

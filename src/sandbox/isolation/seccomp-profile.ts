/**
 * The seccomp profile of `userns` and `test-host-cgroup` sandboxes (docs/security.md, "Kernel surface").
 *
 * Decision: a DENYLIST on a default of ALLOW. A nested Docker engine needs mount, unshare, setns, pivot_root,
 * clone with namespace flags, seccomp, iptables' netlink and more: an allowlist exact enough to keep Docker-in-
 * Docker working would be Docker's default allowlist with every capability-gated rule opened (the sandbox has
 * CapAdd ALL, namespaced), which is the same set as this denylist's complement minus a long tail we would have to
 * keep in step with every kernel. What this closes is what Docker's default profile denies whatever the
 * capabilities, plus the kernel surfaces that are not namespaced or have a history of exploits: the keyring (one
 * quota per host uid, shared by every sandbox under --userns-remap), io_uring, bpf, perf, userfaultfd, kexec,
 * file handles and modules. Anything else the kernel itself judges by the sandbox's namespaced capabilities.
 */

const EPERM = 1;
const ENOSYS = 38;

/**
 * Keyring calls answer ENOSYS ("no keyring here"), not EPERM: runc joins a fresh session keyring for every
 * container it starts and treats ENOSYS as "keyrings unsupported, skip" but EPERM as a failure, so the nested
 * engine keeps working while no key can be created on the shared per-uid quota.
 */
export const KEYRING_SYSCALLS = ['add_key', 'request_key', 'keyctl'] as const;

/** Refused with EPERM: not namespaced, host-wide, or a frequent source of kernel exploits. */
export const DENIED_SYSCALLS = [
  // asynchronous I/O rings: a large, often-exploited surface nothing in a lesson needs
  'io_uring_setup',
  'io_uring_enter',
  'io_uring_register',
  // eBPF programs and performance counters: kernel memory and side channels
  'bpf',
  'perf_event_open',
  // page-fault handling from user space: the classic race-widener of kernel exploits
  'userfaultfd',
  // replacing the kernel, loading modules
  'kexec_load',
  'kexec_file_load',
  'init_module',
  'finit_module',
  'delete_module',
  'create_module',
  'get_kernel_syms',
  'query_module',
  // open any inode by handle, past the mount namespace (the "shocker" escape)
  'open_by_handle_at',
  'name_to_handle_at',
  // host-wide state: accounting, swap, clocks, kernel log, quotas, reboot
  'acct',
  'swapon',
  'swapoff',
  'clock_settime',
  'clock_settime64',
  'clock_adjtime',
  'clock_adjtime64',
  'settimeofday',
  'stime',
  'adjtimex',
  'syslog',
  'quotactl',
  'quotactl_fd',
  'reboot',
  'lookup_dcookie',
  'vhangup',
  // raw port I/O and virtual-8086 mode
  'iopl',
  'ioperm',
  'vm86',
  'vm86old',
  // obsolete calls Docker's default denies outright
  'uselib',
  'nfsservctl',
  '_sysctl',
  'ustat',
  'sysfs',
] as const;

/** Every x86 ABI: a rule for x86_64 only would let `int 0x80` (i386) or the x32 ABI call the same kernel code. */
export const SECCOMP_ARCHITECTURES = ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'] as const;

export interface SeccompProfile {
  defaultAction: 'SCMP_ACT_ALLOW';
  architectures: string[];
  syscalls: { names: string[]; action: 'SCMP_ACT_ERRNO'; errnoRet: number }[];
}

export function sandboxSeccompProfile(): SeccompProfile {
  return {
    defaultAction: 'SCMP_ACT_ALLOW',
    architectures: [...SECCOMP_ARCHITECTURES],
    syscalls: [
      { names: [...KEYRING_SYSCALLS], action: 'SCMP_ACT_ERRNO', errnoRet: ENOSYS },
      { names: [...DENIED_SYSCALLS], action: 'SCMP_ACT_ERRNO', errnoRet: EPERM },
    ],
  };
}

/** The engine API takes the profile's JSON text itself in SecurityOpt (the CLI reads a file into this form). */
export function seccompSecurityOpt(): string {
  return `seccomp=${JSON.stringify(sandboxSeccompProfile())}`;
}

import type { OciSeccomp, OciSeccompSyscall } from './types.js';

/**
 * Syscalls the default profile refuses (EPERM), grouped by the capability
 * that would make them legitimate. A container granted that capability gets
 * the syscalls back, so `add_capabilities` keeps working as users expect.
 * The profile is a deny-list (default allow): it closes the known ways out of
 * a container without breaking ordinary programs, which an allow-list as
 * long as Docker's is more likely to do.
 */
const DENIED_UNLESS: Record<string, readonly string[]> = {
  CAP_SYS_ADMIN: [
    'mount',
    'umount',
    'umount2',
    'pivot_root',
    'setns',
    'unshare',
    'fsopen',
    'fsconfig',
    'fsmount',
    'fspick',
    'move_mount',
    'open_tree',
    'mount_setattr',
    'quotactl',
    'lookup_dcookie',
    'fanotify_init',
    'name_to_handle_at',
    'open_by_handle_at',
    'perf_event_open',
    'bpf',
    'syslog',
    'setdomainname',
    'sethostname',
  ],
  CAP_SYS_MODULE: [
    'init_module',
    'finit_module',
    'delete_module',
    'create_module',
    'query_module',
    'get_kernel_syms',
  ],
  CAP_SYS_BOOT: ['reboot', 'kexec_load', 'kexec_file_load'],
  CAP_SYS_TIME: [
    'settimeofday',
    'stime',
    'clock_settime',
    'clock_settime64',
    'adjtimex',
    'clock_adjtime',
    'clock_adjtime64',
  ],
  CAP_SYS_PACCT: ['acct'],
  CAP_SYS_RAWIO: ['iopl', 'ioperm'],
  CAP_SYS_PTRACE: ['kcmp', 'pidfd_getfd', 'process_madvise'],
  CAP_SYS_NICE: ['get_mempolicy', 'set_mempolicy', 'mbind', 'move_pages'],
};

/** Syscalls refused whatever the capabilities: obsolete or only useful to attack the kernel. */
const ALWAYS_DENIED: readonly string[] = [
  'add_key',
  'keyctl',
  'request_key',
  'nfsservctl',
  'swapon',
  'swapoff',
  'sysfs',
  '_sysctl',
  'uselib',
  'userfaultfd',
  'ustat',
  'vm86',
  'vm86old',
];

const CLONE_NEWUSER = 0x10000000;

/** seccompArchitectures lists the syscall ABIs the profile covers on this machine. */
function seccompArchitectures(): string[] {
  switch (process.arch) {
    case 'x64':
      return ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'];
    case 'arm64':
      return ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM'];
    default:
      return [];
  }
}

/**
 * defaultSeccompProfile is the RuntimeDefault seccomp profile for a
 * container holding `capabilities`. Besides the syscalls above it refuses
 * clone() with CLONE_NEWUSER unless the container has CAP_SYS_ADMIN (a user
 * namespace gives an unprivileged process a fresh set of capabilities).
 */
export function defaultSeccompProfile(capabilities: readonly string[]): OciSeccomp {
  const have = new Set(capabilities);
  const denied = [...ALWAYS_DENIED];
  for (const [cap, calls] of Object.entries(DENIED_UNLESS)) {
    if (!have.has(cap)) denied.push(...calls);
  }
  const syscalls: OciSeccompSyscall[] = [{ names: denied, action: 'SCMP_ACT_ERRNO', errnoRet: 1 }];
  if (!have.has('CAP_SYS_ADMIN')) {
    syscalls.push({
      names: ['clone'],
      action: 'SCMP_ACT_ERRNO',
      errnoRet: 1,
      args: [{ index: 0, value: CLONE_NEWUSER, valueTwo: CLONE_NEWUSER, op: 'SCMP_CMP_MASKED_EQ' }],
    });
  }
  const architectures = seccompArchitectures();
  return {
    defaultAction: 'SCMP_ACT_ALLOW',
    ...(architectures.length > 0 ? { architectures } : {}),
    syscalls,
  };
}

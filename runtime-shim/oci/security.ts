import { InvalidArgumentError } from '../errors.js';

/** ALL_CAPABILITIES are the Linux capabilities a privileged container gets (up to Linux 5.9). */
export const ALL_CAPABILITIES: readonly string[] = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_DAC_READ_SEARCH',
  'CAP_FOWNER',
  'CAP_FSETID',
  'CAP_KILL',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETPCAP',
  'CAP_LINUX_IMMUTABLE',
  'CAP_NET_BIND_SERVICE',
  'CAP_NET_BROADCAST',
  'CAP_NET_ADMIN',
  'CAP_NET_RAW',
  'CAP_IPC_LOCK',
  'CAP_IPC_OWNER',
  'CAP_SYS_MODULE',
  'CAP_SYS_RAWIO',
  'CAP_SYS_CHROOT',
  'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN',
  'CAP_SYS_BOOT',
  'CAP_SYS_NICE',
  'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG',
  'CAP_MKNOD',
  'CAP_LEASE',
  'CAP_AUDIT_WRITE',
  'CAP_AUDIT_CONTROL',
  'CAP_SETFCAP',
  'CAP_MAC_OVERRIDE',
  'CAP_MAC_ADMIN',
  'CAP_SYSLOG',
  'CAP_WAKE_ALARM',
  'CAP_BLOCK_SUSPEND',
  'CAP_AUDIT_READ',
  'CAP_PERFMON',
  'CAP_BPF',
  'CAP_CHECKPOINT_RESTORE',
];

/**
 * DEFAULT_CAPABILITIES is the set an unprivileged container starts with: the
 * one containerd and Docker use, enough for ordinary images (chown, setuid
 * to drop privileges, bind low ports) and nothing that reaches the host.
 */
export const DEFAULT_CAPABILITIES: readonly string[] = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FSETID',
  'CAP_FOWNER',
  'CAP_MKNOD',
  'CAP_NET_RAW',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETFCAP',
  'CAP_SETPCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
  'CAP_KILL',
  'CAP_AUDIT_WRITE',
];

/** DEFAULT_MASKED_PATHS are hidden from unprivileged containers (they leak host data or control the kernel). */
export const DEFAULT_MASKED_PATHS: readonly string[] = [
  '/proc/acpi',
  '/proc/asound',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/sys/firmware',
  '/sys/devices/virtual/powercap',
];

/** DEFAULT_READONLY_PATHS are mounted read-only in unprivileged containers. */
export const DEFAULT_READONLY_PATHS: readonly string[] = [
  '/proc/bus',
  '/proc/fs',
  '/proc/irq',
  '/proc/sys',
  '/proc/sysrq-trigger',
];

/** normalizeCapability turns `net_admin` / `NET_ADMIN` / `CAP_NET_ADMIN` into `CAP_NET_ADMIN`. */
export function normalizeCapability(name: string): string {
  const up = name.trim().toUpperCase();
  return up === 'ALL' ? 'ALL' : up.startsWith('CAP_') ? up : `CAP_${up}`;
}

/**
 * capabilitiesFromMask names the capabilities set in a /proc/<pid>/status
 * capability mask (bit N is the Nth entry of ALL_CAPABILITIES).
 */
export function capabilitiesFromMask(mask: bigint): string[] {
  return ALL_CAPABILITIES.filter((_c, i) => (mask & (1n << BigInt(i))) !== 0n);
}

/**
 * resolveCapabilities applies a security context's add/drop lists to the
 * default set, as containerd does: "ALL" in add grants every capability,
 * "ALL" in drop starts from nothing but what add names, and a dropped
 * capability is dropped even if also added. Unknown names, and added ones
 * outside `available` (the shim's own bounding set), are an
 * InvalidArgumentError.
 */
export function resolveCapabilities(
  add: readonly string[],
  drop: readonly string[],
  available: ReadonlySet<string> = new Set(ALL_CAPABILITIES),
): string[] {
  const known = new Set(ALL_CAPABILITIES);
  const check = (field: string) => (n: string) => {
    const c = normalizeCapability(n);
    if (c !== 'ALL' && !known.has(c)) {
      throw new InvalidArgumentError(
        `linux.security_context.capabilities.${field}: unknown capability ${JSON.stringify(n)}`,
      );
    }
    return c;
  };
  const adds = add.map(check('add_capabilities'));
  const drops = drop.map(check('drop_capabilities'));
  const addAll = adds.includes('ALL');
  const dropAll = drops.includes('ALL');
  let caps: Set<string>;
  if (addAll) caps = new Set(ALL_CAPABILITIES);
  else if (dropAll) caps = new Set(adds);
  else caps = new Set([...DEFAULT_CAPABILITIES, ...adds]);
  for (const d of drops) if (d !== 'ALL') caps.delete(d);
  for (const a of adds) {
    if (a !== 'ALL' && caps.has(a) && !available.has(a)) {
      throw new InvalidArgumentError(
        `linux.security_context.capabilities.add_capabilities: ${a} is not available on this node (the shim does not hold it)`,
      );
    }
  }
  // Defaults (and "ALL") the node cannot grant are left out rather than failing every container.
  return ALL_CAPABILITIES.filter((c) => caps.has(c) && available.has(c));
}

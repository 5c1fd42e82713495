import { readFile } from 'node:fs/promises';
import { arch, cpus, networkInterfaces, release, totalmem } from 'node:os';

/** MachineInfo is what the node reports about its host (NodeSystemInfo and capacity). */
export interface MachineInfo {
  cpuCores: number;
  memoryBytes: number;
  osImage: string;
  kernelVersion: string;
  /** architecture in Go's names (amd64, arm64), as Kubernetes reports it. */
  architecture: string;
  machineID: string;
  bootID: string;
  systemUUID: string;
}

const goArch: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386' };

async function readTrim(path: string): Promise<string> {
  return (await readFile(path, 'utf8').catch(() => '')).trim();
}

/** osImage reads PRETTY_NAME from /etc/os-release ("Debian GNU/Linux 12 (bookworm)"). */
export function osImageFrom(osRelease: string): string {
  const m = /^PRETTY_NAME=(.*)$/m.exec(osRelease);
  return m?.[1]?.replace(/^"(.*)"$/, '$1') ?? 'Linux';
}

/**
 * readMachineInfo reads the host: cores and memory from the OS, osImage
 * from /etc/os-release, the kernel release, machine-id, boot_id and the DMI
 * product UUID when readable. Never throws: unreadable parts are empty.
 */
export async function readMachineInfo(): Promise<MachineInfo> {
  return {
    cpuCores: Math.max(1, cpus().length),
    memoryBytes: totalmem(),
    osImage: osImageFrom(await readTrim('/etc/os-release')),
    kernelVersion: release(),
    architecture: goArch[arch()] ?? arch(),
    machineID: await readTrim('/etc/machine-id'),
    bootID: await readTrim('/proc/sys/kernel/random/boot_id'),
    systemUUID: (await readTrim('/sys/class/dmi/id/product_uuid')).toLowerCase(),
  };
}

/** defaultNodeIP is the first non-internal IPv4 address of the host, or 127.0.0.1. */
export function defaultNodeIP(): string {
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

import { randomBytes } from 'node:crypto';
import { mkdir, rename, unlink, writeFile } from 'node:fs/promises';
import { isIPv4 } from 'node:net';
import { isAbsolute, join } from 'node:path';
import { InvalidNetworkRequestError } from './errors.js';

/** BridgeNetworkOptions describe one node's default pod network. */
export interface BridgeNetworkOptions {
  /** networkName is the CNI network name (it also names the host-local allocation dir and iptables comments). */
  networkName: string;
  /** bridge is the Linux bridge on the host (≤ 15 characters); nodes in separate host netns may share a name. */
  bridge: string;
  /** subnet is the node's pod CIDR, IPv4, e.g. `10.244.3.0/24` (prefix 8–30, host bits zero). */
  subnet: string;
  /** gateway is the bridge's address; the subnet's first address by default. */
  gateway?: string;
  /** dataDir is host-local's allocation dir, absolute, under the shim's root so nodes on one machine never share it. */
  dataDir: string;
  /** mtu of the bridge and veths; the kernel default (1500) when absent. */
  mtu?: number;
  /**
   * ipMasq masquerades pod traffic leaving the subnet (default true). A
   * multi-node layout that routes pod CIDRs between hosts may turn it off so
   * pods see each other's real addresses.
   */
  ipMasq?: boolean;
  /** fileName in confDir; `10-<networkName>.conflist` by default. */
  fileName?: string;
}

const bridgeNamePattern = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}$/;
const networkNamePattern = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/**
 * bridgeConfigList returns the conflist for `opts`: the `bridge` plugin
 * (isGateway, ipMasq, hairpinMode, host-local IPAM over the node's subnet
 * with a default route) followed by `portmap` (the portMappings capability,
 * snat so that the host itself and hairpin traffic reach hostPorts).
 * Throws InvalidNetworkRequestError on bad options.
 */
export function bridgeConfigList(opts: BridgeNetworkOptions): Record<string, unknown> {
  const bad = (field: string, msg: string): never => {
    throw new InvalidNetworkRequestError(field, msg);
  };
  if (!networkNamePattern.test(opts.networkName)) {
    bad('networkName', `must match ${networkNamePattern.source}`);
  }
  if (!bridgeNamePattern.test(opts.bridge)) {
    bad('bridge', 'must be 1–15 characters of letters, digits, _ . -');
  }
  const { network, prefix } = parseCidr(opts.subnet) ?? bad('subnet', 'must be an IPv4 CIDR');
  if (prefix < 8 || prefix > 30) bad('subnet', 'prefix length must be 8–30');
  const size = 2 ** (32 - prefix);
  if (network % size !== 0)
    bad('subnet', `host bits must be zero (${intToIp(network - (network % size))}/${prefix})`);
  const gateway = opts.gateway ?? intToIp(network + 1);
  const gw = isIPv4(gateway) ? ipToInt(gateway) : bad('gateway', 'must be an IPv4 address');
  if (gw <= network || gw >= network + size - 1)
    bad('gateway', `must be a host address of ${opts.subnet}`);
  if (!isAbsolute(opts.dataDir)) bad('dataDir', 'must be an absolute path');
  if (
    opts.mtu !== undefined &&
    (!Number.isInteger(opts.mtu) || opts.mtu < 576 || opts.mtu > 65535)
  ) {
    bad('mtu', 'must be an integer 576–65535');
  }
  const bridge: Record<string, unknown> = {
    type: 'bridge',
    bridge: opts.bridge,
    isGateway: true,
    ipMasq: opts.ipMasq ?? true,
    hairpinMode: true,
    ipam: {
      type: 'host-local',
      ranges: [[{ subnet: opts.subnet, gateway }]],
      routes: [{ dst: '0.0.0.0/0' }],
      dataDir: opts.dataDir,
    },
  };
  if (opts.mtu !== undefined) bridge['mtu'] = opts.mtu;
  return {
    cniVersion: '1.0.0',
    name: opts.networkName,
    plugins: [bridge, { type: 'portmap', capabilities: { portMappings: true }, snat: true }],
  };
}

/**
 * writeBridgeConfig writes this node's default network configuration (see
 * bridgeConfigList) into `confDir` atomically and returns the file's path.
 * It is the lexically first conflist only if confDir holds no other: give
 * each node a conf dir of its own. Rewriting it changes the network of new
 * sandboxes only; existing ones keep (and are torn down with) the config they
 * were set up with.
 */
export async function writeBridgeConfig(
  confDir: string,
  opts: BridgeNetworkOptions,
): Promise<string> {
  const conf = bridgeConfigList(opts);
  const fileName = opts.fileName ?? `10-${opts.networkName}.conflist`;
  if (!/^[^/]+\.conflist$/.test(fileName) || fileName.startsWith('.')) {
    throw new InvalidNetworkRequestError(
      'fileName',
      'must be a plain file name ending in .conflist',
    );
  }
  await mkdir(confDir, { recursive: true, mode: 0o755 });
  const path = join(confDir, fileName);
  // The temp name must not end in .conflist, or a concurrent load could pick it up half written.
  const tmp = join(confDir, `.${fileName}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, JSON.stringify(conf, null, 2) + '\n', { mode: 0o644 });
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw e;
  }
  return path;
}

function parseCidr(cidr: string): { network: number; prefix: number } | undefined {
  const m = /^([0-9.]+)\/(\d{1,2})$/.exec(cidr);
  if (!m || !m[1] || !m[2] || !isIPv4(m[1])) return undefined;
  const prefix = Number(m[2]);
  if (prefix > 32) return undefined;
  return { network: ipToInt(m[1]), prefix };
}

function ipToInt(ip: string): number {
  return ip.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
}

function intToIp(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

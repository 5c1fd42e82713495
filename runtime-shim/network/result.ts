import { isIP } from 'node:net';
import { isObject } from './conf.js';
import { CniError, type CniCommand } from './errors.js';

/** CniInterface is one interface of a CNI result. */
export interface CniInterface {
  name: string;
  mac?: string;
  /** sandbox is the netns path for interfaces inside the pod; absent for host-side ones. */
  sandbox?: string;
}

/** CniIpConfig is one address of a CNI result (`version` only before spec 1.0.0). */
export interface CniIpConfig {
  /** address is CIDR notation: `10.200.7.2/24`. */
  address: string;
  gateway?: string;
  /** interface indexes `interfaces`. */
  interface?: number;
  version?: string;
}

/** CniResult is an ADD result of spec 0.3.0–1.0.0 (the shapes agree on the fields read here). */
export interface CniResult {
  cniVersion: string;
  interfaces?: CniInterface[];
  ips?: CniIpConfig[];
  routes?: { dst: string; gw?: string }[];
  dns?: Record<string, unknown>;
  [key: string]: unknown;
}

/** PodAddresses are the addresses of the pod's interface taken from a result. */
export interface PodAddresses {
  ip: string;
  additionalIps: string[];
}

/**
 * parseCniResult checks that a plugin's ADD output has a result's shape and
 * returns it typed. A plugin that prints something else is a CniError (the
 * chain cannot go on without a prevResult).
 */
export function parseCniResult(stdout: string, plugin: string, command: CniCommand): CniResult {
  const bad = (msg: string, cause?: unknown): CniError =>
    new CniError({ plugin, command, msg: `invalid result: ${msg}` }, { cause });
  let raw: unknown;
  try {
    raw = JSON.parse(stdout);
  } catch (e) {
    throw bad(`not JSON: ${JSON.stringify(stdout.slice(0, 200))}`, e);
  }
  if (!isObject(raw)) throw bad('not a JSON object');
  if (typeof raw['cniVersion'] !== 'string') throw bad('no cniVersion');
  const ifs = raw['interfaces'];
  if (ifs !== undefined) {
    if (!Array.isArray(ifs) || !ifs.every((i) => isObject(i) && typeof i['name'] === 'string')) {
      throw bad('interfaces must be objects with a name');
    }
  }
  const ips = raw['ips'];
  if (ips !== undefined) {
    if (!Array.isArray(ips)) throw bad('ips must be an array');
    for (const ip of ips as unknown[]) {
      if (!isObject(ip) || typeof ip['address'] !== 'string' || !isIP(stripPrefix(ip['address']))) {
        throw bad(`ips entry ${JSON.stringify(ip)} has no valid address`);
      }
      const idx = ip['interface'];
      if (idx !== undefined && (typeof idx !== 'number' || !Number.isInteger(idx))) {
        throw bad('ips[].interface must be an integer');
      }
    }
  }
  return raw as CniResult;
}

/**
 * podAddresses picks the addresses of the pod's interface `ifName` (the ips
 * whose `interface` is a sandbox interface of that name; all ips when the
 * result names no interfaces). The first IPv4 one is the primary; the others,
 * in order, are additional. Returns undefined when there is no address.
 */
export function podAddresses(result: CniResult, ifName: string): PodAddresses | undefined {
  const ifs = result.interfaces ?? [];
  const all = result.ips ?? [];
  const mine = all.filter((c) => {
    if (c.interface === undefined) return true;
    const i = ifs[c.interface];
    return i !== undefined && i.name === ifName && !!i.sandbox;
  });
  const addrs = mine.map((c) => stripPrefix(c.address));
  const primary = addrs.find((a) => isIP(a) === 4) ?? addrs[0];
  if (primary === undefined) return undefined;
  return { ip: primary, additionalIps: addrs.filter((a) => a !== primary) };
}

function stripPrefix(cidr: string): string {
  const slash = cidr.indexOf('/');
  return slash < 0 ? cidr : cidr.slice(0, slash);
}

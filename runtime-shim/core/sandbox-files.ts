import { isIP } from 'node:net';
import type { DNSConfig__Output } from '../../proto/generated/tugboat/runtime/v1/DNSConfig.js';
import { InvalidArgumentError } from '../errors.js';

const HOSTNAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/i;

/**
 * sandboxHostname returns the pod's hostname: the config's, or the pod name
 * cut to 63 characters (as kubelet does). A hostname the kernel or resolvers
 * would not take is an InvalidArgumentError.
 */
export function sandboxHostname(hostname: string, podName: string): string {
  const h = hostname !== '' ? hostname : podName.slice(0, 63).replace(/[-.]+$/, '');
  if (h.length > 64 || !HOSTNAME.test(h)) {
    throw new InvalidArgumentError(
      `config.hostname: ${JSON.stringify(h)} is not a valid hostname (letters, digits, '-' and '.', at most 64 characters)`,
    );
  }
  return h;
}

/** hostsFile is the pod's /etc/hosts: loopback names and, with a pod IP, the pod's own name. */
export function hostsFile(hostname: string, ip: string | undefined): string {
  let s =
    '# Written by tug-shim for this pod.\n' +
    '127.0.0.1\tlocalhost\n' +
    '::1\tlocalhost ip6-localhost ip6-loopback\n' +
    'fe00::0\tip6-localnet\n' +
    'fe00::0\tip6-mcastprefix\n' +
    'fe00::1\tip6-allnodes\n' +
    'fe00::2\tip6-allrouters\n';
  if (ip) s += `${ip}\t${hostname}\n`;
  return s;
}

/** isEmptyDns reports whether a DNS config says nothing (the node's resolv.conf is then used). */
export function isEmptyDns(dns: DNSConfig__Output | null | undefined): boolean {
  return (
    !dns || (dns.servers.length === 0 && dns.searches.length === 0 && dns.options.length === 0)
  );
}

/** validateDns rejects DNS configs a resolver would misread. */
export function validateDns(dns: DNSConfig__Output | null | undefined): void {
  if (!dns) return;
  dns.servers.forEach((s, i) => {
    if (!isIP(s))
      throw new InvalidArgumentError(
        `config.dns_config.servers[${i}]: not an IP address: ${JSON.stringify(s)}`,
      );
  });
  if (dns.searches.length > 32) {
    throw new InvalidArgumentError(
      `config.dns_config.searches: at most 32 domains, got ${dns.searches.length}`,
    );
  }
  dns.searches.forEach((s, i) => {
    if (/\s/.test(s) || s === '') {
      throw new InvalidArgumentError(
        `config.dns_config.searches[${i}]: not a domain: ${JSON.stringify(s)}`,
      );
    }
  });
  dns.options.forEach((o, i) => {
    if (/\s/.test(o) || o === '') {
      throw new InvalidArgumentError(
        `config.dns_config.options[${i}]: not a resolver option: ${JSON.stringify(o)}`,
      );
    }
  });
}

/** resolvConf renders a DNS config as resolv.conf. */
export function resolvConf(dns: DNSConfig__Output): string {
  let s = '# Written by tug-shim for this pod.\n';
  for (const server of dns.servers) s += `nameserver ${server}\n`;
  if (dns.searches.length > 0) s += `search ${dns.searches.join(' ')}\n`;
  if (dns.options.length > 0) s += `options ${dns.options.join(' ')}\n`;
  return s;
}

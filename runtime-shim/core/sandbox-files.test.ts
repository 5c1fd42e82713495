import { describe, expect, it } from 'vitest';
import {
  hostsFile,
  isEmptyDns,
  resolvConf,
  sandboxHostname,
  validateDns,
} from './sandbox-files.js';

describe('sandbox files', () => {
  it('derives and checks hostnames', () => {
    expect(sandboxHostname('web-1', 'ignored')).toBe('web-1');
    expect(sandboxHostname('', 'a'.repeat(70))).toHaveLength(63);
    expect(sandboxHostname('', 'name-ending-in-dash'.padEnd(63, 'x') + '-more')).not.toMatch(/-$/);
    expect(() => sandboxHostname('bad host', 'x')).toThrow(/hostname/);
  });

  it('writes hosts with the pod address and resolv.conf from the DNS config', () => {
    const hosts = hostsFile('web', '10.0.0.5');
    expect(hosts).toContain('127.0.0.1\tlocalhost\n');
    expect(hosts).toContain('10.0.0.5\tweb\n');
    expect(hostsFile('web', undefined)).not.toContain('\tweb');
    const dns = { servers: ['10.96.0.10'], searches: ['a.svc', 'svc'], options: ['ndots:5'] };
    expect(resolvConf(dns)).toBe(
      '# Written by tug-shim for this pod.\nnameserver 10.96.0.10\nsearch a.svc svc\noptions ndots:5\n',
    );
    expect(isEmptyDns({ servers: [], searches: [], options: [] })).toBe(true);
    expect(isEmptyDns(null)).toBe(true);
  });

  it('refuses DNS configs a resolver would misread', () => {
    expect(() => validateDns({ servers: ['dns.example'], searches: [], options: [] })).toThrow(
      /servers\[0\]/,
    );
    expect(() => validateDns({ servers: [], searches: ['a b'], options: [] })).toThrow(
      /searches\[0\]/,
    );
    expect(() =>
      validateDns({ servers: ['::1'], searches: ['x'], options: ['rotate'] }),
    ).not.toThrow();
  });
});

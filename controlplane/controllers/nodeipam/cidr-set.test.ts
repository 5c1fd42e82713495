import { describe, expect, it } from 'vitest';
import { CidrSet, parseCidr } from './cidr-set.js';

describe('CidrSet', () => {
  it('cuts a /16 into 256 /24s, handed out in order and never twice', () => {
    const s = new CidrSet('10.244.0.0/16', 24);
    expect(s.capacity).toBe(256);
    const got = new Set<string>();
    for (let i = 0; i < 256; i++) got.add(s.allocateNext()!);
    expect(got.size).toBe(256);
    expect(got.has('10.244.0.0/24')).toBe(true);
    expect(got.has('10.244.255.0/24')).toBe(true);
    expect(s.allocateNext()).toBeUndefined();
    expect(s.allocated).toBe(256);
  });

  it('skips occupied subnets and reuses released ones only after the others', () => {
    const s = new CidrSet('10.0.0.0/22', 24);
    expect(s.occupy('10.0.0.0/24')).toBe(true);
    expect(s.allocateNext()).toBe('10.0.1.0/24');
    s.release('10.0.0.0/24');
    expect(s.allocateNext()).toBe('10.0.2.0/24');
    expect(s.allocateNext()).toBe('10.0.3.0/24');
    expect(s.allocateNext()).toBe('10.0.0.0/24');
    expect(s.allocateNext()).toBeUndefined();
  });

  it('refuses to occupy subnets that are not its own', () => {
    const s = new CidrSet('10.244.0.0/16', 24);
    expect(s.occupy('10.245.0.0/24')).toBe(false);
    expect(s.occupy('10.244.1.0/25')).toBe(false);
    expect(s.occupy('10.244.1.5/24')).toBe(false);
    expect(s.occupy('nonsense')).toBe(false);
    expect(s.allocated).toBe(0);
    s.release('10.245.0.0/24'); // harmless
    expect(s.has('10.244.0.0/24')).toBe(false);
  });

  it('normalises a cluster CIDR with host bits and handles high addresses', () => {
    const s = new CidrSet('192.168.7.9/23', 24);
    expect([s.allocateNext(), s.allocateNext()]).toEqual(['192.168.6.0/24', '192.168.7.0/24']);
    const t = new CidrSet('255.255.255.0/24', 26);
    expect(t.allocateNext()).toBe('255.255.255.0/26');
    expect(t.occupy('255.255.255.192/26')).toBe(true);
  });

  it('rejects bad configurations with a RangeError', () => {
    expect(() => new CidrSet('fd00::/48', 64)).toThrow(RangeError);
    expect(() => new CidrSet('10.0.0.0/16', 8)).toThrow(/mask size/);
    expect(() => new CidrSet('10.0.0.0/16', 33)).toThrow(RangeError);
    expect(() => new CidrSet('10.0.0.0/8', 28)).toThrow(/more than 65536/);
    expect(() => new CidrSet('10.0.0.300/16', 24)).toThrow(RangeError);
  });

  it('parseCidr reads addresses as unsigned numbers', () => {
    expect(parseCidr('255.255.255.255/32')).toEqual({ ip: 2 ** 32 - 1, prefix: 32 });
    expect(parseCidr('1.2.3.4')).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { isInvalidArgument } from '../errors.js';
import {
  ALL_CAPABILITIES,
  DEFAULT_CAPABILITIES,
  capabilitiesFromMask,
  normalizeCapability,
  resolveCapabilities,
} from './security.js';

describe('capabilities', () => {
  it('normalises names', () => {
    expect(normalizeCapability('net_admin')).toBe('CAP_NET_ADMIN');
    expect(normalizeCapability('CAP_KILL')).toBe('CAP_KILL');
    expect(normalizeCapability('all')).toBe('ALL');
  });

  it('starts from the default set, adds and drops (drop wins)', () => {
    expect(resolveCapabilities([], [])).toEqual([...DEFAULT_CAPABILITIES].sort(byBit));
    const caps = resolveCapabilities(['NET_ADMIN', 'sys_time'], ['CHOWN', 'CAP_NET_ADMIN']);
    expect(caps).toContain('CAP_SYS_TIME');
    expect(caps).not.toContain('CAP_NET_ADMIN');
    expect(caps).not.toContain('CAP_CHOWN');
  });

  it('handles ALL in add and drop', () => {
    expect(resolveCapabilities(['ALL'], [])).toEqual([...ALL_CAPABILITIES]);
    expect(resolveCapabilities(['ALL'], ['SYS_ADMIN'])).not.toContain('CAP_SYS_ADMIN');
    expect(resolveCapabilities(['KILL'], ['ALL'])).toEqual(['CAP_KILL']);
    expect(resolveCapabilities([], ['ALL'])).toEqual([]);
  });

  it('refuses unknown names and explicit adds the node cannot grant', () => {
    expect(() => resolveCapabilities(['CAP_FLY'], [])).toThrow(/unknown capability/);
    const noResource = new Set(ALL_CAPABILITIES.filter((c) => c !== 'CAP_SYS_RESOURCE'));
    try {
      resolveCapabilities(['SYS_RESOURCE'], [], noResource);
      expect.unreachable();
    } catch (e) {
      expect(isInvalidArgument(e)).toBe(true);
    }
    // ALL quietly means "all the node has".
    expect(resolveCapabilities(['ALL'], [], noResource)).not.toContain('CAP_SYS_RESOURCE');
  });

  it('decodes /proc status masks', () => {
    expect(capabilitiesFromMask(0xa80425fbn)).toEqual([...DEFAULT_CAPABILITIES].sort(byBit));
    expect(capabilitiesFromMask(0x1fffeffffffn)).not.toContain('CAP_SYS_RESOURCE');
    expect(capabilitiesFromMask(0x1fffeffffffn)).toHaveLength(ALL_CAPABILITIES.length - 1);
  });
});

function byBit(a: string, b: string): number {
  return ALL_CAPABILITIES.indexOf(a) - ALL_CAPABILITIES.indexOf(b);
}

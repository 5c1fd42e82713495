import { describe, expect, it } from 'vitest';
import { CniError } from './errors.js';
import { parseCniResult, podAddresses } from './result.js';

// The shape bridge 1.1.1 prints (measured on this machine), plus an IPv6 address.
const bridgeResult = {
  cniVersion: '1.0.0',
  interfaces: [
    { name: 'tugbr0', mac: '46:5c:6d:ab:81:bc' },
    { name: 'vethd95fedfc', mac: '5e:fa:ae:25:c9:d1' },
    { name: 'eth0', mac: '12:00:38:0b:c4:32', sandbox: '/run/x/netns/s1' },
  ],
  ips: [
    { interface: 0, address: '10.200.77.1/24' },
    { interface: 2, address: 'fd00::2/64', gateway: 'fd00::1' },
    { interface: 2, address: '10.200.77.2/24', gateway: '10.200.77.1' },
  ],
  routes: [{ dst: '0.0.0.0/0' }],
  dns: {},
};

describe('parseCniResult', () => {
  it('accepts a 1.0.0 result and a 0.3.1 one with ip versions', () => {
    expect(parseCniResult(JSON.stringify(bridgeResult), 'bridge', 'ADD').ips).toHaveLength(3);
    const old = { cniVersion: '0.3.1', ips: [{ version: '4', address: '10.1.0.5/16' }] };
    expect(parseCniResult(JSON.stringify(old), 'bridge', 'ADD').cniVersion).toBe('0.3.1');
  });

  it('turns garbage into a CniError naming the plugin', () => {
    for (const out of [
      '',
      'hello',
      '[]',
      '{"ips": []}',
      '{"cniVersion":"1.0.0","ips":[{"address":"nope"}]}',
    ]) {
      let err: unknown;
      try {
        parseCniResult(out, 'portmap', 'ADD');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(CniError);
      expect((err as CniError).plugin).toBe('portmap');
    }
  });
});

describe('podAddresses', () => {
  it('takes the sandbox interface addresses, IPv4 first', () => {
    expect(podAddresses(bridgeResult, 'eth0')).toEqual({
      ip: '10.200.77.2',
      additionalIps: ['fd00::2'],
    });
  });

  it('uses every address when the result names no interfaces', () => {
    const r = {
      cniVersion: '0.3.1',
      ips: [{ address: '10.1.0.5/16' }, { address: '10.2.0.5/16' }],
    };
    expect(podAddresses(r, 'eth0')).toEqual({ ip: '10.1.0.5', additionalIps: ['10.2.0.5'] });
  });

  it('is undefined when the pod interface has no address', () => {
    expect(podAddresses(bridgeResult, 'eth1')).toBeUndefined();
    expect(podAddresses({ cniVersion: '1.0.0' }, 'eth0')).toBeUndefined();
  });
});

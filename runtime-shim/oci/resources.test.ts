import { describe, expect, it } from 'vitest';
import { EMPTY_RESOURCES, mergeResources, toOciResources, validateResources } from './resources.js';

const v1 = { mode: 'hybrid' as const, swapAccounting: true };
const r = (over: Partial<typeof EMPTY_RESOURCES>): typeof EMPTY_RESOURCES => ({
  ...EMPTY_RESOURCES,
  ...over,
});

describe('resources', () => {
  it('accepts unset and sensible values', () => {
    expect(() => validateResources(EMPTY_RESOURCES, v1)).not.toThrow();
    expect(() =>
      validateResources(
        r({
          cpuPeriod: '100000',
          cpuQuota: '-1',
          cpuShares: '2',
          memoryLimitInBytes: String(4 << 20),
          pidsLimit: '-1',
          cpusetCpus: '0-1,3',
        }),
        v1,
      ),
    ).not.toThrow();
  });

  it.each([
    [{ cpuPeriod: '999' }, /cpu_period/],
    [{ cpuQuota: '10' }, /cpu_quota/],
    [{ cpuShares: '1' }, /cpu_shares/],
    [{ cpuShares: '300000' }, /cpu_shares/],
    [{ memoryLimitInBytes: '1024' }, /memory_limit_in_bytes/],
    [{ memoryLimitInBytes: '-5' }, /memory_limit_in_bytes/],
    [{ memorySwapLimitInBytes: String(8 << 20) }, /memory_swap/],
    [{ pidsLimit: '-3' }, /pids_limit/],
    [{ oomScoreAdj: '2000' }, /oom_score_adj/],
    [{ cpusetCpus: 'a-b' }, /cpuset_cpus/],
    [{ unified: { 'memory.max': '1' } }, /unified/],
  ])('refuses %o', (over, re) => {
    expect(() => validateResources(r(over), v1, 'x')).toThrow(re);
  });

  it('converts to OCI, with no swap beyond the memory limit when swap is accounted', () => {
    const oci = toOciResources(
      r({
        cpuShares: '512',
        cpuQuota: '50000',
        cpuPeriod: '100000',
        memoryLimitInBytes: '67108864',
        pidsLimit: '100',
      }),
      v1,
    );
    expect(oci).toEqual({
      cpu: { shares: 512, quota: 50000, period: 100000 },
      memory: { limit: 67108864, swap: 67108864 },
      pids: { limit: 100 },
    });
    expect(
      toOciResources(r({ memoryLimitInBytes: '67108864' }), { mode: 'v2', swapAccounting: false }),
    ).toEqual({
      memory: { limit: 67108864 },
    });
    expect(toOciResources(EMPTY_RESOURCES, v1)).toEqual({});
  });

  it('merges an update over the current values; zeros keep them', () => {
    const merged = mergeResources(
      r({ cpuShares: '512', memoryLimitInBytes: '100' }),
      r({ memoryLimitInBytes: '200' }),
    );
    expect(merged.cpuShares).toBe('512');
    expect(merged.memoryLimitInBytes).toBe('200');
  });
});

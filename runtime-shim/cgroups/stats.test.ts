import { describe, expect, it } from 'vitest';
import { memoryFromV1, memoryFromV2, parseFlatKeyed } from './stats.js';

describe('cgroup stats parsing', () => {
  it('parses flat keyed files and ignores other lines', () => {
    const m = parseFlatKeyed('usage_usec 1234\nuser_usec 1000\nbad line here\nthrottled x\n');
    expect(m.get('usage_usec')).toBe(1234n);
    expect(m.get('user_usec')).toBe(1000n);
    expect(m.has('throttled')).toBe(false);
  });

  it('computes the v1 working set as usage minus inactive file, never below 0', () => {
    const stat = parseFlatKeyed(
      'total_inactive_file 300\ntotal_rss 700\ntotal_pgfault 9\ntotal_pgmajfault 1\n',
    );
    expect(memoryFromV1(1000n, stat, 4096n)).toEqual({
      usageBytes: 1000n,
      workingSetBytes: 700n,
      rssBytes: 700n,
      pageFaults: 9n,
      majorPageFaults: 1n,
      limitBytes: 4096n,
    });
    expect(memoryFromV1(100n, stat).workingSetBytes).toBe(0n);
    // v1's "no limit" is a huge number: reported as no limit.
    expect(memoryFromV1(1n, stat, 9223372036854771712n).limitBytes).toBeUndefined();
  });

  it('computes the v2 working set from memory.current and memory.stat', () => {
    const stat = parseFlatKeyed('anon 500\ninactive_file 200\npgfault 3\npgmajfault 0\n');
    const m = memoryFromV2(1000n, stat);
    expect(m.workingSetBytes).toBe(800n);
    expect(m.rssBytes).toBe(500n);
    expect(m.limitBytes).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { resources } from '../resources.js';
import { gvkKey, gvkOf, gvkString, kinds } from './gvk.js';
import type { GroupVersionKind, Pod, StoredPod } from './index.js';

describe('gvk helpers', () => {
  it('parses core and grouped apiVersions', () => {
    expect(gvkOf('v1', 'Pod')).toEqual({ group: '', version: 'v1', kind: 'Pod' });
    expect(gvkOf('apps/v1', 'Deployment')).toEqual(kinds.Deployment);
    expect(gvkString(kinds.Deployment)).toBe('apps/v1, Kind=Deployment');
    expect(gvkKey(kinds.Pod)).toBe('/v1/Pod');
  });

  it('names every served resource kind', () => {
    const known = new Set(Object.values(kinds).map((k: GroupVersionKind) => gvkKey(k)));
    for (const r of resources) expect(known.has(gvkKey(r))).toBe(true);
  });

  it('gives stored shapes required metadata', () => {
    const p: StoredPod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', uid: 'u', resourceVersion: '1', creationTimestamp: 't' },
      spec: { containers: [{ name: 'c', image: 'busybox' }] },
    };
    const input: Pod = p as Pod;
    expect(p.metadata.name).toBe(input.metadata?.name);
  });
});

import { describe, expect, it } from 'vitest';
import { CliError } from '../errors.js';
import { expandTypes, parseResourceArgs, resolveType } from './resolve.js';

describe('resource names', () => {
  it('resolves plurals, singulars, short names, kinds and group-qualified names', () => {
    for (const n of ['deployments', 'deployment', 'deploy', 'Deployment', 'deployments.apps']) {
      expect(resolveType(n).resource).toBe('deployments');
    }
    for (const [short, res] of [
      ['po', 'pods'],
      ['rs', 'replicasets'],
      ['svc', 'services'],
      ['no', 'nodes'],
      ['ns', 'namespaces'],
      ['cm', 'configmaps'],
      ['ev', 'events'],
    ]) {
      expect(resolveType(short as string).resource).toBe(res);
    }
    expect(resolveType('hpa').version).toBe('v2');
    expect(() => resolveType('nothing')).toThrow(
      `the server doesn't have a resource type "nothing"`,
    );
  });

  it('expands lists and the all category', () => {
    expect(expandTypes('deploy,svc').map((r) => r.resource)).toEqual(['deployments', 'services']);
    const all = expandTypes('all').map((r) => r.resource);
    expect(all).toEqual([
      'pods',
      'services',
      'deployments',
      'replicasets',
      'horizontalpodautoscalers',
    ]);
  });

  it('reads TYPE NAME… and TYPE/NAME… forms', () => {
    expect(parseResourceArgs(['deploy', 'a', 'b'])).toEqual([
      { info: resolveType('deploy'), names: ['a', 'b'] },
    ]);
    const slashed = parseResourceArgs(['deploy/a', 'deploy/b', 'svc/c']);
    expect(slashed.map((s) => [s.info.resource, s.names])).toEqual([
      ['deployments', ['a', 'b']],
      ['services', ['c']],
    ]);
    expect(() => parseResourceArgs(['deploy', 'svc/x'])).toThrow(CliError);
  });
});

import { describe, expect, it } from 'vitest';
import { resolveName } from '../../controlplane/api/resources.js';
import { CliError } from '../errors.js';
import {
  allContainerNames,
  byLogging,
  defaultContainer,
  everyContainer,
  hasContainer,
  mostActive,
  selectorForObject,
  type PodLike,
} from './pods.js';

interface PodOpts {
  node?: string;
  phase?: string;
  ready?: string | false;
  restarts?: number;
  created?: string;
}

const pod = (name: string, o: PodOpts = {}): PodLike => ({
  metadata: { name, namespace: 'default', creationTimestamp: o.created ?? '2024-01-01T00:00:00Z' },
  spec: { nodeName: o.node ?? 'node-1', containers: [{ name: 'main' }] },
  status: {
    phase: (o.phase ?? 'Running') as 'Running',
    conditions:
      o.ready === false
        ? [{ type: 'Ready', status: 'False' }]
        : [
            {
              type: 'Ready',
              status: 'True',
              lastTransitionTime: o.ready ?? '2024-01-01T00:01:00Z',
            },
          ],
    containerStatuses: [
      { name: 'main', restartCount: o.restarts ?? 0, ready: true, image: 'x', imageID: '' },
    ],
  },
});

const names = (pods: PodLike[]): string[] => pods.map((p) => p.metadata.name);

describe('choosing the pod of a workload', () => {
  it('byLogging (logs): assigned, Running, ready, ready longer, more restarts, older', () => {
    expect(names([pod('a', { node: '' }), pod('b')].sort(byLogging))).toEqual(['b', 'a']);
    expect(names([pod('a', { phase: 'Pending' }), pod('b')].sort(byLogging))).toEqual(['b', 'a']);
    expect(
      names([pod('a', { phase: 'Pending' }), pod('b', { phase: 'Unknown' })].sort(byLogging)),
    ).toEqual(['b', 'a']);
    expect(names([pod('a', { ready: false }), pod('b')].sort(byLogging))).toEqual(['b', 'a']);
    expect(
      names(
        [
          pod('a', { ready: '2024-01-01T00:05:00Z' }),
          pod('b', { ready: '2024-01-01T00:02:00Z' }),
        ].sort(byLogging),
      ),
    ).toEqual(['b', 'a']);
    expect(names([pod('a'), pod('b', { restarts: 2 })].sort(byLogging))).toEqual(['b', 'a']);
    expect(
      names([pod('a', { created: '2024-01-02T00:00:00Z' }), pod('b')].sort(byLogging)),
    ).toEqual(['b', 'a']);
    // Equal in every way: the server's (name) order stays.
    expect(names([pod('a'), pod('b')].sort(byLogging))).toEqual(['a', 'b']);
  });

  it('mostActive (exec): assigned, Running, ready longer, fewer restarts, older first', () => {
    expect(names([pod('a', { node: '' }), pod('b')].sort(mostActive))).toEqual(['b', 'a']);
    expect(names([pod('a', { phase: 'Pending' }), pod('b')].sort(mostActive))).toEqual(['b', 'a']);
    expect(names([pod('a', { ready: false }), pod('b')].sort(mostActive))).toEqual(['b', 'a']);
    expect(
      names(
        [
          pod('a', { ready: '2024-01-01T00:05:00Z' }),
          pod('b', { ready: '2024-01-01T00:02:00Z' }),
        ].sort(mostActive),
      ),
    ).toEqual(['b', 'a']);
    expect(names([pod('a', { restarts: 2 }), pod('b')].sort(mostActive))).toEqual(['b', 'a']);
    expect(
      names([pod('a', { created: '2024-01-02T00:00:00Z' }), pod('b')].sort(mostActive)),
    ).toEqual(['b', 'a']);
    expect(names([pod('a'), pod('b')].sort(mostActive))).toEqual(['a', 'b']);
  });

  it('finds the selector behind deployments, replica sets and services, with kubectl errors otherwise', () => {
    const deploy = resolveName('deploy')!;
    const rs = resolveName('rs')!;
    const svc = resolveName('svc')!;
    const cm = resolveName('cm')!;
    expect(
      selectorForObject(
        deploy,
        {
          metadata: { name: 'web' },
          spec: { selector: { matchLabels: { tier: 'f', app: 'web' } } },
        },
        'cannot get the logs from',
      ),
    ).toBe('app=web,tier=f');
    expect(
      selectorForObject(
        rs,
        {
          metadata: { name: 'web-1' },
          spec: {
            selector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['a', 'b'] }] },
          },
        },
        'x',
      ),
    ).toBe('app in (a,b)');
    expect(
      selectorForObject(svc, { metadata: { name: 's' }, spec: { selector: { app: 'web' } } }, 'x'),
    ).toBe('app=web');
    expect(() =>
      selectorForObject(
        svc,
        { metadata: { name: 'kubernetes' }, spec: {} },
        'cannot get the logs from',
      ),
    ).toThrow(
      "cannot get the logs from *v1.Service: invalid service 'kubernetes': Service is defined without a selector",
    );
    expect(() => selectorForObject(cm, { metadata: { name: 'c' } }, 'cannot attach to')).toThrow(
      new CliError('cannot attach to *v1.ConfigMap: selector for *v1.ConfigMap not implemented'),
    );
  });
});

describe('choosing the container', () => {
  const multi: PodLike = {
    metadata: { name: 'multi', namespace: 'default' },
    spec: {
      initContainers: [{ name: 'init' }],
      containers: [{ name: 'a' }, { name: 'b' }],
    },
  };

  it('defaults to the first, saying so as kubectl does when there were others', () => {
    expect(defaultContainer(multi)).toEqual({
      name: 'a',
      notice: 'Defaulted container "a" out of: a, b, init (init)',
    });
    expect(
      defaultContainer({ metadata: { name: 'one' }, spec: { containers: [{ name: 'x' }] } }),
    ).toEqual({
      name: 'x',
    });
  });

  it('honours the default-container annotation when it names a container', () => {
    const annotated = (name: string): PodLike => ({
      ...multi,
      metadata: {
        ...multi.metadata,
        annotations: { 'kubectl.kubernetes.io/default-container': name },
      },
    });
    expect(defaultContainer(annotated('b'))).toEqual({ name: 'b' });
    expect(defaultContainer(annotated('gone')).name).toBe('a');
  });

  it('lists containers for messages and --all-containers, and finds them by name', () => {
    expect(allContainerNames(multi)).toBe('a, b, init (init)');
    expect(everyContainer(multi)).toEqual(['init', 'a', 'b']);
    expect(hasContainer(multi, 'init')).toBe(true);
    expect(hasContainer(multi, 'c')).toBe(false);
    expect(() =>
      defaultContainer({ metadata: { name: 'e', namespace: 'ns' }, spec: { containers: [] } }),
    ).toThrow('pod ns/e does not have any containers');
  });
});

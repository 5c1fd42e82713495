import { describe, expect, it } from 'vitest';
import type { ContainerPort } from '../../api/types/index.js';
import { makeNode, makePod, nodeInfo, podContext } from '../testing.js';
import { ERR_PORTS, nodePorts } from './node-ports.js';

const withPorts = (name: string, ports: ContainerPort[]) =>
  makePod(name, { containers: [{ name: 'c', image: 'x', ports }] });

describe('NodePorts', () => {
  const cases: [string, ContainerPort[], ContainerPort[], boolean][] = [
    ['no host ports', [{ containerPort: 80 }], [{ containerPort: 80 }], true],
    [
      'same port, TCP',
      [{ containerPort: 80, hostPort: 8080 }],
      [{ containerPort: 80, hostPort: 8080 }],
      false,
    ],
    [
      'same port, other protocol',
      [{ containerPort: 80, hostPort: 8080, protocol: 'UDP' }],
      [{ containerPort: 80, hostPort: 8080 }],
      true,
    ],
    [
      'other port',
      [{ containerPort: 80, hostPort: 8081 }],
      [{ containerPort: 80, hostPort: 8080 }],
      true,
    ],
    [
      'different specific IPs',
      [{ containerPort: 80, hostPort: 8080, hostIP: '10.0.0.2' }],
      [{ containerPort: 80, hostPort: 8080, hostIP: '10.0.0.1' }],
      true,
    ],
    [
      'same specific IP',
      [{ containerPort: 80, hostPort: 8080, hostIP: '10.0.0.1' }],
      [{ containerPort: 80, hostPort: 8080, hostIP: '10.0.0.1' }],
      false,
    ],
    [
      'wildcard in use vs specific',
      [{ containerPort: 80, hostPort: 8080, hostIP: '10.0.0.1' }],
      [{ containerPort: 80, hostPort: 8080 }],
      false,
    ],
    [
      'specific in use vs wildcard',
      [{ containerPort: 80, hostPort: 8080 }],
      [{ containerPort: 80, hostPort: 8080, hostIP: '10.0.0.1' }],
      false,
    ],
  ];
  it.each(cases)('%s', (_n, want, used, fits) => {
    const node = nodeInfo(makeNode('n'), [withPorts('existing', used)]);
    const s = nodePorts.filter(podContext(withPorts('p', want)), node);
    if (fits) expect(s.code).toBe('Success');
    else expect(s).toMatchObject({ code: 'Unschedulable', reasons: [ERR_PORTS] });
  });

  it('frees ports when the pod using them leaves', () => {
    const existing = withPorts('existing', [{ containerPort: 80, hostPort: 8080 }]);
    const node = nodeInfo(makeNode('n'), [existing]);
    const ctx = podContext(withPorts('p', [{ containerPort: 80, hostPort: 8080 }]));
    expect(nodePorts.filter(ctx, node).code).toBe('Unschedulable');
    node.removePod(existing.metadata.uid);
    expect(nodePorts.filter(ctx, node).code).toBe('Success');
  });
});

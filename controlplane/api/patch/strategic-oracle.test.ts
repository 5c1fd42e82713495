import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  applyStrategicMergePatch,
  patchMetaFor,
  type JsonObject,
  type JsonValue,
} from './index.js';

/*
 * Differential test: the real kubectl applies strategic merge patches to
 * built-in kinds with apimachinery's own Go code (`kubectl patch --local`).
 * Each case is applied by both, and the results must be equal, list order
 * included. kubectl round-trips through the typed structs, which drop empty
 * maps and lists, so both sides are compared with those removed.
 */

const KUBECTL = '/usr/bin/kubectl';
const run = promisify(execFile);

function prune(v: JsonValue): JsonValue | undefined {
  if (Array.isArray(v)) {
    const out = v.map(prune).filter((x): x is JsonValue => x !== undefined);
    return out.length === 0 ? undefined : out;
  }
  if (v !== null && typeof v === 'object') {
    const out: JsonObject = {};
    for (const [k, x] of Object.entries(v)) {
      const y = prune(x);
      if (y !== undefined) out[k] = y;
    }
    return Object.keys(out).length === 0 ? undefined : out;
  }
  return v === null ? undefined : v;
}

const deployment = (spec: JsonObject, extra: JsonObject = {}): JsonObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: {
    name: 'web',
    labels: { app: 'web' },
    finalizers: ['a.example.com/x', 'b.example.com/y'],
  },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'web' } },
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
    template: { metadata: { labels: { app: 'web' } }, spec },
  },
  ...extra,
});

const containers: JsonObject[] = [
  {
    name: 'web',
    image: 'nginx:1.26',
    ports: [
      { containerPort: 80, name: 'http', protocol: 'TCP' },
      { containerPort: 443, name: 'https', protocol: 'TCP' },
    ],
    env: [
      { name: 'A', value: '1' },
      { name: 'B', value: '2' },
      { name: 'C', value: '3' },
    ],
    volumeMounts: [
      { name: 'data', mountPath: '/data' },
      { name: 'data', mountPath: '/backup', subPath: 'b' },
    ],
  },
  { name: 'sidecar', image: 'busybox', args: ['sleep', '1d'] },
];
const podSpec: JsonObject = {
  containers,
  volumes: [{ name: 'data', emptyDir: {} }],
  tolerations: [{ key: 'a', operator: 'Exists' }],
};
const deploy = deployment(podSpec);

const pod: JsonObject = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    name: 'p',
    ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'u1' }],
  },
  spec: podSpec,
  status: {
    phase: 'Running',
    conditions: [
      { type: 'Initialized', status: 'True' },
      { type: 'Ready', status: 'False', reason: 'ContainersNotReady' },
    ],
    podIPs: [{ ip: '10.0.0.5' }],
  },
};

const service: JsonObject = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web' },
  spec: {
    selector: { app: 'web' },
    ports: [
      { name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' },
      { name: 'metrics', port: 9090, targetPort: 9090, protocol: 'TCP' },
    ],
  },
};

const node: JsonObject = {
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name: 'n1' },
  spec: { podCIDRs: ['10.0.1.0/24'], taints: [{ key: 'a', effect: 'NoSchedule' }] },
  status: {
    addresses: [
      { type: 'InternalIP', address: '10.1.1.1' },
      { type: 'Hostname', address: 'n1' },
    ],
    conditions: [{ type: 'Ready', status: 'True' }],
  },
};

const tmpl = (spec: JsonObject): JsonObject => ({ spec: { template: { spec } } });

// [description, group, object, patch]
const cases: [string, string, JsonObject, JsonObject][] = [
  [
    'scalars and null',
    'apps',
    deploy,
    { spec: { replicas: 5, paused: true }, metadata: { labels: { app: null, tier: 'fe' } } },
  ],
  ['change an image', 'apps', deploy, tmpl({ containers: [{ name: 'web', image: 'nginx:1.27' }] })],
  [
    'kubectl second-apply body',
    'apps',
    deploy,
    tmpl({
      '$setElementOrder/containers': [{ name: 'web' }, { name: 'sidecar' }],
      containers: [{ image: 'nginx:1.27', name: 'web' }],
    }),
  ],
  [
    'append a container without order',
    'apps',
    deploy,
    tmpl({ containers: [{ name: 'new', image: 'x' }] }),
  ],
  [
    'add a container with order',
    'apps',
    deploy,
    tmpl({
      '$setElementOrder/containers': [{ name: 'web' }, { name: 'new' }, { name: 'sidecar' }],
      containers: [{ name: 'new', image: 'x' }],
    }),
  ],
  [
    'delete a container',
    'apps',
    deploy,
    tmpl({ containers: [{ name: 'sidecar', $patch: 'delete' }] }),
  ],
  [
    'replace the containers',
    'apps',
    deploy,
    tmpl({ containers: [{ name: 'only', image: 'x' }, { $patch: 'replace' }] }),
  ],
  [
    'env merge, change, delete, add',
    'apps',
    deploy,
    tmpl({
      containers: [
        {
          name: 'web',
          env: [
            { name: 'B', value: '20' },
            { name: 'A', $patch: 'delete' },
            { name: 'D', value: '4' },
          ],
        },
      ],
    }),
  ],
  [
    'env with order',
    'apps',
    deploy,
    tmpl({
      containers: [
        {
          name: 'web',
          '$setElementOrder/env': [{ name: 'C' }, { name: 'D' }, { name: 'A' }],
          env: [
            { name: 'D', value: '4' },
            { name: 'B', $patch: 'delete' },
          ],
        },
      ],
    }),
  ],
  [
    'ports by containerPort',
    'apps',
    deploy,
    tmpl({
      containers: [
        { name: 'web', ports: [{ containerPort: 443, name: 'tls' }, { containerPort: 8080 }] },
      ],
    }),
  ],
  [
    'volumeMounts by mountPath',
    'apps',
    deploy,
    tmpl({
      containers: [
        {
          name: 'web',
          volumeMounts: [
            { mountPath: '/backup', readOnly: true },
            { mountPath: '/data', $patch: 'delete' },
          ],
        },
      ],
    }),
  ],
  [
    'replace a container map',
    'apps',
    deploy,
    tmpl({ containers: [{ name: 'sidecar', $patch: 'replace', image: 'alpine' }] }),
  ],
  [
    'tolerations are replaced',
    'apps',
    deploy,
    tmpl({ tolerations: [{ key: 'b', operator: 'Exists' }] }),
  ],
  [
    'volume source switch with retainKeys',
    'apps',
    deploy,
    tmpl({
      volumes: [{ name: 'data', $retainKeys: ['configMap', 'name'], configMap: { name: 'cfg' } }],
    }),
  ],
  [
    'strategy switch with retainKeys',
    'apps',
    deploy,
    { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } },
  ],
  [
    'finalizers: add, delete, order',
    'apps',
    deploy,
    {
      metadata: {
        finalizers: ['c.example.com/z'],
        '$deleteFromPrimitiveList/finalizers': ['a.example.com/x'],
        '$setElementOrder/finalizers': ['c.example.com/z', 'b.example.com/y'],
      },
    },
  ],
  [
    'finalizers union without order',
    'apps',
    deploy,
    { metadata: { finalizers: ['c.example.com/z', 'b.example.com/y'] } },
  ],
  ['delete a map', 'apps', deploy, { spec: { selector: { $patch: 'delete' } } }],
  ['replace a map', 'apps', deploy, { metadata: { labels: { $patch: 'replace', only: 'this' } } }],
  [
    'new subtree with nulls and directives',
    'apps',
    deployment({ containers: [{ name: 'web', image: 'x' }] }),
    tmpl({
      initContainers: [
        { name: 'init', image: 'i', env: [{ name: 'X', value: null }] },
        { name: 'gone', $patch: 'delete' },
      ],
    }),
  ],
  [
    'pod status conditions by type',
    '',
    pod,
    {
      status: {
        conditions: [
          { type: 'Ready', status: 'True', reason: null },
          { type: 'ContainersReady', status: 'True' },
        ],
      },
    },
  ],
  [
    'pod status with order',
    '',
    pod,
    {
      status: {
        '$setElementOrder/conditions': [{ type: 'Ready' }, { type: 'Initialized' }],
        conditions: [{ type: 'Ready', status: 'True' }],
      },
    },
  ],
  [
    'pod IPs and owner references',
    '',
    pod,
    {
      status: { podIPs: [{ ip: 'fd00::5' }] },
      metadata: { ownerReferences: [{ uid: 'u1', controller: true }] },
    },
  ],
  [
    'service ports by port',
    '',
    service,
    {
      spec: {
        ports: [
          { port: 80, targetPort: 8081 },
          { port: 443, name: 'https', targetPort: 8443 },
        ],
      },
    },
  ],
  [
    'service port delete with order',
    '',
    service,
    {
      spec: { '$setElementOrder/ports': [{ port: 9090 }], ports: [{ port: 80, $patch: 'delete' }] },
    },
  ],
  [
    'node addresses and podCIDRs',
    '',
    node,
    {
      spec: { podCIDRs: ['fd00::/64'], taints: [] },
      status: {
        addresses: [{ type: 'InternalIP', address: '10.1.1.2' }],
        conditions: [{ type: 'DiskPressure', status: 'False' }],
      },
    },
  ],
];

const kindOf = (o: JsonObject): string => o.kind as string;

describe.skipIf(!existsSync(KUBECTL))(
  'strategic merge patch agrees with kubectl patch --local',
  () => {
    let dir = '';
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'tug-smp-oracle-'));
    });
    afterAll(async () => {
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    cases.forEach(([name, group, object, patch], i) => {
      it(name, async () => {
        const file = join(dir, `case-${i}.json`);
        await writeFile(file, JSON.stringify(object));
        const { stdout } = await run(
          KUBECTL,
          [
            'patch',
            '--local',
            '-f',
            file,
            '--type',
            'strategic',
            '-p',
            JSON.stringify(patch),
            '-o',
            'json',
            '--kubeconfig',
            '/dev/null',
          ],
          { timeout: 30_000 },
        );
        const theirs = JSON.parse(stdout) as JsonValue;
        const ours = applyStrategicMergePatch(object, patch, patchMetaFor(group, kindOf(object)));
        expect(prune(ours)).toEqual(prune(theirs));
      });
    });
  },
);

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isBadRequest, StatusError } from '../../controlplane/api/errors.js';
import { findResource, resources, type ResourceInfo } from '../../controlplane/api/resources.js';
import {
  decodeProtobufBody,
  decodeProtobufObject,
} from '../../controlplane/apiserver/http/protobuf.js';
import {
  decodeObject,
  isProtobufDecodeError,
  KINDS,
  kubeSchema,
  MAGIC,
} from '../../controlplane/apiserver/protobuf/index.js';

/**
 * Bodies the real kubectl sent (captured from its -v=9 request dumps), with
 * the JSON kubectl prints for the same object with --dry-run=client -o json.
 */
interface Captured {
  kubectl: string;
  command: string;
  method: string;
  path: string;
  body: string;
  json: Record<string, unknown>;
}

const captured = JSON.parse(
  readFileSync(new URL('./protobuf-kubectl-bodies.json', import.meta.url), 'utf8'),
) as Captured[];

/** withoutNulls drops null values: Go writes a zero time as null, the decoder leaves it out. */
function withoutNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutNulls);
  if (typeof v !== 'object' || v === null) return v;
  return Object.fromEntries(
    Object.entries(v)
      .filter(([, x]) => x !== null)
      .map(([k, x]) => [k, withoutNulls(x)]),
  );
}

/** infoOfPath finds the resource a REST path names. */
function infoOfPath(path: string): ResourceInfo {
  const m = /^\/(?:api|apis\/([^/]+))\/([^/]+)\/(?:namespaces\/[^/]+\/)?([^/?]+)/.exec(path);
  const info = m ? findResource(m[1] ?? '', m[2] ?? '', m[3] ?? '') : undefined;
  if (!info) throw new Error(`no resource for ${path}`);
  return info;
}

/** envelope wraps raw bytes in a runtime.Unknown the way a client would. */
function envelope(apiVersion: string, kind: string, raw: Uint8Array, contentEncoding = ''): Buffer {
  const u = kubeSchema().unknown;
  const msg = u.fromObject({ typeMeta: { apiVersion, kind }, raw, contentEncoding });
  return Buffer.concat([MAGIC, u.encode(msg).finish()]);
}

/** wire encodes a message given in its protobuf shape (not JSON), with protobufjs alone. */
function wire(apiVersion: string, kind: string, proto: Record<string, unknown>): Buffer {
  const t = kubeSchema().typeFor(apiVersion, kind);
  if (!t) throw new Error(`no type for ${kind}`);
  return envelope(apiVersion, kind, t.encode(t.fromObject(proto)).finish());
}

function statusOf(f: () => unknown): StatusError {
  try {
    f();
  } catch (e) {
    if (e instanceof StatusError) return e;
    throw e;
  }
  throw new Error('expected a StatusError');
}

describe('bodies sent by the real kubectl', () => {
  it('were captured for every command kubectl sends as protobuf', () => {
    expect(
      captured.map((c) => `${c.kubectl} ${c.command.split(' ').slice(0, 3).join(' ')}`),
    ).toEqual([
      '1.32.4 kubectl create deployment',
      '1.32.4 kubectl create configmap',
      '1.32.4 kubectl create secret',
      '1.32.4 kubectl create secret',
      '1.32.4 kubectl create namespace',
      '1.32.4 kubectl create service',
      '1.32.4 kubectl create service',
      '1.32.4 kubectl autoscale deployment',
      '1.32.4 kubectl drain n1',
      '1.33.1 kubectl create deployment',
      '1.33.1 kubectl autoscale deployment',
      '1.33.1 kubectl create configmap',
    ]);
  });

  for (const c of captured) {
    it(`decode to kubectl's own JSON: ${c.kubectl} ${c.command}`, () => {
      const body = Buffer.from(c.body, 'base64');
      const want = withoutNulls(c.json);
      expect(decodeProtobufBody(body)).toEqual(want);
      if (c.method === 'POST') expect(decodeProtobufObject(infoOfPath(c.path), body)).toEqual(want);
    });
  }

  it('keep Secret bytes and ConfigMap binaryData as base64', () => {
    const cm = captured.find((c) => c.command.includes('configmap c --from-literal=a=b --from'));
    const obj = decodeObject(Buffer.from(cm?.body ?? '', 'base64'));
    expect(obj['data']).toEqual({ a: 'b', x: 'y' });
    expect(obj['binaryData']).toEqual({
      bin: Buffer.from([0, 0xff, 0xfe, 0x62, 0x69, 0x6e]).toString('base64'),
    });
    const s = captured.find((c) => c.command.includes('secret generic'));
    expect(decodeObject(Buffer.from(s?.body ?? '', 'base64'))['data']).toEqual({ p: 'cQ==' });
  });
});

describe('special encodings, built with protobufjs alone', () => {
  it('times, quantities, int-or-strings, pointers and omitempty zeros', () => {
    const body = wire('apps/v1', 'Deployment', {
      metadata: {
        name: 'web',
        namespace: '',
        generation: 0,
        creationTimestamp: { seconds: 1700000000, nanos: 123 },
        deletionTimestamp: {},
        labels: { app: 'web' },
        ownerReferences: [{ apiVersion: 'v1', kind: 'X', name: 'o', uid: 'u', controller: false }],
      },
      spec: {
        replicas: 0,
        paused: false,
        strategy: {
          type: 'RollingUpdate',
          rollingUpdate: {
            maxSurge: { type: 1, strVal: '25%' },
            maxUnavailable: { type: 0, intVal: 0 },
          },
        },
        template: {
          spec: {
            containers: [
              {
                name: 'c',
                image: '',
                ports: [{ containerPort: 0, hostPort: 0, protocol: 'TCP' }],
                resources: { limits: { cpu: { string: '500m' }, memory: { string: '64Mi' } } },
                readinessProbe: {
                  handler: { httpGet: { path: '/', port: { type: 1, strVal: 'http' } } },
                  periodSeconds: 0,
                },
                livenessProbe: { handler: { tcpSocket: { port: { type: 0, intVal: 8080 } } } },
              },
            ],
            terminationGracePeriodSeconds: 0,
            securityContext: { runAsUser: 0, runAsNonRoot: false },
          },
        },
      },
    });
    expect(decodeObject(body)).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: 'web',
        creationTimestamp: '2023-11-14T22:13:20Z',
        labels: { app: 'web' },
        ownerReferences: [{ apiVersion: 'v1', kind: 'X', name: 'o', uid: 'u', controller: false }],
      },
      spec: {
        replicas: 0,
        strategy: {
          type: 'RollingUpdate',
          rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 },
        },
        template: {
          spec: {
            containers: [
              {
                name: 'c',
                ports: [{ containerPort: 0, protocol: 'TCP' }],
                resources: { limits: { cpu: '500m', memory: '64Mi' } },
                readinessProbe: { httpGet: { path: '/', port: 'http' } },
                livenessProbe: { tcpSocket: { port: 8080 } },
              },
            ],
            terminationGracePeriodSeconds: 0,
            securityContext: { runAsUser: 0, runAsNonRoot: false },
          },
        },
      },
    });
  });

  it('MicroTime keeps microseconds; non-pointer structs stay as {}', () => {
    const body = wire('coordination.k8s.io/v1', 'Lease', {
      metadata: { name: 'n1', namespace: 'kube-node-lease' },
      spec: {
        holderIdentity: 'n1',
        leaseDurationSeconds: 40,
        renewTime: { seconds: 1700000000, nanos: 123456789 },
        acquireTime: { seconds: 1700000000 },
      },
    });
    expect(decodeObject(body)).toEqual({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'n1', namespace: 'kube-node-lease' },
      spec: {
        holderIdentity: 'n1',
        leaseDurationSeconds: 40,
        renewTime: '2023-11-14T22:13:20.123456Z',
        acquireTime: '2023-11-14T22:13:20.000000Z',
      },
    });
    const ev = wire('v1', 'Event', { metadata: { name: 'e' }, involvedObject: {}, source: {} });
    expect(decodeObject(ev)).toEqual({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'e' },
      involvedObject: {},
      source: {},
    });
  });

  it('takes apiVersion and kind from the URL when the envelope leaves them empty', () => {
    const t = kubeSchema().typeFor('v1', 'Namespace');
    const raw = t?.encode(t.fromObject({ metadata: { name: 'n' } })).finish() ?? new Uint8Array();
    const info = findResource('', 'v1', 'namespaces');
    if (!info) throw new Error('no namespaces');
    expect(decodeProtobufObject(info, envelope('', '', raw))).toEqual({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'n' },
    });
  });
});

describe('bad bodies are a 400 Status, never a crash', () => {
  const pods = findResource('', 'v1', 'pods');
  if (!pods) throw new Error('no pods');
  const cases: [string, Buffer, RegExp][] = [
    ['empty', Buffer.alloc(0), /prefix/],
    ['JSON', Buffer.from('{"kind":"Pod"}'), /prefix/],
    [
      'a truncated envelope',
      Buffer.concat([MAGIC, Buffer.from([0x0a, 0x40, 0x0a])]),
      /runtime\.Unknown/,
    ],
    [
      'an unknown kind',
      envelope('apps/v1', 'StatefulSet', new Uint8Array()),
      /no protobuf schema for kind "StatefulSet"/,
    ],
    [
      'a broken object',
      envelope('v1', 'Pod', Buffer.from([0x0a, 0x7f, 0x01])),
      /not a valid v1 Pod/,
    ],
    [
      'a gzipped object',
      envelope('v1', 'Pod', new Uint8Array(), 'gzip'),
      /content encoding "gzip"/,
    ],
    [
      'an IntOrString of type 7',
      wire('v1', 'Service', { spec: { ports: [{ port: 80, targetPort: { type: 7 } }] } }),
      /spec\.ports\[0\]\.targetPort: IntOrString has unknown type 7/,
    ],
    [
      'a time past year 9999',
      wire('v1', 'Pod', { metadata: { creationTimestamp: { seconds: 253402300800 } } }),
      /metadata\.creationTimestamp: time .* out of range/,
    ],
  ];
  for (const [what, body, message] of cases) {
    it(what, () => {
      const e = statusOf(() => decodeProtobufObject(pods, body));
      expect(isBadRequest(e)).toBe(true);
      expect(e.code).toBe(400);
      expect(e.message).toMatch(message);
    });
  }

  it('survives thousands of corrupted kubectl bodies', () => {
    let seed = 42;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    let decoded = 0;
    let refused = 0;
    for (let i = 0; i < 3000; i++) {
      const c = captured[i % captured.length];
      if (!c) continue;
      const body = Buffer.from(c.body, 'base64');
      const keep = rand(2) === 0 ? body.length : MAGIC.length + rand(body.length);
      const bad = Buffer.from(body.subarray(0, keep));
      for (let k = 0; k < 1 + rand(4); k++) {
        const at = MAGIC.length + rand(Math.max(1, bad.length - MAGIC.length));
        if (at < bad.length) bad[at] = rand(256);
      }
      try {
        const obj = decodeProtobufBody(bad);
        expect(typeof obj).toBe('object');
        decoded++;
      } catch (e) {
        expect(isBadRequest(e)).toBe(true);
        refused++;
      }
    }
    expect(decoded).toBeGreaterThan(300);
    expect(refused).toBeGreaterThan(300);
  });
});

describe('the schema', () => {
  it('is loaded once and knows every served kind', () => {
    expect(kubeSchema()).toBe(kubeSchema());
    for (const r of resources) {
      const apiVersion = r.group ? `${r.group}/${r.version}` : r.version;
      expect(kubeSchema().typeFor(apiVersion, r.kind), `${apiVersion} ${r.kind}`).toBeDefined();
    }
    for (const [key, name] of Object.entries(KINDS)) {
      expect(kubeSchema().root.lookupType(name).name, key).toBe(key.split(' ')[1]);
    }
  });

  it('reports decode failures with its own error class', () => {
    try {
      decodeObject(Buffer.from('nope'));
      expect.unreachable();
    } catch (e) {
      expect(isProtobufDecodeError(e)).toBe(true);
    }
  });
});

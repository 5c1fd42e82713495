import { describe, expect, it } from 'vitest';
import type { Obj } from '../resources/fetch.js';
import {
  applyPatch,
  isEmptyPatch,
  lastAppliedAnnotation,
  parseManifests,
  resolveManifest,
  withLastApplied,
  type ResolveOptions,
} from './index.js';
import { checkFields } from './field-check.js';

const deployment = (replicas: unknown, extra = ''): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: ${String(replicas)}${extra}
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx:1.25
`;

const opts: ResolveOptions = {
  namespace: 'default',
  namespaceExplicit: false,
  validation: 'strict',
  checkFields,
};

describe('parseManifests', () => {
  it('splits documents, skips empty ones, expands Lists and reads YAML 1.1 octals', () => {
    const text = `${deployment(2)}---\n---\napiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}\n- {apiVersion: v1, kind: Secret, metadata: {name: b}, data: {}, type: Opaque}\n---\nmode: 0644\n`;
    const ms = parseManifests(text, 'f.yaml');
    expect(ms.map((m) => m.obj?.kind ?? m.obj?.['mode'])).toEqual([
      'Deployment',
      'ConfigMap',
      'Secret',
      420,
    ]);
    expect(ms[1]?.index).toBe(2);
  });

  it('reports a broken document with its file and line, keeping the others', () => {
    const ms = parseManifests(`a: [1\n---\n${deployment(1)}`, 'bad.yaml');
    expect(ms[0]?.error).toMatch(/^error parsing bad\.yaml: yaml: line \d+/);
    expect(ms[1]?.obj?.kind).toBe('Deployment');
  });

  it('reads JSON', () => {
    const ms = parseManifests(
      '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"}}',
      'x.json',
    );
    expect(ms[0]?.obj?.metadata?.name).toBe('x');
  });
});

describe('resolveManifest', () => {
  const one = (text: string, o: Partial<ResolveOptions> = {}) =>
    resolveManifest(parseManifests(text, 'web.yaml')[0] as never, { ...opts, ...o });

  it('accepts a valid object and sets its namespace', () => {
    const r = one(deployment(2));
    if (typeof r === 'string') throw new Error(r);
    expect(r.info.resource).toBe('deployments');
    expect(r.namespace).toBe('default');
    expect(r.obj.metadata?.namespace).toBe('default');
  });

  it('names the file and the field path of invalid values and unknown fields', () => {
    expect(one(deployment(-1))).toBe(
      'error validating "web.yaml": Deployment.apps "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0',
    );
    expect(one(deployment(1, '\n  replicass: 2'))).toBe(
      'error validating "web.yaml": Deployment "web": strict decoding error: unknown field "spec.replicass"',
    );
    expect(one(deployment('"three"'))).toMatch(
      /^error validating "web\.yaml": Deployment in version "v1" cannot be handled/,
    );
  });

  it('keeps unknown fields as warnings when validation is warn, and skips checks when ignore', () => {
    const r = one(deployment(1, '\n  replicass: 2'), { validation: 'warn' });
    if (typeof r === 'string') throw new Error(r);
    expect(r.warnings).toEqual(['unknown field "spec.replicass"']);
    expect(typeof one(deployment(-1), { validation: 'ignore' })).toBe('object');
  });

  it('rejects unknown kinds, missing type fields and namespace mismatches as kubectl does', () => {
    expect(one('apiVersion: v1\nkind: Widget\nmetadata: {name: w}\n')).toMatch(
      /^resource mapping not found for name: "w" namespace: "" from "web\.yaml": no matches for kind "Widget" in version "v1"/,
    );
    expect(one('kind: ConfigMap\nmetadata: {name: c}\n')).toMatch(/\[apiVersion not set\]/);
    expect(one('apiVersion: v1\nkind: ConfigMap\nmetadata: {namespace: a}\n')).toMatch(
      /metadata\.name: Required value/,
    );
    expect(
      one('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: a}\n', {
        namespace: 'b',
        namespaceExplicit: true,
      }),
    ).toBe(
      `the namespace from the provided object "a" does not match the namespace "b". You must pass '--namespace=a' to perform this operation.`,
    );
  });
});

describe('last-applied bookkeeping', () => {
  const manifest = (replicas: number): Obj => {
    const m = parseManifests(deployment(replicas), 'web.yaml')[0]?.obj as Obj;
    (m.metadata as Record<string, unknown>)['namespace'] = 'default';
    return m;
  };

  it('encodes the configuration as kubectl does: sorted compact JSON, empty annotations, newline', () => {
    const m = withLastApplied(manifest(2));
    const text = (m.metadata as { annotations: Record<string, string> }).annotations[
      lastAppliedAnnotation
    ];
    expect(text).toBe(
      '{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"annotations":{},"name":"web","namespace":"default"},"spec":{"replicas":2,"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"image":"nginx:1.25","name":"web"}]}}}}\n',
    );
  });

  it('finds nothing to send when the live object matches, and a strategic patch otherwise', () => {
    const live: Obj = {
      ...withLastApplied(manifest(2)),
      status: { replicas: 2 },
    };
    (live.spec as Record<string, unknown>)['revisionHistoryLimit'] = 10;
    expect(
      isEmptyPatch(
        applyPatch(live, withLastApplied(manifest(2)), { group: 'apps', kind: 'Deployment' }),
      ),
    ).toBe(true);
    const patch = applyPatch(live, withLastApplied(manifest(3)), {
      group: 'apps',
      kind: 'Deployment',
    });
    expect((patch['spec'] as Record<string, unknown>)['replicas']).toBe(3);
    expect(Object.keys((patch['metadata'] as { annotations: object }).annotations)).toEqual([
      lastAppliedAnnotation,
    ]);
  });

  it('deletes fields removed from the manifest but keeps fields others set', () => {
    const before = manifest(2);
    (before.metadata as Record<string, unknown>)['labels'] = { team: 'a', app: 'web' };
    const live: Obj = withLastApplied(before);
    (live.metadata as Record<string, unknown>)['labels'] = { team: 'a', app: 'web', other: 'kept' };
    const after = manifest(2);
    (after.metadata as Record<string, unknown>)['labels'] = { app: 'web' };
    const patch = applyPatch(live, withLastApplied(after), { group: 'apps', kind: 'Deployment' });
    expect((patch['metadata'] as Record<string, unknown>)['labels']).toEqual({ team: null });
  });
});

import { describe, expect, it } from 'vitest';
import { JsonPath, JsonPathError, relaxedTemplate } from './index.js';

const deploy = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: {
    name: 'web',
    labels: { app: 'web', 'app.kubernetes.io/name': 'shop' },
    annotations: { 'deployment.kubernetes.io/revision': '3' },
  },
  spec: {
    replicas: 3,
    template: {
      spec: {
        containers: [
          { name: 'web', image: 'nginx:1.27', ports: [{ containerPort: 80 }] },
          { name: 'side', image: 'busybox' },
        ],
      },
    },
  },
  status: {
    conditions: [
      { type: 'Available', status: 'True' },
      { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' },
    ],
  },
};
const list = {
  apiVersion: 'v1',
  kind: 'List',
  items: [deploy, { ...deploy, metadata: { name: 'api' }, spec: { replicas: 1 } }],
};

const run = (t: string, data: unknown = deploy, allowMissingKeys = true): string =>
  new JsonPath(t, { allowMissingKeys }).execute(data);

describe('JsonPath (kubectl dialect)', () => {
  it('prints fields, numbers and text around actions', () => {
    expect(run('{.spec.replicas}')).toBe('3');
    expect(run('replicas={.spec.replicas} name={.metadata.name}')).toBe('replicas=3 name=web');
    expect(run('{$.metadata.name}')).toBe('web');
  });

  it('prints maps and lists as compact JSON with sorted keys', () => {
    expect(run('{.metadata.labels}')).toBe('{"app":"web","app.kubernetes.io/name":"shop"}');
    expect(run('{.spec.template.spec.containers[0].ports}')).toBe('[{"containerPort":80}]');
  });

  it('joins several results with spaces', () => {
    expect(run('{.items[*].metadata.name}', list)).toBe('web api');
    expect(run('{.spec.template.spec.containers[*].image}')).toBe('nginx:1.27 busybox');
  });

  it('supports indexes, negative indexes, slices and unions', () => {
    expect(run('{.items[1].metadata.name}', list)).toBe('api');
    expect(run('{.items[-1].metadata.name}', list)).toBe('api');
    expect(run('{.items[0:1].metadata.name}', list)).toBe('web');
    expect(run('{.items[0,1].spec.replicas}', list)).toBe('3 1');
    expect(run("{.metadata['name','kind']}")).toBe('web');
  });

  it('ranges with literal strings', () => {
    expect(run('{range .items[*]}{.metadata.name}{"\\t"}{.spec.replicas}{"\\n"}{end}', list)).toBe(
      'web\t3\napi\t1\n',
    );
  });

  it('filters with comparisons and existence', () => {
    expect(run('{.status.conditions[?(@.type=="Available")].status}')).toBe('True');
    expect(run("{.status.conditions[?(@.type != 'Available')].reason}")).toBe(
      'ProgressDeadlineExceeded',
    );
    expect(run('{.items[?(@.spec.replicas > 2)].metadata.name}', list)).toBe('web');
    expect(run('{.status.conditions[?(@.reason)].type}')).toBe('Progressing');
  });

  it('descends recursively', () => {
    expect(run('{..image}')).toBe('nginx:1.27 busybox');
    expect(run('{.spec..containerPort}')).toBe('80');
  });

  it('reads keys with escaped dots and quoted brackets', () => {
    expect(run('{.metadata.annotations.deployment\\.kubernetes\\.io/revision}')).toBe('3');
    expect(run("{.metadata.labels['app.kubernetes.io/name']}")).toBe('shop');
  });

  it('prints nothing for missing keys when allowed, and fails otherwise', () => {
    expect(run('{.spec.paused}')).toBe('');
    expect(() => run('{.spec.paused}', deploy, false)).toThrow(JsonPathError);
  });

  it('rejects malformed templates', () => {
    expect(() => new JsonPath('{.spec')).toThrow(JsonPathError);
    expect(() => new JsonPath('{range .items[*]}{.a}')).toThrow(/end/);
    expect(() => new JsonPath('{end}')).toThrow(JsonPathError);
    expect(() => new JsonPath('{.items[}')).toThrow(JsonPathError);
  });

  it('prints all results as a JSON array for jsonpath-as-json', () => {
    const p = new JsonPath('{.items[*].metadata.name}', { asJson: true });
    expect(p.execute(list)).toBe('[\n    "web",\n    "api"\n]\n');
  });

  it('relaxes bare paths for custom columns', () => {
    expect(relaxedTemplate('.metadata.name')).toBe('{.metadata.name}');
    expect(relaxedTemplate('metadata.name')).toBe('{.metadata.name}');
    expect(relaxedTemplate('{.spec}')).toBe('{.spec}');
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deploymentYaml, startCliHarness, type CliHarness } from './harness.js';

const configMap = (name: string, value: string): string =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  key: "${value}"\n`;

describe('tug apply, create, replace and delete -f against the real API server', () => {
  let h: CliHarness;
  beforeAll(async () => {
    h = await startCliHarness();
  });
  afterAll(async () => {
    await h?.[Symbol.asyncDispose]();
  });

  it('creates, configures and reports unchanged; a bad document is named with its field path and skipped', async () => {
    const bad = deploymentYaml('broken', -1, 'nginx');
    const file = await h.file(
      'multi.yaml',
      [deploymentYaml('web', 2, 'nginx:1.25'), bad, configMap('settings', 'a')].join('---\n'),
    );
    const first = await h.tug(['apply', '-f', file]);
    expect(first.code).toBe(1);
    expect(first.out).toBe('deployment.apps/web created\nconfigmap/settings created\n');
    expect(first.err).toBe(
      `error: error validating "${file}": Deployment.apps "broken" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0\n`,
    );
    expect(first.err).not.toMatch(/\n\s+at /);
    const gone = await h.tug(['get', 'deploy', 'broken']);
    expect(gone.code).toBe(1);
    expect(gone.err).toBe('Error from server (NotFound): deployments.apps "broken" not found\n');

    const again = await h.tug(['apply', '-f', file]);
    expect(again.out).toBe('deployment.apps/web unchanged\nconfigmap/settings unchanged\n');

    await h.file(
      'multi.yaml',
      [deploymentYaml('web', 3, 'nginx:1.27'), configMap('settings', 'a')].join('---\n'),
    );
    const changed = await h.tug(['apply', '-f', file]);
    expect(changed).toEqual({
      out: 'deployment.apps/web configured\nconfigmap/settings unchanged\n',
      err: '',
      code: 0,
    });
    const img = await h.tug([
      'get',
      'deploy',
      'web',
      '-o',
      'jsonpath={.spec.replicas} {.spec.template.spec.containers[0].image}',
    ]);
    expect(img.out).toBe('3 nginx:1.27');
  });

  it('interoperates with kubectl apply: the last-applied annotation is the same', async () => {
    const file = await h.file('interop.yaml', deploymentYaml('interop', 1, 'nginx:1'));
    expect((await h.kubectl(['apply', '-f', file])).out).toBe('deployment.apps/interop created\n');
    expect((await h.tug(['apply', '-f', file])).out).toBe('deployment.apps/interop unchanged\n');
    await h.file('interop.yaml', deploymentYaml('interop', 2, 'nginx:1'));
    expect((await h.tug(['apply', '-f', file])).out).toBe('deployment.apps/interop configured\n');
    expect((await h.kubectl(['apply', '-f', file])).out).toBe(
      'deployment.apps/interop unchanged\n',
    );
  });

  it('reports unknown fields the server would refuse, and a mismatched namespace, before sending', async () => {
    const typo = deploymentYaml('typo', 1, 'nginx').replace(
      '  replicas: 1',
      '  replicas: 1\n  replicass: 2',
    );
    const file = await h.file('typo.yaml', typo);
    const r = await h.tug(['apply', '-f', file]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('strict decoding error: unknown field "spec.replicass"');
    expect(r.err).toContain(file);
    const ns = await h.file(
      'ns.yaml',
      configMap('elsewhere', 'x').replace('name: elsewhere', 'name: elsewhere\n  namespace: other'),
    );
    const m = await h.tug(['apply', '-n', 'default', '-f', ns]);
    expect(m.err).toContain(
      `the namespace from the provided object "other" does not match the namespace "default"`,
    );
    // --validate=false is kubectl's fieldValidation=Ignore: the server drops the field.
    const lenient = await h.tug(['apply', '--validate=false', '-f', file]);
    expect(lenient).toEqual({ out: 'deployment.apps/typo created\n', err: '', code: 0 });
  });

  it('reads stdin, folders with -R and JSON; --dry-run=server changes nothing', async () => {
    const viaStdin = await h.tug(['apply', '-f', '-'], { stdin: configMap('from-stdin', 'x') });
    expect(viaStdin.out).toBe('configmap/from-stdin created\n');
    await h.file('tree/a.yaml', configMap('tree-a', 'a'));
    await h.file(
      'tree/sub/b.json',
      JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'tree-b' } }),
    );
    const flat = await h.tug(['apply', '-f', `${h.dir}/tree`]);
    expect(flat.out).toBe('configmap/tree-a created\n');
    const deep = await h.tug(['apply', '-R', '-f', `${h.dir}/tree`]);
    expect(deep.out).toBe('configmap/tree-a unchanged\nconfigmap/tree-b created\n');
    const dry = await h.tug(['apply', '--dry-run=server', '-f', '-'], {
      stdin: configMap('dry', 'x'),
    });
    expect(dry.out).toBe('configmap/dry created (server dry run)\n');
    expect((await h.tug(['get', 'cm', 'dry'])).code).toBe(1);
  });

  it('create -f fails on existing objects; replace -f replaces; delete -f deletes and waits', async () => {
    const file = await h.file('cm.yaml', configMap('made', 'one'));
    expect((await h.tug(['create', '-f', file])).out).toBe('configmap/made created\n');
    const dup = await h.tug(['create', '-f', file]);
    expect(dup.code).toBe(1);
    expect(dup.err).toBe(
      `Error from server (AlreadyExists): error when creating "${file}": configmaps "made" already exists\n`,
    );
    await h.file('cm.yaml', configMap('made', 'two'));
    expect((await h.tug(['replace', '-f', file])).out).toBe('configmap/made replaced\n');
    expect((await h.tug(['get', 'cm', 'made', '-o', 'jsonpath={.data.key}'])).out).toBe('two');
    const del = await h.tug(['delete', '-f', file]);
    expect(del).toEqual({ out: 'configmap "made" deleted\n', err: '', code: 0 });
    const again = await h.tug(['delete', '-f', file]);
    expect(again.code).toBe(1);
    expect(again.err).toBe(
      `Error from server (NotFound): error when deleting "${file}": configmaps "made" not found\n`,
    );
    expect((await h.tug(['delete', '-f', file, '--ignore-not-found'])).code).toBe(0);
  });

  it('deletes by name, by label and with --all', async () => {
    for (const n of ['d1', 'd2', 'd3']) {
      await h.tug(['apply', '-f', '-'], {
        stdin: configMap(n, n).replace(
          `name: ${n}`,
          `name: ${n}\n  labels: {group: g${n === 'd3' ? '2' : '1'}}`,
        ),
      });
    }
    expect((await h.tug(['delete', 'cm', 'd1'])).out).toBe('configmap "d1" deleted\n');
    expect((await h.tug(['delete', 'cm', '-l', 'group=g1'])).out).toBe('configmap "d2" deleted\n');
    expect((await h.tug(['delete', 'cm', '-l', 'group=none'])).out).toBe('No resources found\n');
    const usage = await h.tug(['delete', 'cm']);
    expect(usage.err).toBe('error: resource(s) were provided, but no name was specified\n');
    const nf = await h.tug(['delete', 'deploy', 'nope']);
    expect(nf.err).toBe('Error from server (NotFound): deployments.apps "nope" not found\n');
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BufferSink } from '../../cli/io.js';
import { waitFor } from '../../lib/wait.js';
import { deploymentYaml, maskAges, startCliHarness, type CliHarness } from './harness.js';

const normalize = (s: string): string => maskAges(s).replace(/ +/g, ' ');

describe('tug get against the real API server', () => {
  let h: CliHarness;
  beforeAll(async () => {
    h = await startCliHarness();
    const file = await h.file(
      'app.yaml',
      [
        deploymentYaml('web', 2, 'nginx:1.27', 'app: web\n    tier: front'),
        deploymentYaml('api', 1, 'api:2', 'app: api\n    tier: back'),
        'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector: {app: web}\n  ports: [{port: 80, targetPort: 8080}]\n',
        'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team\n',
      ].join('---\n'),
    );
    const r = await h.tug(['apply', '-f', file]);
    expect(r.code).toBe(0);
    await h.tug(['apply', '-f', '-'], {
      stdin: deploymentYaml('other', 1, 'x:1').replace(
        'name: other',
        'name: other\n  namespace: team',
      ),
    });
  });
  afterAll(async () => {
    await h?.[Symbol.asyncDispose]();
  });

  it('prints server-side Tables with kubectl columns, and matches kubectl', async () => {
    for (const args of [
      ['get', 'deploy'],
      ['get', 'deploy', '-o', 'wide'],
      ['get', 'ns'],
      ['get', 'deploy,svc'],
      ['get', 'deploy', '-A', '--show-labels'],
      ['get', 'deploy', '-L', 'tier'],
      ['get', 'all'],
    ]) {
      const ours = await h.tug(args);
      const theirs = await h.kubectl(args);
      expect(ours.code, args.join(' ')).toBe(0);
      expect(normalize(ours.out), args.join(' ')).toBe(normalize(theirs.out));
    }
    const ns = await h.tug(['get', 'ns']);
    expect(ns.out.split('\n')[0]).toBe('NAME              STATUS   AGE');
    const wide = await h.tug(['get', 'deploy', '-o', 'wide']);
    expect(wide.out).toMatch(
      /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\s+CONTAINERS\s+IMAGES\s+SELECTOR\n/,
    );
    expect(wide.out).toMatch(/\nweb\s+0\/2\s+0\s+0\s+\S+\s+web\s+nginx:1\.27\s+app=web\n/);
  });

  it('prints several kinds as separate tables with kind/name', async () => {
    const r = await h.tug(['get', 'deploy,svc', '-l', 'app=web']);
    expect(r.out).toMatch(/^NAME\s+READY.*\ndeployment\.apps\/web\s/);
    const svc = await h.tug(['get', 'svc', 'web', 'kubernetes', '--no-headers']);
    expect(
      svc.out
        .split('\n')
        .filter((l) => l)
        .map((l) => l.split(/\s+/)[0]),
    ).toEqual(['web', 'kubernetes']);
  });

  it('selects by label and field, and across namespaces', async () => {
    expect((await h.tug(['get', 'deploy', '-l', 'tier=back', '-o', 'name'])).out).toBe(
      'deployment.apps/api\n',
    );
    expect(
      (await h.tug(['get', 'deploy', '--field-selector', 'metadata.name=web', '-o', 'name'])).out,
    ).toBe('deployment.apps/web\n');
    const all = await h.tug(['get', 'deploy', '-A']);
    expect(all.out).toMatch(/^NAMESPACE\s+NAME\s+READY/);
    expect(all.out).toMatch(/\nteam\s+other\s/);
    expect((await h.tug(['get', 'deploy', '-n', 'team', '-o', 'name'])).out).toBe(
      'deployment.apps/other\n',
    );
    const none = await h.tug(['get', 'po']);
    expect(none).toEqual({ out: '', err: 'No resources found in default namespace.\n', code: 0 });
    expect((await h.tug(['get', 'no'])).err).toBe('No resources found\n');
  });

  it('prints objects as yaml, json, name, jsonpath and custom columns', async () => {
    const y = await h.tug(['get', 'deploy', 'web', '-o', 'yaml']);
    const ky = await h.kubectl(['get', 'deploy', 'web', '-o', 'yaml']);
    expect(y.out).toBe(ky.out);
    const j = await h.tug(['get', 'deploy', '-o', 'json']);
    const kj = await h.kubectl(['get', 'deploy', '-o', 'json']);
    expect(j.out).toBe(kj.out);
    expect(JSON.parse(j.out)).toMatchObject({ kind: 'List', apiVersion: 'v1' });
    expect((await h.tug(['get', 'deploy,svc', '-o', 'name'])).out).toBe(
      'deployment.apps/api\ndeployment.apps/web\nservice/kubernetes\nservice/web\n',
    );
    const tpl = '{range .items[*]}{.metadata.name}={.spec.replicas}{"\\n"}{end}';
    expect((await h.tug(['get', 'deploy', '-o', `jsonpath=${tpl}`])).out).toBe('api=1\nweb=2\n');
    expect((await h.kubectl(['get', 'deploy', '-o', `jsonpath=${tpl}`])).out).toBe(
      'api=1\nweb=2\n',
    );
    const filt = '{.items[?(@.metadata.name=="web")].spec.template.spec.containers[*].image}';
    expect((await h.tug(['get', 'deploy', '-o', `jsonpath=${filt}`])).out).toBe('nginx:1.27');
    const cc = await h.tug([
      'get',
      'deploy',
      '-o',
      'custom-columns=NAME:.metadata.name,REPLICAS:.spec.replicas',
    ]);
    expect(cc.out).toBe('NAME   REPLICAS\napi    1\nweb    2\n');
    const bad = await h.tug(['get', 'deploy', '-o', 'xml']);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(
      /^error: unable to match a printer suitable for the output format "xml"/,
    );
  });

  it('reports NotFound like kubectl and still prints what exists', async () => {
    const r = await h.tug(['get', 'deploy', 'web', 'nope']);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^NAME\s+READY.*\nweb\s/);
    expect(r.err).toBe('Error from server (NotFound): deployments.apps "nope" not found\n');
    const k = await h.kubectl(['get', 'deploy', 'web', 'nope']);
    expect(r.err).toBe(k.err);
    const t = await h.tug(['get', 'nothing']);
    expect(t.err).toBe(`error: the server doesn't have a resource type "nothing"\n`);
    expect((await h.tug(['get', 'deploy', 'nope', '--ignore-not-found'])).code).toBe(0);
  });

  it('watches: prints the table, then a row per change until interrupted', async () => {
    const ac = new AbortController();
    const stdout = new BufferSink();
    const running = h.tug(['get', 'deploy', '-w'], { signal: ac.signal, stdout });
    try {
      await waitFor(() => stdout.text.includes('\nweb '), {
        timeoutMs: 20_000,
        what: 'the first table',
      });
      const before = stdout.text.split('\n').length;
      expect((await h.tug(['scale', 'deploy', 'web', '--replicas=5'])).out).toBe(
        'deployment.apps/web scaled\n',
      );
      await waitFor(() => /\nweb\s+0\/5\s/.test(stdout.text), {
        timeoutMs: 20_000,
        what: 'the watched change',
      });
      expect(stdout.text.split('\n').length).toBeGreaterThan(before);
      expect(stdout.text.match(/NAME/g)?.length).toBe(1);
    } finally {
      ac.abort();
    }
    const r = await running;
    expect(r.code).toBe(130);
  });
});

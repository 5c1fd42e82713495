/**
 * End-to-end: the built `tug` binary, run as a process, against real local
 * clusters it brings up itself (`tug up --nodes 3`: etcd, control plane, 3
 * network-namespace nodes with the real shim, conmon, crun and CNI).
 * apply / re-apply, get in every output format, watch, describe, scale,
 * rollout status / undo, logs -f, exec, top, the Docker-style flow (tug
 * image build, run, logs -f, delete), bad manifests, delete -f, a second
 * cluster side by side, and `tug down` leaving nothing behind. Needs root,
 * `npm run build` and scripts/build-test-images.sh.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { findResource } from '../controlplane/api/resources.js';
import type { Deployment, Node } from '../controlplane/api/types/index.js';
import { defaultImages } from '../cli/up/local-cluster.js';
import { waitFor } from '../lib/wait.js';
import {
  curl,
  helloImage,
  readyPods,
  runningPod,
  talkerYaml,
  tugDown,
  tugUp,
  webYaml,
  type LiveCluster,
} from './cli-clusters.js';
import { hostState, maskAges, maskUsage, repo, traces, Tug } from './cli-support.js';

const isRoot = process.getuid?.() === 0;

const nodesInfo = findResource('', 'v1', 'nodes')!;
const deploymentsInfo = findResource('apps', 'v1', 'deployments')!;

describe.skipIf(!isRoot)('tug against local clusters it brings up', () => {
  let home: string;
  let work: string;
  let a: LiveCluster | undefined;
  let b: LiveCluster | undefined;

  const file = async (name: string, text: string): Promise<string> => {
    const p = join(work, name);
    await writeFile(p, text);
    return p;
  };

  beforeAll(async () => {
    if (!existsSync(join(repo, 'dist', 'cli', 'main.js')) || defaultImages().length < 2) {
      throw new Error('run `npm run build && bash scripts/build-test-images.sh` first');
    }
    home = await mkdtemp(join(tmpdir(), 'tug-e2e-cli-home-'));
    work = await mkdtemp(join(tmpdir(), 'tug-e2e-cli-work-'));
    a = await tugUp(home, 'cli', 3);
  }, 360_000);

  afterAll(async () => {
    // Always: whatever failed, no cluster is left running.
    for (const c of [b, a]) await tugDown(home, c).catch(() => undefined);
    await rm(home, { recursive: true, force: true });
    await rm(work, { recursive: true, force: true });
  }, 400_000);

  it('tug up made a 3-node cluster: status, Ready nodes, its traces on the host, the kubeconfig copy', async () => {
    const c = a!;
    const status = await new Tug(home).ok(['status', '--name', c.name, '--state-dir', c.stateDir]);
    for (const comp of [
      'etcd0',
      'apiserver',
      'controller-manager',
      'scheduler',
      'node-3-shim',
      'node-3-agent',
    ]) {
      expect(status).toMatch(new RegExp(`^${comp}\\s+running \\(pid \\d+\\)$`, 'm'));
    }
    const nodes = await c.tug.ok(['get', 'nodes']);
    expect(nodes).toMatch(/^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION/);
    expect(nodes.match(/^node-\d\s+Ready\s/gm)).toHaveLength(3);
    // The snapshot filter sees this cluster (so the "nothing left" checks can fail).
    const now = traces(await hostState(), c.marks);
    expect(now.netns).toHaveLength(3);
    expect(now.links.some((l) => l.startsWith('tugbr-'))).toBe(true);
    expect(now.iptables.some((l) => l.includes(`tug-cluster-${c.name}`))).toBe(true);
    expect(now.routes.length).toBeGreaterThanOrEqual(4);
    expect(now.processes.length).toBeGreaterThanOrEqual(10);
    expect(now.mounts.length).toBeGreaterThanOrEqual(3);
    // `tug up` copies the admin kubeconfig where tug looks by default (here the private HOME).
    expect(existsSync(join(home, '.tug', 'kubeconfig'))).toBe(true);
  }, 60_000);

  it('apply creates, re-apply says unchanged, a changed file is configured; rollout status waits', async () => {
    const t = a!.tug;
    const f = await file('web.yaml', webYaml(2, 'hello'));
    expect(await t.ok(['apply', '-f', f])).toBe(
      'deployment.apps/web created\nservice/web created\nconfigmap/cfg created\n',
    );
    expect(await t.ok(['apply', '-f', f])).toBe(
      'deployment.apps/web unchanged\nservice/web unchanged\nconfigmap/cfg unchanged\n',
    );
    await writeFile(f, webYaml(3, 'hi'));
    expect(await t.ok(['apply', '-f', f])).toBe(
      'deployment.apps/web configured\nservice/web unchanged\nconfigmap/cfg configured\n',
    );
    const status = await t.run(['rollout', 'status', 'deploy/web', '--timeout', '3m'], {
      timeoutMs: 200_000,
    });
    expect(status.code).toBe(0);
    expect(status.out).toMatch(/deployment "web" successfully rolled out\n$/);
    const pods = await waitFor(() => readyPods(a!, 'app=web', 3), {
      timeoutMs: 60_000,
      what: '3 web pods',
    });
    for (const p of pods)
      expect(await curl(`http://${p.status!.podIP}:8080/`)).toContain('version 1');
  }, 240_000);

  it('get prints every output format, as kubectl does', async () => {
    const t = a!.tug;
    const table = await t.ok(['get', 'deploy', 'web']);
    expect(table).toMatch(
      /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\nweb\s+3\/3\s+3\s+3\s+\S+\n$/,
    );
    const wide = await t.ok(['get', 'deploy', 'web', '-o', 'wide']);
    expect(wide).toMatch(
      /CONTAINERS\s+IMAGES\s+SELECTOR\n.*web\s+docker\.io\/tugboat\/webserver:1\s+app=web\n$/,
    );
    const kubectlWide = await t.kubectl(['get', 'deploy', 'web', '-o', 'wide']);
    expect(maskAges(wide)).toBe(maskAges(kubectlWide.out));
    const y = parseYaml(await t.ok(['get', 'deploy', 'web', '-o', 'yaml'])) as Deployment;
    expect(y).toMatchObject({ apiVersion: 'apps/v1', kind: 'Deployment', spec: { replicas: 3 } });
    const j = JSON.parse(await t.ok(['get', 'configmap', 'cfg', '-o', 'json'])) as {
      data: unknown;
    };
    expect(j.data).toEqual({ greeting: 'hi' });
    expect(await t.ok(['get', 'deploy,svc', '-o', 'name', '-l', 'app=web'])).toBe(
      'deployment.apps/web\n',
    );
    expect(await t.ok(['get', 'deploy', 'web', '-o', 'jsonpath={.spec.replicas}'])).toBe('3');
    expect(
      await t.ok([
        'get',
        'svc',
        'web',
        '-o',
        'custom-columns=NAME:.metadata.name,PORT:.spec.ports[0].port',
      ]),
    ).toMatch(/^NAME\s+PORT\nweb\s+80\n$/);
    const podsWide = await t.ok(['get', 'pods', '-l', 'app=web', '-o', 'wide']);
    expect(podsWide).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s/);
    expect(
      podsWide.match(/^web-\S+\s+1\/1\s+Running\s+0\s+\S+\s+10\.\d+\.\d+\.\d+\s+node-\d\s/gm),
    ).toHaveLength(3);
    const names = await t.ok(['get', 'pods', '-l', 'app=web', '-o', 'name']);
    expect(names).toBe((await t.kubectl(['get', 'pods', '-l', 'app=web', '-o', 'name'])).out);
  }, 120_000);

  it('get -w sees a scale as it happens; describe shows the result', async () => {
    const t = a!.tug;
    const watch = t.start(['get', 'deploy', 'web', '-w'], {
      until: (out) => /^web\s+4\/4\s/m.test(out),
      timeoutMs: 150_000,
    });
    await waitFor(() => /^web\s+3\/3\s/m.test(watch.out()), {
      timeoutMs: 30_000,
      what: 'the watch to list web',
    });
    expect(await t.ok(['scale', 'deploy/web', '--replicas=4'])).toBe(
      'deployment.apps/web scaled\n',
    );
    const w = await watch.done;
    // Ctrl-C ends the watch as it ends kubectl's: exit status 130.
    expect(w.code).toBe(130);
    expect(w.out).toMatch(/^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\nweb\s+3\/3\s/);
    expect(w.out).toMatch(/^web\s+[34]\/4\s/m);
    const d = await t.ok(['describe', 'deploy', 'web']);
    expect(d).toMatch(/^Name:\s+web$/m);
    expect(d).toMatch(
      /^Replicas:\s+4 desired \| 4 updated \| 4 total \| 4 available \| 0 unavailable$/m,
    );
    expect(d).toMatch(/Scaled up replica set web-\S+ (to|from \d+ to) 4/);
    const [pod] = (await a!.pods.list({ labelSelector: 'app=web' })).items;
    const dp = await t.ok(['describe', 'pod', pod!.metadata.name]);
    expect(dp).toMatch(/^Node:\s+node-\d\/10\.\d+\.\d+\.\d+$/m);
    expect(dp).toMatch(/^Status:\s+Running$/m);
    expect(dp).toMatch(/^Events:/m);
  }, 180_000);

  it('rolls out a new image and undoes it (rollout status, history, undo)', async () => {
    const t = a!.tug;
    expect(await t.ok(['set', 'image', 'deploy/web', 'web=docker.io/tugboat/webserver:2'])).toBe(
      'deployment.apps/web image updated\n',
    );
    const s1 = await t.run(['rollout', 'status', 'deploy/web', '--timeout', '3m'], {
      timeoutMs: 200_000,
    });
    expect(s1.code).toBe(0);
    expect(s1.out).toContain('deployment "web" successfully rolled out');
    let pods = await waitFor(() => readyPods(a!, 'app=web', 4), {
      timeoutMs: 60_000,
      what: '4 web pods',
    });
    for (const p of pods)
      expect(await curl(`http://${p.status!.podIP}:8080/`)).toContain('version 2');
    expect(await t.ok(['rollout', 'history', 'deploy/web'])).toMatch(
      /^REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>\n/m,
    );
    expect(await t.ok(['rollout', 'undo', 'deploy/web'])).toBe('deployment.apps/web rolled back\n');
    const s2 = await t.run(['rollout', 'status', 'deploy/web', '--timeout', '3m'], {
      timeoutMs: 200_000,
    });
    expect(s2.code).toBe(0);
    expect(
      await t.ok([
        'get',
        'deploy',
        'web',
        '-o',
        'jsonpath={.spec.template.spec.containers[0].image}',
      ]),
    ).toBe('docker.io/tugboat/webserver:1');
    pods = await waitFor(() => readyPods(a!, 'app=web', 4), {
      timeoutMs: 60_000,
      what: '4 web pods',
    });
    for (const p of pods)
      expect(await curl(`http://${p.status!.podIP}:8080/`)).toContain('version 1');
  }, 420_000);

  it('logs (plain, --tail, -f, deploy/NAME) and exec (output, exit code, stdin) through the API server', async () => {
    const t = a!.tug;
    expect(await t.ok(['apply', '-f', await file('talker.yaml', talkerYaml)])).toBe(
      'pod/talker created\n',
    );
    await runningPod(a!, 'talker');
    const plain = await waitFor(
      async () => {
        const r = await t.run(['logs', 'talker']);
        return r.code === 0 && r.out.includes('tick 2\n') ? r.out : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 1000, what: 'talker to log' },
    );
    expect(plain.startsWith('first\ntick 1\ntick 2\n')).toBe(true);
    const tail = await t.ok(['logs', 'talker', '--tail=1']);
    expect(tail).toMatch(/^tick \d+\n$/);
    const last = Number(/tick (\d+)/.exec(tail)![1]);
    const follow = await t.run(['logs', '-f', 'talker', '--tail=1'], {
      until: (out) => out.includes(`tick ${last + 2}\n`),
      timeoutMs: 60_000,
    });
    expect(follow.code).toBe(130);
    expect(follow.out).toContain(`tick ${last + 1}\ntick ${last + 2}\n`);
    const deploy = await t.run(['logs', 'deploy/web', '--tail=1']);
    expect(deploy.code).toBe(0);
    expect(deploy.err).toMatch(/^Found 4 pods, using pod\/web-\S+\n$/);
    expect(await t.ok(['logs', 'talker', '--timestamps', '--tail=1'])).toMatch(
      /^\d{4}-\d\d-\d\dT\S+Z tick \d+\n$/,
    );

    const hi = await t.run(['exec', 'talker', '--', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
    expect(hi).toEqual({
      code: 3,
      out: 'out\n',
      err: 'err\ncommand terminated with exit code 3\n',
    });
    expect(await t.ok(['exec', 'talker', '--', 'hostname'])).toBe('talker\n');
    const cat = await t.run(['exec', '-i', 'talker', '--', 'sh', '-c', 'cat; echo done'], {
      stdin: 'through stdin\n',
    });
    expect(cat).toMatchObject({ code: 0, out: 'through stdin\ndone\n' });
    const web = await t.ok(['exec', 'deploy/web', '--', 'sh', '-c', 'echo $HOSTNAME']);
    expect(web).toMatch(/^web-\S+\n$/);
    // Errors read as kubectl's, word for word.
    for (const args of [
      ['logs', 'nope'],
      ['logs', 'talker', '-c', 'zz'],
      ['exec', 'nope', '--', 'true'],
      ['exec', 'talker', '-c', 'zz', '--', 'true'],
      ['exec', 'talker', 'true'],
    ]) {
      const mine = await t.run(args);
      const theirs = await t.kubectl(args);
      expect({ args, code: mine.code, err: mine.err }).toEqual({
        args,
        code: theirs.code,
        err: theirs.err.replaceAll('kubectl', 'tug'),
      });
    }
  }, 240_000);

  it('top nodes and top pods print what kubectl prints', async () => {
    const t = a!.tug;
    const nodes = await waitFor(
      async () => {
        const r = await t.run(['top', 'nodes']);
        return r.code === 0 &&
          (r.out.match(/^node-\d\s+\d+m\s+\d+%\s+\d+Mi\s+\d+%/gm) ?? []).length === 3
          ? r.out
          : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 2000, what: 'tug top nodes to show 3 nodes' },
    );
    expect(nodes).toMatch(/^NAME\s+CPU\(cores\)\s+CPU\(%\)\s+MEMORY\(bytes\)\s+MEMORY\(%\)\s+\n/);
    expect(maskUsage(nodes)).toEqual(maskUsage((await t.kubectl(['top', 'nodes'])).out));
    const pods = await waitFor(
      async () => {
        const r = await t.run(['top', 'pods', '--containers']);
        return r.code === 0 && /^talker\s+main\s+\d+m\s+\d+Mi/m.test(r.out) ? r.out : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 2000, what: 'tug top pods to show talker' },
    );
    expect(pods).toMatch(/^POD\s+NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)/);
    const mine = await t.run(['top', 'pods', '-l', 'app=talker']);
    expect(maskUsage(mine.out)).toEqual(
      maskUsage((await t.kubectl(['top', 'pods', '-l', 'app=talker'])).out),
    );
  }, 240_000);

  it('the Docker-style flow: tug image build, tug run, tug logs -f, tug delete pod', async () => {
    const c = a!;
    const dir = join(work, 'hello');
    await mkdir(dir, { recursive: true });
    for (const [f, text] of Object.entries(helloImage)) await writeFile(join(dir, f), text);
    const built = await new Tug(home).run(
      ['image', '--cluster', c.name, '--state-dir', c.stateDir, 'build', '-t', 'hello:v1', dir],
      { timeoutMs: 180_000 },
    );
    expect(built.code, built.err).toBe(0);
    expect(built.out).toContain('Successfully tagged hello:v1');
    expect(await c.tug.ok(['run', 'hello', '--image=hello:v1'])).toBe('pod/hello created\n');
    await runningPod(c, 'hello');
    const logs = await c.tug.run(['logs', '-f', 'hello'], {
      until: (out) => out.includes('tick 2\n'),
      timeoutMs: 60_000,
    });
    expect(logs.code).toBe(130);
    expect(logs.out.startsWith('hello from hello:v1\ntick 1\ntick 2\n')).toBe(true);
    expect(await c.tug.ok(['delete', 'pod', 'hello'], { timeoutMs: 90_000 })).toBe(
      'pod "hello" deleted\n',
    );
    const gone = await c.tug.run(['get', 'pod', 'hello']);
    expect(gone).toMatchObject({
      code: 1,
      err: 'Error from server (NotFound): pods "hello" not found\n',
    });
  }, 300_000);

  it('a second cluster runs beside the first, with the demo app; tug up again changes nothing; tug down of it leaves the first working and nothing of its own', async () => {
    b = await tugUp(home, 'cli2', 1, { demo: true });
    const bt = b.tug;
    const demoLines = (verb: string): string =>
      `  deployment.apps/web ${verb}\n  service/web ${verb}\n  horizontalpodautoscaler.autoscaling/web ${verb}\n`;
    expect(b.upOutput).toContain(demoLines('created'));
    expect((await bt.ok(['get', 'nodes'])).match(/^node-1\s+Ready\s/gm)).toHaveLength(1);
    expect(
      await bt.ok(['run', 'side', '--image=docker.io/library/busybox:1.35', '--', 'sleep', '3600']),
    ).toBe('pod/side created\n');
    const side = await runningPod(b, 'side');
    // Running `tug up` again keeps what runs: the same processes, the demo unchanged, the pod there.
    const again = await new Tug(home).run(
      ['up', '--name', b.name, '--nodes', '1', '--state-dir', b.stateDir],
      { timeoutMs: 120_000 },
    );
    expect(again.code, again.err).toBe(0);
    expect(again.out).toMatch(/^ {2}apiserver already running \(pid \d+\)$/m);
    expect(again.out).toContain(demoLines('unchanged'));
    expect((await b.pods.get('side')).metadata.uid).toBe(side.metadata.uid);
    // Each cluster sees only its own objects, on its own address ranges.
    expect(await bt.ok(['get', 'pods', 'talker', '--ignore-not-found'])).toBe('');
    expect(await a!.tug.ok(['get', 'pods', 'side', '--ignore-not-found'])).toBe('');
    const talker = await a!.pods.get('talker');
    expect(side.status?.podIP?.split('.').slice(0, 2)).not.toEqual(
      talker.status?.podIP?.split('.').slice(0, 2),
    );
    expect(await bt.ok(['exec', 'side', '--', 'echo', 'from b'])).toBe('from b\n');

    // tugDown runs `tug down --name B` and fails on a non-zero exit.
    await tugDown(home, b);
    expect(traces(await hostState(), b.marks)).toEqual(traces(b.before, b.marks));
    expect(existsSync(b.stateDir)).toBe(false);

    // The first cluster did not notice.
    const at = a!.tug;
    expect((await at.ok(['get', 'nodes'])).match(/^node-\d\s+Ready\s/gm)).toHaveLength(3);
    expect(await at.ok(['exec', 'talker', '--', 'echo', 'still here'])).toBe('still here\n');
    const pods = await waitFor(() => readyPods(a!, 'app=web', 4), {
      timeoutMs: 60_000,
      what: '4 web pods',
    });
    for (const p of pods)
      expect(await curl(`http://${p.status!.podIP}:8080/`)).toContain('hello from');
  }, 400_000);

  it('bad manifests are refused and change nothing', async () => {
    const t = a!.tug;
    const bad = await file(
      'bad.yaml',
      webYaml(2, 'x')
        .replace('name: web\n  labels', 'name: bad\n  labels')
        .replace('replicas: 2', 'replicas: -1'),
    );
    const r1 = await t.run(['apply', '-f', bad]);
    expect(r1.code).toBe(1);
    expect(r1.err).toContain(`error validating "${bad}"`);
    expect(r1.err).toContain('spec.replicas');
    const typo = await file(
      'typo.yaml',
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: typo\ndatta:\n  a: "1"\n',
    );
    const r2 = await t.run(['apply', '-f', typo]);
    expect(r2.code).toBe(1);
    expect(r2.err).toContain('datta');
    const broken = await file(
      'broken.yaml',
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: [\n',
    );
    const r3 = await t.run(['apply', '-f', broken]);
    expect(r3.code).toBe(1);
    expect(r3.err).toMatch(/^error: /);
    const unknown = await file(
      'unknown.yaml',
      'apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n',
    );
    expect((await t.run(['apply', '-f', unknown])).code).toBe(1);
    const after = await t.run(['get', 'deploy', 'bad']);
    expect(after).toMatchObject({
      code: 1,
      err: 'Error from server (NotFound): deployments.apps "bad" not found\n',
    });
    expect(await t.ok(['get', 'configmap', 'typo', '--ignore-not-found'])).toBe('');
  }, 120_000);

  it('delete -f removes what the file made and waits for it', async () => {
    const t = a!.tug;
    const f = join(work, 'web.yaml');
    expect(await t.ok(['delete', '-f', f], { timeoutMs: 180_000 })).toBe(
      'deployment.apps "web" deleted\nservice "web" deleted\nconfigmap "cfg" deleted\n',
    );
    const gone = await t.run(['get', 'deploy', 'web']);
    expect(gone).toMatchObject({
      code: 1,
      err: 'Error from server (NotFound): deployments.apps "web" not found\n',
    });
    await waitFor(
      async () => (await a!.pods.list({ labelSelector: 'app=web' })).items.length === 0,
      {
        timeoutMs: 120_000,
        intervalMs: 1000,
        what: 'the web pods to go',
      },
    );
    const rest = await a!.client.resource<Deployment>(deploymentsInfo, 'default').list();
    expect(rest.items).toEqual([]);
  }, 240_000);

  it('tug down leaves nothing behind: namespaces, links, routes, rules, mounts, cgroups, processes, state', async () => {
    const c = a!;
    const nodes = await c.client.resource<Node>(nodesInfo).list();
    expect(nodes.items).toHaveLength(3);
    // Pods ran, so the cluster has cgroups and container mounts for down to remove.
    const during = traces(await hostState(), c.marks);
    expect(during.cgroups.length).toBeGreaterThan(0);
    expect(during.mounts.length).toBeGreaterThan(3);
    await tugDown(home, c);
    expect(traces(await hostState(), c.marks)).toEqual(traces(c.before, c.marks));
    expect(existsSync(c.stateDir)).toBe(false);
    const st = await new Tug(home).run(['status', '--name', c.name, '--state-dir', c.stateDir]);
    expect(st).toMatchObject({ code: 1, err: `error: no cluster "${c.name}"\n` });
  }, 240_000);
});

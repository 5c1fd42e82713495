import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../controlplane/api/meta.js';
import { findResource } from '../../controlplane/api/resources.js';
import type { Namespace, Node, Pod } from '../../controlplane/api/types/index.js';
import { namespaceController } from '../../controlplane/controllers/namespace/index.js';
import { podGc } from '../../controlplane/controllers/podgc/index.js';
import { waitFor } from '../../lib/wait.js';
import { startApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { runControllers, type ControllerRun } from './gc-node-runner.js';

const info = (resource: string, group = '') => findResource(group, 'v1', resource)!;
const namespaces = info('namespaces');
const configmaps = info('configmaps');
const secrets = info('secrets');
const services = info('services');
const pods = info('pods');
const nodes = info('nodes');
const deployments = info('deployments', 'apps');

describe('namespace controller on a real API server', () => {
  let s: TestApiServer;
  let run: ControllerRun;

  beforeAll(async () => {
    s = await startApiServer();
    run = await runControllers(s.client, [namespaceController, podGc]);
  });
  afterAll(async () => {
    await run?.[Symbol.asyncDispose]();
    await s?.[Symbol.asyncDispose]();
  });

  const gone = (name: string) => async (): Promise<boolean> =>
    s.client
      .resource<Namespace>(namespaces)
      .get(name)
      .then(
        () => false,
        () => true,
      );

  async function fill(ns: string): Promise<void> {
    await s.client.resource<Namespace>(namespaces).create({ metadata: { name: ns } });
    const c = <T extends KubeObject>(i: ReturnType<typeof info>) => s.client.resource<T>(i, ns);
    await c(configmaps).create({ metadata: { name: 'cfg' }, data: { a: '1' } } as KubeObject);
    await c(secrets).create({ metadata: { name: 'sec' }, stringData: { p: 'x' } } as KubeObject);
    await c(services).create({
      metadata: { name: 'svc' },
      spec: { selector: { app: 'x' }, ports: [{ port: 80 }] },
    } as KubeObject);
    await c(deployments).create({
      metadata: { name: 'web' },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { containers: [{ name: 'c', image: 'busybox' }] },
        },
      },
    } as KubeObject);
    await c<Pod>(pods).create({
      metadata: { name: 'unbound' },
      spec: { containers: [{ name: 'c', image: 'busybox' }] },
    });
  }

  it('deletes everything in a namespace, then the namespace', async () => {
    await fill('doomed');
    await fill('bystander');
    const marked = await s.client.resource<Namespace>(namespaces).delete('doomed');
    expect(marked?.status?.phase).toBe('Terminating');
    await waitFor(gone('doomed'), { timeoutMs: 30_000, what: 'namespace doomed to go' });
    for (const i of [configmaps, secrets, services, deployments, pods]) {
      const left = await s.client.resource(i, 'doomed').list();
      expect(left.items, i.resource).toEqual([]);
      const kept = await s.client.resource(i, 'bystander').list();
      expect(kept.items.length, i.resource).toBeGreaterThan(0);
    }
  });

  it('stays Terminating while a bound pod is terminating, and goes once it is', async () => {
    await s.client.resource<Node>(nodes).create({ metadata: { name: 'no-agent' } });
    await s.client.resource<Namespace>(namespaces).create({ metadata: { name: 'slow' } });
    await s.client.resource<Pod>(pods, 'slow').create({
      metadata: { name: 'bound' },
      spec: { nodeName: 'no-agent', containers: [{ name: 'c', image: 'busybox' }] },
    });
    await s.client.resource(namespaces).delete('slow');
    const ns = await waitFor(
      async () => {
        const got = await s.client.resource<Namespace>(namespaces).get('slow');
        const c = got.status?.conditions?.find((x) => x.type === 'NamespaceContentRemaining');
        return c?.status === 'True' ? got : undefined;
      },
      { timeoutMs: 30_000, what: 'NamespaceContentRemaining=True' },
    );
    expect(ns.status?.phase).toBe('Terminating');
    const pod = await s.client.resource<Pod>(pods, 'slow').get('bound');
    expect(pod.metadata.deletionTimestamp).toBeDefined();

    // With no agent, the pod ends when its node is deleted (pod GC force-deletes it).
    await s.client.resource(nodes).delete('no-agent');
    await waitFor(gone('slow'), { timeoutMs: 60_000, what: 'namespace slow to go' });
  });
});

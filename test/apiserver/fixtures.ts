import type { KubeObject } from '../../controlplane/api/meta.js';
import { findResource, type ResourceInfo } from '../../controlplane/api/resources.js';

/** info looks a served resource up by group/version/resource (test shorthand). */
export function info(
  resource: string,
  group = '',
  version = group === 'apps' ? 'v1' : group === 'autoscaling' ? 'v2' : 'v1',
): ResourceInfo {
  const i = findResource(group, version, resource);
  if (!i) throw new Error(`no resource ${resource}.${group}/${version}`);
  return i;
}

export const configMaps = info('configmaps');
export const pods = info('pods');
export const namespaces = info('namespaces');
export const deployments = info('deployments', 'apps');
export const services = info('services');
export const nodes = info('nodes');
export const events = info('events');

/** configMap is a small ConfigMap. */
export function configMap(
  name: string,
  data: Record<string, string> = { k: 'v' },
  labels?: Record<string, string>,
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, ...(labels ? { labels } : {}) },
    data,
  } as KubeObject;
}

/** deployment is a Deployment as a user writes it. */
export function deployment(name: string, replicas = 2, image = 'busybox:1.35'): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: { app: name } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [
            {
              name: 'main',
              image,
              command: ['sleep', '3600'],
              ports: [{ containerPort: 8080 }],
              env: [{ name: 'A', value: '1' }],
            },
          ],
        },
      },
    },
  } as KubeObject;
}

/** pod is a Pod as a user writes it, optionally bound to a node. */
export function pod(name: string, nodeName?: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: 'p' } },
    spec: {
      ...(nodeName ? { nodeName } : {}),
      containers: [{ name: 'main', image: 'busybox', command: ['sleep', '3600'] }],
    },
  } as KubeObject;
}

/** namespace is a Namespace. */
export function namespace(name: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name } } as KubeObject;
}

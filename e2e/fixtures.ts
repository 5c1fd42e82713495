/**
 * Objects and waits the end-to-end tests share: Deployment and Pod
 * builders for the built-in test images, and `watchUntil`, which follows a
 * watch until a condition holds (resuming when the server ends the stream).
 */
import type { KubeObject, Stored } from '../controlplane/api/meta.js';
import type {
  Container,
  Deployment,
  Pod,
  PodSpec,
  StoredDeployment,
  StoredPod,
  Toleration,
} from '../controlplane/api/types/index.js';
import type { ResourceClient } from '../controlplane/client/index.js';
import type { WatchOptions } from '../controlplane/client/options.js';
import { WaitTimeoutError } from '../lib/wait.js';

/** BUSYBOX is the built-in busybox image (pinned tag: pulled only if absent). */
export const BUSYBOX = 'docker.io/library/busybox:1.35';

/** webserver is the built-in HTTP server image (`/` answers `hello from <hostname> version <v>`). */
export const webserver = (v: 1 | 2): string => `docker.io/tugboat/webserver:${v}`;

/** sleeper is a busybox container that runs until killed. */
export const sleeper = (name = 'main'): Container => ({
  name,
  image: BUSYBOX,
  command: ['sleep', '3600'],
});

/** webContainer is the webserver on 8080, Ready once `/healthz` answers. */
export const webContainer = (v: 1 | 2): Container => ({
  name: 'web',
  image: webserver(v),
  ports: [{ containerPort: 8080, protocol: 'TCP' }],
  readinessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 1 },
});

/**
 * shortTolerations let pods leave an unreachable or not-ready node after
 * `seconds` instead of the default 300.
 */
export const shortTolerations = (seconds: number): Toleration[] =>
  ['node.kubernetes.io/unreachable', 'node.kubernetes.io/not-ready'].map((key) => ({
    key,
    operator: 'Exists',
    effect: 'NoExecute',
    tolerationSeconds: seconds,
  }));

/**
 * deployment is a Deployment of `replicas` pods labelled `app=<name>`
 * running `containers`; pods stop within 2 s (sleep and sh ignore SIGTERM).
 */
export function deployment(
  name: string,
  replicas: number,
  containers: Container[],
  spec: Partial<PodSpec> = {},
): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: { app: name } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { terminationGracePeriodSeconds: 2, ...spec, containers },
      },
    },
  };
}

/** pod is a bare pod labelled `app=<name>`; `nodeName` binds it without the scheduler. */
export function pod(name: string, containers: Container[], spec: Partial<PodSpec> = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: name } },
    spec: { terminationGracePeriodSeconds: 2, ...spec, containers },
  };
}

/** isReady tells whether a pod is Running with its Ready condition True (and not being deleted). */
export const isReady = (p: StoredPod): boolean =>
  !p.metadata.deletionTimestamp &&
  p.status?.phase === 'Running' &&
  !!p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');

/** deploymentSettled tells whether a Deployment's status shows `replicas` pods, all updated, ready and available. */
export const deploymentSettled = (d: StoredDeployment, replicas: number): boolean =>
  (d.status?.observedGeneration ?? 0) >= (d.metadata.generation ?? 0) &&
  d.status?.replicas === replicas &&
  d.status.updatedReplicas === replicas &&
  d.status.readyReplicas === replicas &&
  d.status.availableReplicas === replicas;

export interface WatchUntilOptions extends WatchOptions {
  timeoutMs: number;
  what: string;
}

/**
 * watchUntil watches `rc` (from `resourceVersion`, or from a fresh list when
 * absent, so the current objects are seen first as ADDED) and calls `check`
 * with every object seen until it returns a value, which it resolves with.
 * When the server ends the stream it watches again from the last version
 * seen; at the deadline it rejects with WaitTimeoutError.
 */
export async function watchUntil<T extends KubeObject, R>(
  rc: ResourceClient<T>,
  opts: WatchUntilOptions,
  check: (obj: Stored<T>, type: string) => R | undefined,
): Promise<R> {
  const { timeoutMs, what, ...watchOpts } = opts;
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), timeoutMs);
  let rv = watchOpts.resourceVersion;
  try {
    if (rv === undefined) {
      const list = await rc.list({
        ...(watchOpts.labelSelector ? { labelSelector: watchOpts.labelSelector } : {}),
        ...(watchOpts.fieldSelector ? { fieldSelector: watchOpts.fieldSelector } : {}),
      });
      for (const o of list.items) {
        const r = check(o, 'ADDED');
        if (r !== undefined) return r;
      }
      rv = list.metadata.resourceVersion;
    }
    for (;;) {
      for await (const ev of rc.watch({ ...watchOpts, resourceVersion: rv }, ac.signal)) {
        if (ev.type === 'BOOKMARK') {
          rv = ev.object.metadata.resourceVersion;
          continue;
        }
        rv = ev.object.metadata.resourceVersion;
        const r = check(ev.object, ev.type);
        if (r !== undefined) return r;
      }
      ac.signal.throwIfAborted();
    }
  } catch (e) {
    if (ac.signal.aborted)
      throw new WaitTimeoutError(`timed out after ${timeoutMs} ms waiting for ${what}`);
    throw e;
  } finally {
    clearTimeout(timer);
    ac.abort();
  }
}

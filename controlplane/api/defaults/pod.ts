import type {
  Container,
  HTTPGetAction,
  LifecycleHandler,
  Pod,
  PodSpec,
  PodStatus,
  Probe,
  PullPolicy,
  Toleration,
  Volume,
} from '../types/index.js';
import { child, isUnset, list, rec } from './util.js';

/**
 * Pod defaults, as Kubernetes' core/v1 defaulters (SetDefaults_PodSpec,
 * SetDefaults_Container, …) and the create-time admission plugins that users
 * see in `kubectl get pod -o yaml` (DefaultTolerationSeconds, ServiceAccount,
 * Priority). Every function mutates in place and is idempotent.
 */

/** defaultTolerationSeconds is how long pods stay on a not-ready or unreachable node. */
export const defaultTolerationSeconds = 300;
export const taintNodeNotReady = 'node.kubernetes.io/not-ready';
export const taintNodeUnreachable = 'node.kubernetes.io/unreachable';

/**
 * imagePullPolicyFor is the default pull policy of an image reference:
 * Always for `:latest` or no tag (and no digest), IfNotPresent otherwise.
 */
export function imagePullPolicyFor(image: string): PullPolicy {
  if (image.includes('@')) return 'IfNotPresent';
  const lastSlash = image.lastIndexOf('/');
  const colon = image.indexOf(':', lastSlash + 1);
  const tag = colon < 0 ? 'latest' : image.slice(colon + 1);
  return tag === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultHttpGet(h: HTTPGetAction | undefined): void {
  if (!h) return;
  if (isUnset(h.path)) h.path = '/';
  if (isUnset(h.scheme)) h.scheme = 'HTTP';
}

function defaultHandler(h: LifecycleHandler | Probe | undefined): void {
  defaultHttpGet(rec<HTTPGetAction>(h?.httpGet));
}

function defaultProbe(p: Probe | undefined): void {
  if (!p) return;
  if (isUnset(p.timeoutSeconds)) p.timeoutSeconds = 1;
  if (isUnset(p.periodSeconds)) p.periodSeconds = 10;
  if (isUnset(p.successThreshold)) p.successThreshold = 1;
  if (isUnset(p.failureThreshold)) p.failureThreshold = 3;
  defaultHandler(p);
}

/** defaultContainer fills a container's defaults (templates and pods alike). */
export function defaultContainer(c: Container): void {
  if (isUnset(c.imagePullPolicy) && typeof c.image === 'string') {
    c.imagePullPolicy = imagePullPolicyFor(c.image);
  }
  if (isUnset(c.terminationMessagePath)) c.terminationMessagePath = '/dev/termination-log';
  if (isUnset(c.terminationMessagePolicy)) c.terminationMessagePolicy = 'File';
  // Go always prints the non-pointer resources struct.
  if (!rec(c.resources)) c.resources = {};
  for (const p of list(c.ports)) if (isUnset(p.protocol)) p.protocol = 'TCP';
  for (const e of list(c.env)) {
    const from = rec(e.valueFrom);
    const fieldRef = rec(from?.fieldRef);
    if (fieldRef && isUnset(fieldRef.apiVersion)) fieldRef.apiVersion = 'v1';
    const resRef = rec(from?.resourceFieldRef);
    if (resRef && isUnset(resRef.divisor)) resRef.divisor = '0';
  }
  for (const probe of [c.livenessProbe, c.readinessProbe, c.startupProbe]) defaultProbe(rec(probe));
  const lc = rec(c.lifecycle);
  defaultHandler(rec(lc?.postStart));
  defaultHandler(rec(lc?.preStop));
}

function defaultVolume(v: Volume): void {
  const sources = [
    'emptyDir',
    'configMap',
    'secret',
    'hostPath',
    'downwardAPI',
    'projected',
    'persistentVolumeClaim',
  ] as const;
  if (!sources.some((s) => v[s] !== undefined)) v.emptyDir = {};
  for (const s of [v.configMap, v.secret, v.downwardAPI, v.projected]) {
    const src = rec<{ defaultMode?: number }>(s);
    if (src && src.defaultMode === undefined) src.defaultMode = 0o644;
  }
  const hp = rec(v.hostPath);
  if (hp && hp.type === undefined) hp.type = '';
  for (const f of list(rec(v.downwardAPI)?.items)) {
    const fr = rec(f.fieldRef);
    if (fr && isUnset(fr.apiVersion)) fr.apiVersion = 'v1';
  }
  for (const src of list(rec(v.projected)?.sources)) {
    const tok = rec(src.serviceAccountToken);
    if (tok && tok.expirationSeconds === undefined) tok.expirationSeconds = 3600;
  }
}

/**
 * defaultPodSpec fills what SetDefaults_PodSpec and the container, probe and
 * volume defaulters fill: the part shared by pods and pod templates.
 */
export function defaultPodSpec(spec: PodSpec): void {
  if (isUnset(spec.dnsPolicy)) spec.dnsPolicy = 'ClusterFirst';
  if (isUnset(spec.restartPolicy)) spec.restartPolicy = 'Always';
  if (!rec(spec.securityContext)) spec.securityContext = {};
  if (spec.terminationGracePeriodSeconds === undefined) spec.terminationGracePeriodSeconds = 30;
  if (isUnset(spec.schedulerName)) spec.schedulerName = 'default-scheduler';
  // serviceAccount is the deprecated mirror of serviceAccountName, kept equal by conversion.
  if (isUnset(spec.serviceAccountName) && !isUnset(spec.serviceAccount)) {
    spec.serviceAccountName = spec.serviceAccount;
  }
  if (!isUnset(spec.serviceAccountName)) spec.serviceAccount = spec.serviceAccountName;
  for (const c of [...list<Container>(spec.initContainers), ...list<Container>(spec.containers)]) {
    defaultContainer(c);
  }
  for (const v of list<Volume>(spec.volumes)) defaultVolume(v);
}

function requestsFromLimits(c: Container): void {
  const res = rec(c.resources);
  const limits = rec<Record<string, string>>(res?.limits);
  if (!res || !limits || Object.keys(limits).length === 0) return;
  const requests = child<Record<string, string>>(res, 'requests');
  for (const [k, v] of Object.entries(limits)) if (!(k in requests)) requests[k] = v;
}

function tolerates(ts: Toleration[], key: string): boolean {
  return ts.some(
    (t) => (isUnset(t.key) || t.key === key) && (isUnset(t.effect) || t.effect === 'NoExecute'),
  );
}

function addNodeTolerations(spec: PodSpec): void {
  const ts = list<Toleration>(spec.tolerations);
  const add: Toleration[] = [];
  for (const key of [taintNodeNotReady, taintNodeUnreachable]) {
    if (!tolerates(ts, key)) {
      add.push({
        key,
        operator: 'Exists',
        effect: 'NoExecute',
        tolerationSeconds: defaultTolerationSeconds,
      });
    }
  }
  if (add.length > 0) spec.tolerations = [...(Array.isArray(spec.tolerations) ? ts : []), ...add];
}

function mirrorIps(status: PodStatus): void {
  if (isUnset(status.podIP) && Array.isArray(status.podIPs) && status.podIPs[0]?.ip) {
    status.podIP = status.podIPs[0].ip;
  }
  if (!isUnset(status.podIP) && !Array.isArray(status.podIPs) && status.podIP) {
    status.podIPs = [{ ip: status.podIP }];
  }
  if (isUnset(status.hostIP) && Array.isArray(status.hostIPs) && status.hostIPs[0]?.ip) {
    status.hostIP = status.hostIPs[0].ip;
  }
  if (!isUnset(status.hostIP) && !Array.isArray(status.hostIPs) && status.hostIP) {
    status.hostIPs = [{ ip: status.hostIP }];
  }
}

/**
 * defaultPod fills a Pod: the pod spec defaults, then what applies to pods
 * but not templates (requests copied from limits, enableServiceLinks, host
 * ports under hostNetwork, podIP/podIPs mirroring) and, when `create`, what
 * admission adds on create: the not-ready/unreachable NoExecute tolerations
 * (300 s), serviceAccountName `default`, priority 0.
 */
export function defaultPod(pod: Pod, create: boolean): void {
  const spec = rec<PodSpec>(pod.spec);
  if (spec) {
    const containers = [
      ...list<Container>(spec.initContainers),
      ...list<Container>(spec.containers),
    ];
    if (create) {
      if (isUnset(spec.serviceAccountName) && isUnset(spec.serviceAccount)) {
        spec.serviceAccountName = 'default';
      }
      if (spec.priority === undefined && isUnset(spec.priorityClassName)) spec.priority = 0;
      if (isUnset(spec.preemptionPolicy)) spec.preemptionPolicy = 'PreemptLowerPriority';
      addNodeTolerations(spec);
    }
    defaultPodSpec(spec);
    for (const c of containers) requestsFromLimits(c);
    if (spec.enableServiceLinks === undefined) spec.enableServiceLinks = true;
    if (spec.hostNetwork === true) {
      for (const c of containers) {
        for (const p of list(c.ports)) if (isUnset(p.hostPort)) p.hostPort = p.containerPort;
      }
    }
  }
  const status = rec<PodStatus>(pod.status);
  if (status) mirrorIps(status);
}

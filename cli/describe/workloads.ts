import { selectorFromLabelSelector } from '../../controlplane/api/labels/index.js';
import { deepEqual, type JsonValue } from '../../controlplane/api/patch/index.js';
import type * as T from '../../controlplane/api/types/index.js';
import type { Obj } from '../resources/fetch.js';
import { controlledBy, metaOf, selectorText } from './common.js';
import { containers, multiline, tolerationText, volumes } from './containers.js';
import { eventsFor, resource, type DescribeSource } from './source.js';
import {
  annotationsMultiline,
  DescribeWriter,
  events,
  labelsMultiline,
  rfc1123z,
} from './writer.js';

/** podTemplate writes `Pod Template:` as kubectl's DescribePodTemplate. */
export function podTemplate(w: DescribeWriter, t: T.PodTemplateSpec | undefined): void {
  w.line(0, 'Pod Template:');
  if (!t) {
    w.line(1, '<unset>');
    return;
  }
  const spec = t.spec ?? ({ containers: [] } as unknown as T.PodSpec);
  labelsMultiline(w, '  Labels', t.metadata?.labels);
  if (Object.keys(t.metadata?.annotations ?? {}).length > 0) {
    annotationsMultiline(w, '  Annotations', t.metadata?.annotations);
  }
  if (spec.serviceAccountName) w.line(1, `Service Account:\t${spec.serviceAccountName}`);
  if (spec.initContainers?.length)
    containers(w, 'Init Containers', spec.initContainers, undefined, true);
  containers(w, 'Containers', spec.containers, undefined, true);
  volumes(w, spec.volumes, true);
  if (spec.priorityClassName) w.line(1, `Priority Class Name:\t${spec.priorityClassName}`);
  labelsMultiline(w, '  Node-Selectors', spec.nodeSelector);
  multiline(w, '  Tolerations', (spec.tolerations ?? []).map(tolerationText));
}

const hashLabel = 'pod-template-hash';

// templateWithoutHash drops the pod-template-hash label, as EqualIgnoreHash does.
function templateWithoutHash(t: T.PodTemplateSpec | undefined): JsonValue {
  const copy = structuredClone(t ?? {}) as T.PodTemplateSpec;
  if (copy.metadata?.labels) {
    delete copy.metadata.labels[hashLabel];
    if (Object.keys(copy.metadata.labels).length === 0) delete copy.metadata.labels;
  }
  return copy as unknown as JsonValue;
}

function rsList(list: readonly T.ReplicaSet[]): string {
  const s = list
    .map(
      (rs) =>
        `${rs.metadata?.name ?? ''} (${rs.status?.replicas ?? 0}/${rs.spec?.replicas ?? 1} replicas created)`,
    )
    .join(', ');
  return s === '' ? '<none>' : s;
}

/**
 * ownedReplicaSets splits a deployment's ReplicaSets (controller-owned by
 * it) into the new one (template equal but for pod-template-hash) and the
 * old ones that still have replicas, as kubectl's GetAllReplicaSets does.
 */
export function ownedReplicaSets(
  d: T.Deployment,
  all: readonly T.ReplicaSet[],
): { newRS?: T.ReplicaSet; oldRSs: T.ReplicaSet[]; owned: T.ReplicaSet[] } {
  const uid = d.metadata?.uid;
  const owned = all.filter((rs) =>
    (rs.metadata?.ownerReferences ?? []).some((r) => r.controller && r.uid === uid),
  );
  const want = templateWithoutHash(d.spec?.template);
  const newRS = owned
    .filter((rs) => deepEqual(templateWithoutHash(rs.spec?.template), want))
    .sort(
      (a, b) =>
        Date.parse(a.metadata?.creationTimestamp ?? '') -
        Date.parse(b.metadata?.creationTimestamp ?? ''),
    )[0];
  const oldRSs = owned.filter((rs) => rs !== newRS && (rs.spec?.replicas ?? 1) !== 0);
  return { ...(newRS ? { newRS } : {}), oldRSs, owned };
}

/** describeDeployment renders a Deployment as kubectl's DeploymentDescriber. */
export async function describeDeployment(obj: Obj, src: DescribeSource): Promise<string> {
  const d = obj as T.Deployment;
  const m = metaOf(obj);
  const spec = d.spec ?? ({} as T.DeploymentSpec);
  const st = d.status ?? {};
  const w = new DescribeWriter();
  w.line(0, `Name:\t${m.name ?? ''}`);
  w.line(0, `Namespace:\t${m.namespace ?? ''}`);
  w.line(0, `CreationTimestamp:\t${rfc1123z(m.creationTimestamp)}`);
  labelsMultiline(w, 'Labels', m.labels);
  annotationsMultiline(w, 'Annotations', m.annotations);
  w.line(0, `Selector:\t${selectorText(spec.selector)}`);
  w.line(
    0,
    `Replicas:\t${spec.replicas ?? 1} desired | ${st.updatedReplicas ?? 0} updated | ${st.replicas ?? 0} total | ${st.availableReplicas ?? 0} available | ${st.unavailableReplicas ?? 0} unavailable`,
  );
  w.line(0, `StrategyType:\t${spec.strategy?.type ?? ''}`);
  w.line(0, `MinReadySeconds:\t${spec.minReadySeconds ?? 0}`);
  const ru = spec.strategy?.rollingUpdate;
  if (ru)
    w.line(
      0,
      `RollingUpdateStrategy:\t${String(ru.maxUnavailable ?? 0)} max unavailable, ${String(ru.maxSurge ?? 0)} max surge`,
    );
  podTemplate(w, spec.template);
  if (st.conditions?.length) {
    w.line(0, 'Conditions:');
    w.line(1, 'Type\tStatus\tReason');
    w.line(1, '----\t------\t------');
    for (const c of st.conditions) w.line(1, `${c.type} \t${c.status}\t${c.reason ?? ''}`);
  }
  let rsAll: T.ReplicaSet[] = [];
  try {
    const sel = selectorFromLabelSelector(spec.selector).toString();
    rsAll = (await src.list(resource('replicasets'), {
      namespace: m.namespace ?? '',
      labelSelector: sel,
    })) as T.ReplicaSet[];
  } catch {
    rsAll = [];
  }
  const { newRS, oldRSs } = ownedReplicaSets(d, rsAll);
  if (newRS || oldRSs.length > 0) {
    w.line(0, `OldReplicaSets:\t${rsList(oldRSs)}`);
    w.line(0, `NewReplicaSet:\t${rsList(newRS ? [newRS] : [])}`);
  }
  events(w, await eventsFor(obj, src), src.now());
  return w.toString();
}

/** describeReplicaSet renders a ReplicaSet as kubectl's ReplicaSetDescriber (pods counted by phase). */
export async function describeReplicaSet(obj: Obj, src: DescribeSource): Promise<string> {
  const rs = obj as T.ReplicaSet;
  const m = metaOf(obj);
  const spec = rs.spec ?? ({} as T.ReplicaSetSpec);
  const w = new DescribeWriter();
  w.line(0, `Name:\t${m.name ?? ''}`);
  w.line(0, `Namespace:\t${m.namespace ?? ''}`);
  w.line(0, `Selector:\t${selectorText(spec.selector)}`);
  labelsMultiline(w, 'Labels', m.labels);
  annotationsMultiline(w, 'Annotations', m.annotations);
  const owner = controlledBy(m);
  if (owner) w.line(0, `Controlled By:\t${owner}`);
  w.line(0, `Replicas:\t${rs.status?.replicas ?? 0} current / ${spec.replicas ?? 1} desired`);
  let pods: T.Pod[] | undefined;
  let podErr = '';
  try {
    const sel = selectorFromLabelSelector(spec.selector).toString();
    pods = (
      (await src.list(resource('pods'), {
        namespace: m.namespace ?? '',
        labelSelector: sel,
      })) as T.Pod[]
    ).filter((p) =>
      (p.metadata?.ownerReferences ?? []).some((r) => r.controller && r.uid === m.uid),
    );
  } catch (e) {
    podErr = (e as Error).message;
  }
  if (pods) {
    const count = (phase: string): number => pods.filter((p) => p.status?.phase === phase).length;
    w.line(
      0,
      `Pods Status:\t${count('Running')} Running / ${count('Pending')} Waiting / ${count('Succeeded')} Succeeded / ${count('Failed')} Failed`,
    );
  } else {
    w.line(0, `Pods Status:\terror in fetching pods: ${podErr}`);
  }
  podTemplate(w, spec.template);
  if (rs.status?.conditions?.length) {
    w.line(0, 'Conditions:');
    w.line(1, 'Type\tStatus\tReason');
    w.line(1, '----\t------\t------');
    for (const c of rs.status.conditions) w.line(1, `${c.type} \t${c.status}\t${c.reason ?? ''}`);
  }
  events(w, await eventsFor(obj, src), src.now());
  return w.toString();
}

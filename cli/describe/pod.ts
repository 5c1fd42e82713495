import { podQosClass } from '../../controlplane/api/defaults/index.js';
import { since } from '../../controlplane/api/tables/duration.js';
import type * as T from '../../controlplane/api/types/index.js';
import type { Obj } from '../resources/fetch.js';
import { controlledBy, metaOf } from './common.js';
import { containers, multiline, tolerationText, volumes } from './containers.js';
import { eventsFor, type DescribeSource } from './source.js';
import {
  annotationsMultiline,
  DescribeWriter,
  events,
  labelsMultiline,
  rfc1123z,
} from './writer.js';

/** describePod renders a Pod as kubectl's PodDescriber. */
export async function describePod(obj: Obj, src: DescribeSource): Promise<string> {
  const pod = obj as T.Pod;
  const m = metaOf(obj);
  const spec = pod.spec ?? ({ containers: [] } as unknown as T.PodSpec);
  const status = pod.status ?? {};
  const now = src.now();
  const w = new DescribeWriter();
  w.line(0, `Name:\t${m.name ?? ''}`);
  w.line(0, `Namespace:\t${m.namespace ?? ''}`);
  if (spec.priority !== undefined) w.line(0, `Priority:\t${spec.priority}`);
  if (spec.priorityClassName) w.line(0, `Priority Class Name:\t${spec.priorityClassName}`);
  if (spec.runtimeClassName) w.line(0, `Runtime Class Name:\t${spec.runtimeClassName}`);
  if (spec.serviceAccountName) w.line(0, `Service Account:\t${spec.serviceAccountName}`);
  w.line(0, `Node:\t${spec.nodeName ? `${spec.nodeName}/${status.hostIP ?? ''}` : '<none>'}`);
  if (status.startTime) w.line(0, `Start Time:\t${rfc1123z(status.startTime)}`);
  labelsMultiline(w, 'Labels', m.labels);
  annotationsMultiline(w, 'Annotations', m.annotations);
  if (m.deletionTimestamp && status.phase !== 'Failed' && status.phase !== 'Succeeded') {
    w.line(0, `Status:\tTerminating (lasts ${since(m.deletionTimestamp, now)})`);
    w.line(0, `Termination Grace Period:\t${m.deletionGracePeriodSeconds ?? 0}s`);
  } else {
    w.line(0, `Status:\t${status.phase ?? ''}`);
  }
  if (status.reason) w.line(0, `Reason:\t${status.reason}`);
  if (status.message) w.line(0, `Message:\t${status.message}`);
  w.line(0, `IP:\t${status.podIP ?? ''}`);
  if (!status.podIPs?.length) {
    w.line(0, 'IPs:\t<none>');
  } else {
    w.line(0, 'IPs:');
    for (const ip of status.podIPs) w.line(1, `IP:\t${ip.ip}`);
  }
  const owner = controlledBy(m);
  if (owner) w.line(0, `Controlled By:\t${owner}`);
  if (status.nominatedNodeName) w.line(0, `NominatedNodeName:\t${status.nominatedNodeName}`);
  if (spec.initContainers?.length) {
    containers(w, 'Init Containers', spec.initContainers, status.initContainerStatuses, false);
  }
  containers(w, 'Containers', spec.containers, status.containerStatuses, false);
  if (status.conditions?.length) {
    w.line(0, 'Conditions:');
    w.line(1, 'Type\tStatus');
    for (const c of status.conditions) w.line(1, `${c.type} \t${c.status} `);
  }
  volumes(w, spec.volumes, false);
  w.line(0, `QoS Class:\t${status.qosClass ?? podQosClass(spec)}`);
  labelsMultiline(w, 'Node-Selectors', spec.nodeSelector);
  multiline(w, 'Tolerations', (spec.tolerations ?? []).map(tolerationText));
  events(w, await eventsFor(obj, src), now);
  return w.toString();
}

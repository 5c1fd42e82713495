import type * as T from '../../controlplane/api/types/index.js';
import type { Obj } from '../resources/fetch.js';
import { metaOf } from './common.js';
import { eventsFor, resource, type DescribeSource } from './source.js';
import { annotationsMultiline, DescribeWriter, events, labelsMultiline } from './writer.js';

function formatSelector(sel: Record<string, string> | undefined): string {
  const keys = Object.keys(sel ?? {}).sort();
  return keys.length === 0 ? '<none>' : keys.map((k) => `${k}=${sel?.[k] ?? ''}`).join(',');
}

/**
 * endpointsText lists `ip:port` of the ready addresses serving the port named
 * `portName` (three at most, then `+ N more...`), as kubectl's
 * formatEndpoints; `<none>` when there are none.
 */
export function endpointsText(ep: T.Endpoints | undefined, portName: string | undefined): string {
  const list: string[] = [];
  let count = 0;
  let more = false;
  for (const ss of ep?.subsets ?? []) {
    const addrs = ss.addresses ?? [];
    if (!ss.ports?.length) {
      count += addrs.length;
      for (const a of addrs) {
        if (list.length === 3) {
          more = true;
          break;
        }
        list.push(a.ip);
      }
      continue;
    }
    for (const p of ss.ports) {
      if (portName !== undefined && (p.name ?? '') !== portName) continue;
      count += addrs.length;
      for (const a of addrs) {
        if (list.length === 3) {
          more = true;
          break;
        }
        list.push(a.ip.includes(':') ? `[${a.ip}]:${p.port}` : `${a.ip}:${p.port}`);
      }
    }
  }
  if (more) return `${list.join(',')} + ${count - 3} more...`;
  return list.length === 0 ? '<none>' : list.join(',');
}

/**
 * describeService renders a Service as kubectl's ServiceDescriber, with the
 * endpoints read from the Endpoints object of the same name (kubectl 1.32
 * reads EndpointSlices, which Tugboat does not serve).
 */
export async function describeService(obj: Obj, src: DescribeSource): Promise<string> {
  const svc = obj as T.Service;
  const m = metaOf(obj);
  const spec = svc.spec ?? {};
  const w = new DescribeWriter();
  let ep: T.Endpoints | undefined;
  try {
    ep = (await src.get(resource('endpoints'), m.namespace, m.name ?? '')) as
      T.Endpoints | undefined;
  } catch {
    ep = undefined;
  }
  w.line(0, `Name:\t${m.name ?? ''}`);
  w.line(0, `Namespace:\t${m.namespace ?? ''}`);
  labelsMultiline(w, 'Labels', m.labels);
  annotationsMultiline(w, 'Annotations', m.annotations);
  w.line(0, `Selector:\t${formatSelector(spec.selector)}`);
  w.line(0, `Type:\t${spec.type ?? ''}`);
  if (spec.ipFamilyPolicy) w.line(0, `IP Family Policy:\t${spec.ipFamilyPolicy}`);
  w.line(0, `IP Families:\t${spec.ipFamilies?.length ? spec.ipFamilies.join(',') : '<none>'}`);
  w.line(0, `IP:\t${spec.clusterIP ?? ''}`);
  w.line(0, `IPs:\t${spec.clusterIPs?.length ? spec.clusterIPs.join(',') : '<none>'}`);
  if (spec.externalIPs?.length) w.line(0, `External IPs:\t${spec.externalIPs.join(',')}`);
  if (spec.loadBalancerIP) w.line(0, `IP:\t${spec.loadBalancerIP}`);
  const ingress = svc.status?.loadBalancer?.ingress ?? [];
  if (ingress.length > 0) {
    w.line(0, `LoadBalancer Ingress:\t${ingress.map((i) => i.ip ?? i.hostname ?? '').join(', ')}`);
  }
  if (spec.type === 'ExternalName') w.line(0, `External Name:\t${spec.externalName ?? ''}`);
  for (const p of spec.ports ?? []) {
    const name = p.name || '<unset>';
    const proto = p.protocol ?? 'TCP';
    w.line(0, `Port:\t${name}\t${p.port}/${proto}`);
    w.line(0, `TargetPort:\t${String(p.targetPort ?? p.port)}/${proto}`);
    if (p.nodePort) w.line(0, `NodePort:\t${name}\t${p.nodePort}/${proto}`);
    w.line(0, `Endpoints:\t${endpointsText(ep, p.name ?? '')}`);
  }
  w.line(0, `Session Affinity:\t${spec.sessionAffinity ?? ''}`);
  if (spec.externalTrafficPolicy)
    w.line(0, `External Traffic Policy:\t${spec.externalTrafficPolicy}`);
  if (spec.internalTrafficPolicy)
    w.line(0, `Internal Traffic Policy:\t${spec.internalTrafficPolicy}`);
  if (spec.healthCheckNodePort) w.line(0, `HealthCheck NodePort:\t${spec.healthCheckNodePort}`);
  events(w, await eventsFor(obj, src), src.now());
  return w.toString();
}

/** describeEndpoints renders Endpoints as kubectl's EndpointsDescriber. */
export async function describeEndpoints(obj: Obj, src: DescribeSource): Promise<string> {
  const ep = obj as T.Endpoints;
  const m = metaOf(obj);
  const w = new DescribeWriter();
  w.line(0, `Name:\t${m.name ?? ''}`);
  w.line(0, `Namespace:\t${m.namespace ?? ''}`);
  labelsMultiline(w, 'Labels', m.labels);
  annotationsMultiline(w, 'Annotations', m.annotations);
  w.line(0, 'Subsets:');
  for (const ss of ep.subsets ?? []) {
    const ready = (ss.addresses ?? []).map((a) => a.ip).join(',');
    const notReady = (ss.notReadyAddresses ?? []).map((a) => a.ip).join(',');
    w.line(1, `Addresses:\t${ready || '<none>'}`);
    w.line(1, `NotReadyAddresses:\t${notReady || '<none>'}`);
    if (ss.ports?.length) {
      w.line(1, 'Ports:');
      w.line(2, 'Name\tPort\tProtocol');
      w.line(2, '----\t----\t--------');
      for (const p of ss.ports)
        w.line(2, `${p.name || '<unset>'}\t${p.port}\t${p.protocol ?? 'TCP'}`);
    }
    w.line(0, '');
  }
  events(w, await eventsFor(obj, src), src.now());
  return w.toString();
}

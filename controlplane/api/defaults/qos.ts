import { Quantity, isQuantityError, quantityFromJson } from '../quantity/index.js';
import type { Container, PodQOSClass, PodSpec } from '../types/index.js';
import { list, rec } from './util.js';

/**
 * podQosClass computes a pod's QoS class the way Kubernetes does (qos.GetPodQOS):
 * BestEffort without any cpu/memory requests or limits; Guaranteed when every
 * container limits both cpu and memory and the pod's summed requests equal its
 * summed limits; Burstable otherwise. Call it after defaults (requests copied
 * from limits). Unparseable quantities count as absent. Pure.
 */
export function podQosClass(spec: PodSpec | undefined): PodQOSClass {
  const requests = new Map<string, Quantity>();
  const limits = new Map<string, Quantity>();
  let guaranteed = true;
  const containers = [
    ...list<Container>(spec?.containers),
    ...list<Container>(spec?.initContainers),
  ];
  for (const c of containers) {
    const res = rec(c.resources);
    addPositive(requests, rec(res?.requests));
    const found = addPositive(limits, rec(res?.limits));
    if (!found.has('cpu') || !found.has('memory')) guaranteed = false;
  }
  if (requests.size === 0 && limits.size === 0) return 'BestEffort';
  if (guaranteed) {
    for (const [name, req] of requests) {
      const lim = limits.get(name);
      if (!lim || lim.cmp(req) !== 0) {
        guaranteed = false;
        break;
      }
    }
  }
  return guaranteed && requests.size === limits.size ? 'Guaranteed' : 'Burstable';
}

function addPositive(
  into: Map<string, Quantity>,
  list: Record<string, unknown> | undefined,
): Set<string> {
  const found = new Set<string>();
  for (const [name, raw] of Object.entries(list ?? {})) {
    if (name !== 'cpu' && name !== 'memory') continue;
    const q = parse(raw);
    if (!q || q.sign() <= 0) continue;
    found.add(name);
    const prev = into.get(name);
    into.set(name, prev ? prev.add(q) : q);
  }
  return found;
}

function parse(raw: unknown): Quantity | undefined {
  try {
    return quantityFromJson(raw);
  } catch (e) {
    if (isQuantityError(e)) return undefined;
    throw e;
  }
}

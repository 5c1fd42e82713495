import { newInvalid } from '../../../api/errors.js';
import { fieldErrors, type FieldError } from '../../../api/field-path.js';
import type { ServicePort, ServiceSpec } from '../../../api/types/index.js';
import { allocationKey } from '../../storage/keys.js';
import {
  emptyAllocation,
  type Allocation,
  type AllocationContext,
  type Strategy,
} from '../strategy.js';
import type { ApiObject } from '../types.js';
import type { Ipv4Range, PortRange } from './ranges.js';

type ServiceLike = ApiObject & { spec?: ServiceSpec; status?: unknown };

const ipKey = (ip: string): string => allocationKey('serviceips', ip);
const portKey = (p: number): string => allocationKey('servicenodeports', String(p));
const lastSegment = (k: string): string => k.slice(k.lastIndexOf('/') + 1);

function needsClusterIp(spec: ServiceSpec): boolean {
  return spec.type !== 'ExternalName' && spec.clusterIP !== 'None';
}

function needsNodePorts(spec: ServiceSpec): boolean {
  return spec.type === 'NodePort' || spec.type === 'LoadBalancer';
}

/**
 * serviceStrategy allocates each service's cluster IP from the service CIDR
 * and node ports from their range, in the same etcd transaction as the
 * service itself (one key per allocated IP or port, created only if absent),
 * and frees them when the service goes or stops needing them.
 */
export function serviceStrategy(ips: Ipv4Range, ports: PortRange): Strategy {
  return {
    prepareForCreate(obj) {
      (obj as ServiceLike).status = { loadBalancer: {} };
    },
    prepareForUpdate(obj, old) {
      const spec = (obj as ServiceLike).spec;
      const prev = (old as ServiceLike).spec;
      if (spec && prev) keepAllocatedValues(spec, prev);
    },
    fields(obj) {
      const s = obj as ServiceLike;
      return { 'spec.clusterIP': s.spec?.clusterIP ?? '', 'spec.type': s.spec?.type ?? '' };
    },
    async allocate(obj, old, ctx) {
      const svc = obj as ServiceLike;
      const spec = (svc.spec ??= { ports: [] } as ServiceSpec);
      const alloc = emptyAllocation();
      const errs: FieldError[] = [];
      const prev = (old as ServiceLike | undefined)?.spec;
      await allocateIp(spec, prev, ips, ctx, alloc, errs);
      await allocatePorts(spec, prev, ports, ctx, alloc, errs);
      if (errs.length) throw newInvalid({ group: '', kind: 'Service' }, obj.metadata.name, errs);
      return alloc;
    },
    release(obj) {
      const spec = (obj as ServiceLike).spec;
      const keys: string[] = [];
      if (spec?.clusterIP && spec.clusterIP !== 'None' && ips.contains(spec.clusterIP))
        keys.push(ipKey(spec.clusterIP));
      for (const p of spec?.ports ?? []) if (p.nodePort) keys.push(portKey(p.nodePort));
      return keys;
    },
  };
}

/**
 * keepAllocatedValues carries the cluster IPs and node ports the server
 * allocated over to an update that leaves them unset, as Kubernetes' service
 * registry does (patchAllocatedValues), so that a manifest without them can
 * be applied or replaced again. A node port goes to the port of the same name
 * unless the update uses that number elsewhere.
 */
function keepAllocatedValues(spec: ServiceSpec, prev: ServiceSpec): void {
  if (needsClusterIp(prev) && needsClusterIp(spec)) {
    if (!spec.clusterIP) spec.clusterIP = prev.clusterIP;
    if (!spec.clusterIPs?.length && prev.clusterIPs?.length) spec.clusterIPs = [...prev.clusterIPs];
  }
  if (needsNodePorts(prev) && needsNodePorts(spec)) {
    const used = new Set((spec.ports ?? []).map((p) => p.nodePort).filter((n) => !!n));
    const byName = new Map((prev.ports ?? []).map((p) => [p.name ?? '', p.nodePort]));
    for (const p of spec.ports ?? []) {
      const old = byName.get(p.name ?? '');
      if (!p.nodePort && old && !used.has(old)) p.nodePort = old;
    }
  }
}

async function allocateIp(
  spec: ServiceSpec,
  prev: ServiceSpec | undefined,
  ips: Ipv4Range,
  ctx: AllocationContext,
  alloc: Allocation,
  errs: FieldError[],
): Promise<void> {
  if (!needsClusterIp(spec)) {
    if (spec.clusterIP === 'None') spec.clusterIPs = ['None'];
    return;
  }
  if (
    prev?.clusterIP &&
    prev.clusterIP !== 'None' &&
    (spec.clusterIP === undefined || spec.clusterIP === '' || spec.clusterIP === prev.clusterIP)
  ) {
    spec.clusterIP = prev.clusterIP;
    spec.clusterIPs = [prev.clusterIP];
    return;
  }
  const taken = new Set(
    (await ctx.allocatedKeys(allocationKey('serviceips', ''))).map(lastSegment),
  );
  let ip = spec.clusterIP;
  if (ip) {
    if (!ips.contains(ip)) {
      errs.push(
        fieldErrors.invalid(
          'spec.clusterIPs',
          [ip],
          `failed to allocate IP ${ip}: provided IP is not in the valid range. The range of valid IPs is ${ips.cidr}`,
        ),
      );
      return;
    }
    if (taken.has(ip)) {
      errs.push(
        fieldErrors.invalid(
          'spec.clusterIPs',
          [ip],
          `failed to allocate IP ${ip}: provided IP is already allocated`,
        ),
      );
      return;
    }
  } else {
    ip = ips.pickFree(taken);
    if (!ip) {
      errs.push(
        fieldErrors.invalid(
          'spec.clusterIPs',
          [],
          `failed to allocate a service IP: range ${ips.cidr} is full`,
        ),
      );
      return;
    }
  }
  spec.clusterIP = ip;
  spec.clusterIPs = [ip];
  spec.ipFamilies ??= ['IPv4'];
  spec.ipFamilyPolicy ??= 'SingleStack';
  alloc.guards.push({ key: ipKey(ip), modRevision: 0 });
  alloc.writes.push({ key: ipKey(ip), value: Buffer.from(ip) });
}

async function allocatePorts(
  spec: ServiceSpec,
  prev: ServiceSpec | undefined,
  range: PortRange,
  ctx: AllocationContext,
  alloc: Allocation,
  errs: FieldError[],
): Promise<void> {
  const had = new Set((prev?.ports ?? []).map((p) => p.nodePort).filter((p): p is number => !!p));
  const wanted = needsNodePorts(spec);
  const ports: ServicePort[] = spec.ports ?? [];
  if (!wanted) for (const p of ports) delete p.nodePort;
  const keep = new Set<number>();
  if (wanted) {
    const taken = new Set(
      (await ctx.allocatedKeys(allocationKey('servicenodeports', ''))).map((k) =>
        Number(lastSegment(k)),
      ),
    );
    for (const [i, p] of ports.entries()) {
      if (p.nodePort) {
        if (!had.has(p.nodePort)) {
          if (!range.contains(p.nodePort)) {
            errs.push(
              fieldErrors.invalid(
                `spec.ports[${i}].nodePort`,
                p.nodePort,
                `provided port is not in the valid range. The range of valid ports is ${range}`,
              ),
            );
            continue;
          }
          if (taken.has(p.nodePort)) {
            errs.push(
              fieldErrors.invalid(
                `spec.ports[${i}].nodePort`,
                p.nodePort,
                'provided port is already allocated',
              ),
            );
            continue;
          }
          alloc.guards.push({ key: portKey(p.nodePort), modRevision: 0 });
          alloc.writes.push({ key: portKey(p.nodePort), value: Buffer.from(String(p.nodePort)) });
          taken.add(p.nodePort);
        }
        keep.add(p.nodePort);
        continue;
      }
      const free = range.pickFree(taken);
      if (free === undefined) {
        errs.push(fieldErrors.invalid(`spec.ports[${i}].nodePort`, 0, `range ${range} is full`));
        continue;
      }
      p.nodePort = free;
      taken.add(free);
      keep.add(free);
      alloc.guards.push({ key: portKey(free), modRevision: 0 });
      alloc.writes.push({ key: portKey(free), value: Buffer.from(String(free)) });
    }
  }
  for (const p of had) if (!keep.has(p)) alloc.deletes.push(portKey(p));
}

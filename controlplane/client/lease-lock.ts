import { isNotFound } from '../api/errors.js';
import type { Stored } from '../api/meta.js';
import type { Lease, LeaseSpec } from '../api/types/index.js';
import type { LeaderElectionRecord, LeaseLock } from './leader-election.js';
import type { ResourceClient } from './resource-client.js';

function recordOf(spec: LeaseSpec | undefined): LeaderElectionRecord {
  return {
    holderIdentity: spec?.holderIdentity ?? '',
    leaseDurationSeconds: spec?.leaseDurationSeconds ?? 0,
    acquireTime: spec?.acquireTime ?? '',
    renewTime: spec?.renewTime ?? '',
    leaseTransitions: spec?.leaseTransitions ?? 0,
  };
}

function specOf(rec: LeaderElectionRecord): LeaseSpec {
  const spec: LeaseSpec = {
    leaseDurationSeconds: rec.leaseDurationSeconds,
    acquireTime: rec.acquireTime,
    renewTime: rec.renewTime,
    leaseTransitions: rec.leaseTransitions,
  };
  if (rec.holderIdentity) spec.holderIdentity = rec.holderIdentity;
  return spec;
}

/**
 * leaseLock is the LeaseLock over a `coordination.k8s.io/v1` Lease named
 * `namespace/name`, through the REST client. It remembers the Lease it last
 * read or wrote and updates with that resourceVersion, so a concurrent
 * writer makes the update fail with Conflict. Other fields of the Lease
 * (labels, strategy…) are kept.
 */
export function leaseLock(
  client: ResourceClient<Lease>,
  namespace: string,
  name: string,
): LeaseLock {
  const leases = client.namespace(namespace);
  let last: Stored<Lease> | undefined;
  return {
    describe: () => `${namespace}/${name}`,
    async get(signal) {
      try {
        last = await leases.get(name, { signal });
      } catch (err) {
        if (!isNotFound(err)) throw err;
        last = undefined;
        return undefined;
      }
      return recordOf(last.spec);
    },
    async create(rec, signal) {
      last = await leases.create(
        {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name, namespace },
          spec: specOf(rec),
        },
        { signal },
      );
    },
    async update(rec, signal) {
      if (!last) throw new Error(`lease ${namespace}/${name}: update before a successful get`);
      const { holderIdentity: _h, ...kept } = last.spec ?? {};
      last = await leases.update({ ...last, spec: { ...kept, ...specOf(rec) } }, { signal });
    },
  };
}

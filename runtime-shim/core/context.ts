import type { Logger } from '../../lib/log.js';
import type { Clock } from '../../lib/time.js';
import type { CgroupLayout } from '../cgroups/layout.js';
import type { ImageStore } from '../images/types.js';
import type { ConmonMonitor } from '../monitor/conmon.js';
import type { SandboxNetwork } from '../network/types.js';
import type { ResourceSupport } from '../oci/resources.js';
import type { OciRuntime } from '../oci/runtime.js';
import type { StateStore } from '../state/store.js';
import { KeyedMutex } from '../util/keyed-mutex.js';
import type { EventBus } from './events.js';

/**
 * ShimContext is what the shim's parts share: configuration, the injected
 * collaborators and the one lock table. Lock keys: `sb/<id>` for a sandbox,
 * `c/<id>` for a container; a sandbox lock is always taken before a
 * container lock, never the other way round.
 */
export interface ShimContext {
  root: string;
  /** cgroupParent is this shim's cgroup (absolute); every pod cgroup is below it. */
  cgroupParent: string;
  layout: CgroupLayout;
  resourceSupport: ResourceSupport;
  /** capabilities are the ones the shim holds (its bounding set): the most a container can get. */
  capabilities: ReadonlySet<string>;
  runtime: OciRuntime;
  monitor: ConmonMonitor;
  images: ImageStore;
  network: SandboxNetwork;
  store: StateStore;
  events: EventBus;
  locks: KeyedMutex;
  logger: Logger;
  clock: Clock;
}

export { KeyedMutex };

/**
 * The garbage collector: deletes dependents whose owners are gone and
 * carries out the Orphan and Foreground propagation policies.
 */
export {
  ForegroundFinalizer,
  GarbageCollector,
  OrphanFinalizer,
  garbageCollector,
} from './garbage-collector.js';
export { Monitors, monitoredResources, type GcObject, type Monitor } from './monitors.js';

/**
 * The client library every Tugboat component uses, shaped after client-go:
 * kubeconfig loading, a typed REST client (RestClient → ResourceClient<T>),
 * shared informers with indexed caches and listers, a rate-limited workqueue
 * with runWorkers, and leader election on a Lease.
 */
export { TokenBucket } from './token-bucket.js';
export {
  BucketRateLimiter,
  ItemExponentialFailureRateLimiter,
  MaxOfRateLimiter,
  defaultControllerRateLimiter,
  type BucketRateLimiterOptions,
  type RateLimiter,
} from './rate-limiters.js';
export { WorkQueue, type WorkQueueOptions } from './workqueue.js';
export { runWorkers, type Reconciler } from './run-workers.js';
export { objectKey, keyOf, splitKey, type MetaObject, type ObjectRef } from './keys.js';
export type {
  CallOptions,
  FieldValidation,
  GetOptions,
  ListOptions,
  PatchOptions,
  PatchType,
  SelectorOptions,
  WatchOptions,
  WriteOptions,
} from './options.js';
export { Backoff, type BackoffOptions } from './backoff.js';
export {
  ControllerUidIndex,
  Indexer,
  NamespaceIndex,
  NodeNameIndex,
  OwnerUidIndex,
  defaultIndexers,
  indexByControllerUid,
  indexByNamespace,
  indexByNodeName,
  indexByOwnerUid,
  type IndexFunc,
  type Indexers,
} from './store.js';
export { Lister, type LabelMatcher, type NamespaceLister } from './lister.js';
export {
  SharedInformer,
  waitForCacheSync,
  type EventHandler,
  type HandlerRegistration,
  type InformerOptions,
  type ListerWatcher,
} from './informer.js';
export { enqueueHandler } from './event-handlers.js';
export {
  ConnectionError,
  DecodeError,
  isConnectionError,
  isDecodeError,
  statusErrorFromResponse,
} from './errors.js';
export { decodeWatchEvent, parseWatchStream } from './watch-stream.js';
export {
  RestClient,
  type HttpMethod,
  type QueryValue,
  type RequestOptions,
  type RestClientOptions,
  type RestConfig,
} from './rest-client.js';
export { ResourceClient, type ApplyOptions, type DeleteCallOptions } from './resource-client.js';
export {
  InformerFactory,
  listerWatcherFor,
  type InformerFactoryOptions,
  type InformerRequest,
  type ListerWatcherScope,
} from './informer-factory.js';
export {
  KubeconfigError,
  buildKubeconfig,
  isKubeconfigError,
  kubeconfigPaths,
  loadKubeconfig,
  mergeKubeconfigs,
  parseKubeconfig,
  readKubeconfig,
  restConfigFromKubeconfig,
  stringifyKubeconfig,
  writeKubeconfig,
  type BuildOptions,
  type Kubeconfig,
  type KubeconfigCluster,
  type KubeconfigContext,
  type KubeconfigErrorReason,
  type KubeconfigUser,
  type LoadOptions,
} from './kubeconfig.js';
export {
  LeaderElector,
  microTime,
  type LeaderCallbacks,
  type LeaderElectionRecord,
  type LeaderElectorOptions,
  type LeaseLock,
} from './leader-election.js';
export { leaseLock } from './lease-lock.js';
/** Fakes for unit tests of code built on the client. */
export { FakeLeaseLock, FakeLeaseStore, FakeListerWatcher } from './testing.js';
export {
  ApiEventRecorder,
  FakeEventRecorder,
  type EventRecorder,
  type EventRecorderOptions,
  type EventSubject,
  type EventType,
} from './events.js';

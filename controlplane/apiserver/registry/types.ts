import type { DeleteOptions, StoredObjectMeta } from '../../api/meta.js';

/**
 * ApiObject is any stored API object as the registry handles it: Kubernetes
 * JSON with server-set metadata. Kind-specific code narrows it with the
 * typed shapes in controlplane/api/types.
 */
export interface ApiObject {
  apiVersion: string;
  kind: string;
  metadata: StoredObjectMeta;
  [field: string]: unknown;
}

/** UserInfo is who made a request (from the bearer token). */
export interface UserInfo {
  name: string;
  uid: string;
  groups: string[];
}

/** WriteOptions are the query options of create, update, patch. */
export interface WriteOptions {
  dryRun?: boolean;
  fieldManager?: string;
}

/** ListOptions are the query options of list and watch. */
export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: 'Exact' | 'NotOlderThan';
  timeoutSeconds?: number;
  allowWatchBookmarks?: boolean;
}

export interface GetOptions {
  resourceVersion?: string;
}

export type { DeleteOptions };

/** DeleteResult says whether the object is gone or only marked for deletion. */
export interface DeleteResult {
  obj: ApiObject;
  deleted: boolean;
}

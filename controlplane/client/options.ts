/**
 * Options of the REST verbs, named as the Kubernetes query parameters they
 * become. Shared by the REST client, the ListerWatcher interface and fakes.
 */

/** CallOptions apply to every request: cancellation and a client-side deadline. */
export interface CallOptions {
  signal?: AbortSignal;
  /** timeoutMs overrides the client's request timeout; 0 disables it. */
  timeoutMs?: number;
}

/** GetOptions: `resourceVersion: '0'` allows a read from the server's cache. */
export interface GetOptions extends CallOptions {
  resourceVersion?: string;
}

/** SelectorOptions are the label and field selectors, in their string forms. */
export interface SelectorOptions {
  /** labelSelector such as `app=web,tier in (a,b)`. */
  labelSelector?: string;
  /** fieldSelector such as `spec.nodeName=n1,metadata.name=web`. */
  fieldSelector?: string;
}

/** ListOptions are a list's query parameters (pagination through limit/continue). */
export interface ListOptions extends CallOptions, SelectorOptions {
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: 'Exact' | 'NotOlderThan';
  timeoutSeconds?: number;
}

/** WatchOptions are a watch's query parameters; `resourceVersion` is where it resumes. */
export interface WatchOptions extends SelectorOptions {
  resourceVersion?: string;
  resourceVersionMatch?: 'Exact' | 'NotOlderThan';
  allowWatchBookmarks?: boolean;
  /** timeoutSeconds asks the server to end the stream after that long. */
  timeoutSeconds?: number;
}

/** FieldValidation is how the server treats unknown or duplicate fields. */
export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

/** WriteOptions apply to create, update and patch. */
export interface WriteOptions extends CallOptions {
  fieldManager?: string;
  fieldValidation?: FieldValidation;
  /** dryRun sends `dryRun=All`: validated and answered, not persisted. */
  dryRun?: boolean;
}

/** PatchType names the patch content types a Kubernetes server accepts. */
export type PatchType = 'merge' | 'json' | 'strategic' | 'apply';

/** PatchOptions: `subresource` patches e.g. `status` or `scale`; `force` is for apply. */
export interface PatchOptions extends WriteOptions {
  subresource?: string;
  force?: boolean;
}

/** patchContentTypes maps a PatchType to its Content-Type header. */
export const patchContentTypes: Readonly<Record<PatchType, string>> = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
};

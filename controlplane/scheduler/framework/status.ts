/**
 * StatusCode is a plugin's verdict on one node (kube-scheduler's
 * `framework.Code`): `Success`; `Unschedulable` (the pod does not fit now,
 * but may once the cluster changes); `UnschedulableAndUnresolvable` (no
 * change to other pods would help, e.g. a node selector mismatch); `Error`
 * (the plugin itself failed — the attempt is retried with backoff).
 */
export type StatusCode = 'Success' | 'Unschedulable' | 'UnschedulableAndUnresolvable' | 'Error';

/**
 * Status is what a filter returns: expected outcomes are values, never
 * exceptions. `reasons` are the user-visible phrases that end up, counted
 * per node, in the "0/N nodes are available: …" message; `plugin` names the
 * plugin that failed (set by the framework).
 */
export interface Status {
  readonly code: StatusCode;
  readonly reasons: readonly string[];
  readonly plugin?: string;
  /** error is the cause of an `Error` status. */
  readonly error?: unknown;
}

/** success is the Status of a node that passes a filter. */
export const success: Status = Object.freeze({ code: 'Success', reasons: Object.freeze([]) });

/** unschedulable is a failing Status with one or more reasons. */
export function unschedulable(...reasons: string[]): Status {
  return { code: 'Unschedulable', reasons };
}

/** unresolvable is an UnschedulableAndUnresolvable Status with one or more reasons. */
export function unresolvable(...reasons: string[]): Status {
  return { code: 'UnschedulableAndUnresolvable', reasons };
}

/** errorStatus wraps a plugin's unexpected failure. */
export function errorStatus(error: unknown): Status {
  const msg = error instanceof Error ? error.message : String(error);
  return { code: 'Error', reasons: [msg], error };
}

/** isSuccess tells whether `s` lets the pod onto the node. */
export function isSuccess(s: Status): boolean {
  return s.code === 'Success';
}

/** withPlugin returns `s` labelled with the plugin that produced it. */
export function withPlugin(s: Status, plugin: string): Status {
  return s.plugin === plugin ? s : { ...s, plugin };
}

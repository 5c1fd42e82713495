/**
 * Small shapes shared by many kinds: int-or-string, quantities, references,
 * conditions. Field names and optionality follow Kubernetes' JSON exactly.
 */

/**
 * IntOrString is intstr.IntOrString: a port number or a port name, a replica
 * count or a percentage (`3`, `"25%"`, `"http"`).
 */
export type IntOrString = number | string;

/**
 * Quantity is resource.Quantity as stored: a canonical string (`"500m"`,
 * `"128Mi"`). Users may write a bare number in a manifest; the server turns it
 * into a string when it accepts the object.
 */
export type Quantity = string;

/** ResourceList maps a resource name (`cpu`, `memory`, …) to a quantity. */
export type ResourceList = Record<string, Quantity>;

/** Time is an RFC 3339 timestamp with second precision (`2024-05-01T10:00:00Z`). */
export type Time = string;

/** MicroTime is an RFC 3339 timestamp with microseconds (`…T10:00:00.123456Z`). */
export type MicroTime = string;

export type Protocol = 'TCP' | 'UDP' | 'SCTP';

/** ObjectReference is core/v1 ObjectReference: a pointer to any object. */
export interface ObjectReference {
  kind?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  apiVersion?: string;
  resourceVersion?: string;
  fieldPath?: string;
}

/** LocalObjectReference names an object in the same namespace. */
export interface LocalObjectReference {
  name?: string;
}

/** Condition is metav1.Condition, the standard condition shape of newer kinds. */
export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  observedGeneration?: number;
  lastTransitionTime: Time;
  reason: string;
  message: string;
}

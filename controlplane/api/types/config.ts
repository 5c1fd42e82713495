import type { ConditionStatus, KubeObject, Stored } from '../meta.js';
import type { MicroTime, ObjectReference, Time } from './common.js';

/** ConfigMap, Secret, Namespace and Event (core/v1). */

export interface ConfigMap extends KubeObject {
  apiVersion?: 'v1';
  kind?: 'ConfigMap';
  data?: Record<string, string>;
  /** binaryData values are base64 in JSON. */
  binaryData?: Record<string, string>;
  immutable?: boolean;
}

export type StoredConfigMap = Stored<ConfigMap>;

export type SecretType =
  | 'Opaque'
  | 'kubernetes.io/service-account-token'
  | 'kubernetes.io/dockercfg'
  | 'kubernetes.io/dockerconfigjson'
  | 'kubernetes.io/basic-auth'
  | 'kubernetes.io/ssh-auth'
  | 'kubernetes.io/tls'
  | 'bootstrap.kubernetes.io/token'
  | (string & {});

export interface Secret extends KubeObject {
  apiVersion?: 'v1';
  kind?: 'Secret';
  /** data values are base64 in JSON. */
  data?: Record<string, string>;
  /** stringData is write-only: merged into data (base64) when the server accepts the object. */
  stringData?: Record<string, string>;
  type?: SecretType;
  immutable?: boolean;
}

export type StoredSecret = Stored<Secret>;

/**
 * NamespacePhase: Active until deletion starts, then Terminating until the
 * namespace controller has emptied it and removed the `kubernetes` finalizer.
 */
export type NamespacePhase = 'Active' | 'Terminating';

export interface NamespaceCondition {
  type: string;
  status: ConditionStatus;
  lastTransitionTime?: Time;
  reason?: string;
  message?: string;
}

export interface Namespace extends KubeObject {
  apiVersion?: 'v1';
  kind?: 'Namespace';
  spec?: { finalizers?: string[] };
  status?: { phase?: NamespacePhase; conditions?: NamespaceCondition[] };
}

export type StoredNamespace = Stored<Namespace>;

export interface EventSource {
  component?: string;
  host?: string;
}

export interface EventSeries {
  count?: number;
  lastObservedTime?: MicroTime;
}

/** Event is core/v1 Event; `reportingComponent` is the JSON name of ReportingController. */
export interface Event extends KubeObject {
  apiVersion?: 'v1';
  kind?: 'Event';
  involvedObject: ObjectReference;
  reason?: string;
  message?: string;
  source?: EventSource;
  firstTimestamp?: Time | null;
  lastTimestamp?: Time | null;
  count?: number;
  type?: 'Normal' | 'Warning' | (string & {});
  eventTime?: MicroTime | null;
  series?: EventSeries;
  action?: string;
  related?: ObjectReference;
  reportingComponent?: string;
  reportingInstance?: string;
}

export type StoredEvent = Stored<Event>;

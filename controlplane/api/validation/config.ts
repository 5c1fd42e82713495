import { FieldPath, fieldErrors } from '../field-path.js';
import { isDns1123Label, isDns1123Subdomain } from '../labels/index.js';
import type { DeleteOptions } from '../meta.js';
import type { ConfigMap, Event, Namespace, Secret } from '../types/index.js';
import {
  configMapKeyErrors,
  immutable,
  isSet,
  semanticEqual,
  validateQualifiedName,
  type Errs,
} from './helpers.js';
import { validateKubeFinalizerName, validateObjectMeta, validateObjectMetaUpdate } from './meta.js';

/** ConfigMap, Secret, Namespace, Event and DeleteOptions validation (core validation). */

/** maxDataSize is the most a ConfigMap's or Secret's values may hold (1 MiB). */
export const maxDataSize = 1024 * 1024;

const root = (name: string): FieldPath => FieldPath.root(name);

function keyErrors(data: Record<string, unknown> | undefined, path: FieldPath): Errs {
  const errs: Errs = [];
  for (const k of Object.keys(data ?? {}).sort()) {
    for (const m of configMapKeyErrors(k)) errs.push(fieldErrors.invalid(path.key(k), k, m));
  }
  return errs;
}

const base64Size = (v: string): number => Buffer.from(v, 'base64').length;

function immutableData(
  next: { immutable?: boolean; data?: unknown; binaryData?: unknown },
  old: { immutable?: boolean; data?: unknown; binaryData?: unknown },
): Errs {
  if (old.immutable !== true) return [];
  const errs: Errs = [];
  if (next.immutable !== true) {
    errs.push(
      fieldErrors.forbidden(root('immutable'), 'field is immutable when `immutable` is set'),
    );
  }
  for (const k of ['data', 'binaryData'] as const) {
    if (!semanticEqual(next[k], old[k])) {
      errs.push(fieldErrors.forbidden(root(k), 'field is immutable when `immutable` is set'));
    }
  }
  return errs;
}

/** validateConfigMap checks keys, duplicates between data and binaryData, and the 1 MiB limit. */
export function validateConfigMap(cm: ConfigMap, old?: ConfigMap): Errs {
  const errs = old
    ? validateObjectMetaUpdate(cm.metadata, old.metadata)
    : validateObjectMeta(cm.metadata, true, isDns1123Subdomain);
  errs.push(...keyErrors(cm.data, root('data')));
  let size = 0;
  for (const [k, v] of Object.entries(cm.data ?? {})) {
    if (cm.binaryData && k in cm.binaryData) {
      errs.push(
        fieldErrors.invalid(root('data').key(k), k, 'duplicate of key present in binaryData'),
      );
    }
    size += Buffer.byteLength(v, 'utf8');
  }
  errs.push(...keyErrors(cm.binaryData, root('binaryData')));
  for (const v of Object.values(cm.binaryData ?? {})) size += base64Size(v);
  if (size > maxDataSize) errs.push(fieldErrors.tooLong('', maxDataSize));
  if (old) errs.push(...immutableData(cm, old));
  return errs;
}

/** validateSecret checks keys, the 1 MiB limit and the keys each built-in secret type needs. */
export function validateSecret(s: Secret, old?: Secret): Errs {
  const errs = old
    ? validateObjectMetaUpdate(s.metadata, old.metadata)
    : validateObjectMeta(s.metadata, true, isDns1123Subdomain);
  const dataPath = root('data');
  const data = s.data ?? {};
  errs.push(...keyErrors(data, dataPath));
  const size = Object.values(data).reduce((n, v) => n + base64Size(v), 0);
  if (size > maxDataSize) errs.push(fieldErrors.tooLong(dataPath, maxDataSize));
  const need = (k: string): void => {
    if (!(k in data)) errs.push(fieldErrors.required(dataPath.key(k)));
  };
  const json = (k: string): void => {
    const v = data[k];
    if (v === undefined) return need(k);
    try {
      JSON.parse(Buffer.from(v, 'base64').toString('utf8'));
    } catch (e) {
      errs.push(
        fieldErrors.invalid(dataPath.key(k), '<secret contents redacted>', (e as Error).message),
      );
    }
  };
  switch (s.type) {
    case 'kubernetes.io/service-account-token':
      if (!isSet(s.metadata?.annotations?.['kubernetes.io/service-account.name'])) {
        errs.push(
          fieldErrors.required(
            root('metadata').child('annotations').key('kubernetes.io/service-account.name'),
          ),
        );
      }
      break;
    case 'kubernetes.io/dockercfg':
      json('.dockercfg');
      break;
    case 'kubernetes.io/dockerconfigjson':
      json('.dockerconfigjson');
      break;
    case 'kubernetes.io/basic-auth':
      if (!('username' in data) && !('password' in data)) {
        need('username');
        need('password');
      }
      break;
    case 'kubernetes.io/ssh-auth':
      if (!isSet(data['ssh-privatekey']))
        errs.push(fieldErrors.required(dataPath.key('ssh-privatekey')));
      break;
    case 'kubernetes.io/tls':
      need('tls.crt');
      need('tls.key');
      break;
    default:
      break;
  }
  if (old) {
    errs.push(...immutable(s.type, old.type, root('type')));
    errs.push(...immutableData(s, old));
  }
  return errs;
}

/** validateNamespace checks a namespace (DNS-1123 label name, spec.finalizers). */
export function validateNamespace(n: Namespace, old?: Namespace): Errs {
  const errs = old
    ? validateObjectMetaUpdate(n.metadata, old.metadata)
    : validateObjectMeta(n.metadata, false, isDns1123Label);
  for (const f of n.spec?.finalizers ?? []) {
    errs.push(...validateKubeFinalizerName(f, root('spec').child('finalizers')));
  }
  return errs;
}

/** validateNamespaceStatusUpdate: the phase must say whether deletion has begun. */
export function validateNamespaceStatusUpdate(n: Namespace, old: Namespace): Errs {
  const errs = validateObjectMetaUpdate(n.metadata, old.metadata);
  const phase = n.status?.phase;
  const path = root('status').child('phase');
  if (!isSet(n.metadata?.deletionTimestamp)) {
    if (phase !== 'Active')
      errs.push(
        fieldErrors.invalid(
          path,
          phase ?? '',
          "may only be 'Active' if `deletionTimestamp` is empty",
        ),
      );
  } else if (phase !== 'Terminating') {
    errs.push(
      fieldErrors.invalid(
        path,
        phase ?? '',
        "may only be 'Terminating' if `deletionTimestamp` is not empty",
      ),
    );
  }
  return errs;
}

/**
 * validateEvent checks a core/v1 Event: its namespace agrees with the
 * involved object's; events with eventTime (the newer API) also need
 * reportingComponent, reportingInstance, action and reason. On update the
 * involved object and reason may not change.
 */
export function validateEvent(e: Event, old?: Event): Errs {
  if (old) {
    return [
      ...validateObjectMetaUpdate(e.metadata, old.metadata),
      ...immutable(e.involvedObject, old.involvedObject, root('involvedObject')),
      ...immutable(e.reason, old.reason, root('reason')),
    ];
  }
  const errs = validateObjectMeta(e.metadata, true, isDns1123Subdomain);
  const ns = e.metadata?.namespace ?? '';
  const involvedNs = e.involvedObject?.namespace ?? '';
  const nsPath = root('involvedObject').child('namespace');
  if (!isSet(e.eventTime)) {
    const ok = involvedNs === '' ? ns === '' || ns === 'default' : ns === involvedNs;
    if (!ok) errs.push(fieldErrors.invalid(nsPath, involvedNs, 'does not match event.namespace'));
  } else {
    if (involvedNs === '' && ns !== 'default' && ns !== 'kube-system') {
      errs.push(fieldErrors.invalid(nsPath, involvedNs, 'does not match event.namespace'));
    }
    if (!isSet(e.reportingComponent)) errs.push(fieldErrors.required(root('reportingComponent')));
    else errs.push(...validateQualifiedName(e.reportingComponent!, root('reportingComponent')));
    if (!isSet(e.reportingInstance)) errs.push(fieldErrors.required(root('reportingInstance')));
    else if (e.reportingInstance!.length > 128) {
      errs.push(
        fieldErrors.invalid(root('reportingInstance'), '', 'can have at most 128 characters'),
      );
    }
    if (!isSet(e.action)) errs.push(fieldErrors.required(root('action')));
    if (!isSet(e.reason)) errs.push(fieldErrors.required(root('reason')));
  }
  if ((e.message ?? '').length > 4096) {
    errs.push(fieldErrors.invalid(root('message'), '', 'can have at most 4096 characters'));
  }
  return errs;
}

/** validateDeleteOptions checks propagationPolicy, orphanDependents and dryRun. */
export function validateDeleteOptions(o: DeleteOptions): Errs {
  const errs: Errs = [];
  const pp = root('propagationPolicy');
  if (o.orphanDependents !== undefined && o.propagationPolicy !== undefined) {
    errs.push(
      fieldErrors.invalid(
        pp,
        o.propagationPolicy,
        'orphanDependents and deletionPropagation cannot be both set',
      ),
    );
  }
  const policies = ['Foreground', 'Background', 'Orphan'];
  if (o.propagationPolicy !== undefined && !policies.includes(o.propagationPolicy)) {
    errs.push(fieldErrors.notSupported(pp, o.propagationPolicy, [...policies, 'nil']));
  }
  const dryRun = o.dryRun ?? [];
  if (dryRun.some((d) => d !== 'All'))
    errs.push(fieldErrors.notSupported(root('dryRun'), dryRun, ['All']));
  return errs;
}

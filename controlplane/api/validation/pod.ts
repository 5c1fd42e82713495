import { FieldPath, fieldErrors } from '../field-path.js';
import { isDns1123Subdomain } from '../labels/index.js';
import type { ContainerStatus, Pod, PodIP, PodSpec, Toleration } from '../types/index.js';
import {
  changedPaths,
  inclusiveRange,
  ipErrors,
  ipFamilyOf,
  isSet,
  semanticEqual,
  tooMany,
  validateDns1123Subdomain,
  validateQualifiedName,
  type Errs,
} from './helpers.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './meta.js';
import { validatePodSpec } from './pod-spec.js';
import { validateTolerations } from './scheduling.js';

/** Pod create, update and status-update validation (ValidatePodCreate, ValidatePodUpdate, ValidatePodStatusUpdate). */

const specPath = FieldPath.root('spec');
const statusPath = FieldPath.root('status');
const phases = ['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown'];
const systemConditions = new Set(['PodScheduled', 'Ready', 'Initialized']);

/** updatablePodFields is the list Kubernetes names when a pod update changes anything else. */
export const updatablePodFields =
  '`spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

/** validatePod checks a pod on create: metadata (DNS-1123 subdomain name) and spec. */
export function validatePod(pod: Pod): Errs {
  const errs = validateObjectMeta(pod.metadata, true, isDns1123Subdomain);
  errs.push(...validatePodSpec(pod.spec, specPath));
  (pod.spec?.containers ?? []).forEach((c, i) => {
    if (typeof c.image === 'string' && c.image.trim() !== c.image) {
      errs.push(
        fieldErrors.invalid(
          specPath.child('containers').index(i).child('image'),
          c.image,
          'must not have leading or trailing whitespace',
        ),
      );
    }
  });
  return errs;
}

function containerUpdates(
  next: PodSpec,
  old: PodSpec,
  field: 'containers' | 'initContainers',
): { errs: Errs; stop: boolean } {
  const n = next[field] ?? [];
  const o = old[field] ?? [];
  const path = specPath.child(field);
  if (n.length !== o.length) {
    return {
      errs: [fieldErrors.forbidden(path, 'pod updates may not add or remove containers')],
      stop: true,
    };
  }
  const errs: Errs = [];
  n.forEach((c, i) => {
    if (!isSet(c.image)) errs.push(fieldErrors.required(path.index(i).child('image')));
    else if (c.image!.trim() !== c.image) {
      errs.push(
        fieldErrors.invalid(
          path.index(i).child('image'),
          c.image,
          'must not have leading or trailing whitespace',
        ),
      );
    }
  });
  return { errs, stop: false };
}

function onlyAddedTolerations(next: Toleration[], old: Toleration[]): Errs {
  const path = specPath.child('tolerations');
  for (const o of old) {
    const found = next.some((n) =>
      semanticEqual({ ...o, tolerationSeconds: n.tolerationSeconds }, n),
    );
    if (!found)
      return [
        fieldErrors.forbidden(
          path,
          'existing toleration can not be modified except its tolerationSeconds',
        ),
      ];
  }
  return validateTolerations(next, path);
}

/**
 * validatePodUpdate checks a pod update: metadata rules, the new spec, and
 * that only container images, activeDeadlineSeconds (set or lowered),
 * added tolerations and a negative grace period raised to 1 changed.
 */
export function validatePodUpdate(pod: Pod, old: Pod): Errs {
  const errs = validateObjectMetaUpdate(pod.metadata, old.metadata);
  errs.push(...validatePodSpec(pod.spec, specPath));
  const next = pod.spec ?? { containers: [] };
  const prev = old.spec ?? { containers: [] };
  for (const field of ['containers', 'initContainers'] as const) {
    const r = containerUpdates(next, prev, field);
    errs.push(...r.errs);
    if (r.stop) return errs;
  }
  const ads = next.activeDeadlineSeconds;
  const adsPath = specPath.child('activeDeadlineSeconds');
  if (ads !== undefined) {
    if (ads < 0 || ads > 2147483647)
      return [...errs, fieldErrors.invalid(adsPath, ads, inclusiveRange(0, 2147483647))];
    if (prev.activeDeadlineSeconds !== undefined && prev.activeDeadlineSeconds < ads) {
      return [
        ...errs,
        fieldErrors.invalid(adsPath, ads, 'must be less than or equal to previous value'),
      ];
    }
  } else if (prev.activeDeadlineSeconds !== undefined) {
    errs.push(
      fieldErrors.invalid(adsPath, null, 'must not update from a positive integer to nil value'),
    );
  }
  errs.push(...onlyAddedTolerations(next.tolerations ?? [], prev.tolerations ?? []));
  if (semanticEqual(next, prev)) return errs;
  // Overwrite what may change with the old values; any remaining difference is forbidden.
  const munged: PodSpec = structuredClone(next);
  munged.containers = (munged.containers ?? []).map((c, i) => ({
    ...c,
    image: prev.containers?.[i]?.image,
  }));
  if (munged.initContainers) {
    munged.initContainers = munged.initContainers.map((c, i) => ({
      ...c,
      image: prev.initContainers?.[i]?.image,
    }));
  }
  munged.activeDeadlineSeconds = prev.activeDeadlineSeconds;
  if (munged.activeDeadlineSeconds === undefined) delete munged.activeDeadlineSeconds;
  munged.tolerations = prev.tolerations;
  if (munged.tolerations === undefined) delete munged.tolerations;
  munged.schedulingGates = prev.schedulingGates;
  if (munged.schedulingGates === undefined) delete munged.schedulingGates;
  const oldGrace = prev.terminationGracePeriodSeconds;
  if (oldGrace !== undefined && oldGrace < 0 && munged.terminationGracePeriodSeconds === 1) {
    munged.terminationGracePeriodSeconds = oldGrace;
  }
  if (!semanticEqual(munged, prev)) {
    const changed = changedPaths(prev, munged, 'spec');
    errs.push(
      fieldErrors.forbidden(
        specPath,
        `pod updates may not change fields other than ${updatablePodFields}\n  changed: ${changed.join(', ')}`,
      ),
    );
  }
  return errs;
}

function validateIps(ips: PodIP[] | undefined, single: string | undefined, path: FieldPath): Errs {
  const list = ips ?? [];
  const errs: Errs = [];
  if (isSet(single) && list.length > 0 && list[0]?.ip !== single) {
    errs.push(fieldErrors.invalid(path, list, 'must match the first IP'));
  }
  if (list.length > 2) errs.push(tooMany(path, list.length, 2));
  const families = new Set<string>();
  list.forEach((p, i) => {
    for (const m of ipErrors(p.ip ?? ''))
      errs.push(fieldErrors.invalid(path.index(i).child('ip'), p.ip, m));
    const f = ipFamilyOf(p.ip ?? '');
    if (f && families.has(f)) {
      errs.push(
        fieldErrors.invalid(path, list, 'may specify no more than one IP for each IP family'),
      );
    }
    if (f) families.add(f);
  });
  return errs;
}

function stateTransitions(
  next: ContainerStatus[],
  old: ContainerStatus[],
  path: FieldPath,
  restartPolicy: string | undefined,
): Errs {
  if (restartPolicy === 'Always' || restartPolicy === undefined) return [];
  const errs: Errs = [];
  old.forEach((o, i) => {
    const term = o.state?.terminated;
    if (!term) return;
    if (term.exitCode !== 0 && restartPolicy === 'OnFailure') return;
    const n = next.find((s) => s.name === o.name);
    if (n && !n.state?.terminated) {
      errs.push(
        fieldErrors.forbidden(
          path.index(i).child('state'),
          'may not be transitioned to non-terminated state',
        ),
      );
    }
  });
  return errs;
}

/**
 * validatePodStatusUpdate checks a write to pods/status: metadata rules,
 * that spec.nodeName is untouched, phase values and no way back from a
 * terminal phase, condition types, pod and host IPs, and that containers of a
 * pod that does not restart them stay terminated.
 */
export function validatePodStatusUpdate(pod: Pod, old: Pod): Errs {
  const errs = validateObjectMetaUpdate(pod.metadata, old.metadata);
  const s = pod.status ?? {};
  const o = old.status ?? {};
  if ((pod.spec?.nodeName ?? '') !== (old.spec?.nodeName ?? '')) {
    errs.push(fieldErrors.forbidden(statusPath.child('nodeName'), 'may not be changed directly'));
  }
  if (s.phase !== undefined && !phases.includes(s.phase)) {
    errs.push(fieldErrors.notSupported(statusPath.child('phase'), s.phase, phases));
  }
  if ((o.phase === 'Succeeded' || o.phase === 'Failed') && s.phase !== o.phase) {
    errs.push(
      fieldErrors.forbidden(
        statusPath.child('phase'),
        `may not transition from terminal phase ${JSON.stringify(o.phase)} to ${JSON.stringify(s.phase ?? '')}`,
      ),
    );
  }
  (s.conditions ?? []).forEach((c, i) => {
    const cp = statusPath.child('conditions').index(i);
    if (!systemConditions.has(c.type))
      errs.push(...validateQualifiedName(c.type ?? '', cp.child('type')));
    if (!['True', 'False', 'Unknown'].includes(c.status)) {
      errs.push(
        fieldErrors.notSupported(cp.child('status'), c.status, ['True', 'False', 'Unknown']),
      );
    }
  });
  if (isSet(s.nominatedNodeName) && s.nominatedNodeName !== o.nominatedNodeName) {
    errs.push(
      ...validateDns1123Subdomain(s.nominatedNodeName!, statusPath.child('nominatedNodeName')),
    );
  }
  errs.push(...validateIps(s.podIPs, s.podIP, statusPath.child('podIPs')));
  errs.push(...validateIps(s.hostIPs, s.hostIP, statusPath.child('hostIPs')));
  const rp = old.spec?.restartPolicy;
  errs.push(
    ...stateTransitions(
      s.containerStatuses ?? [],
      o.containerStatuses ?? [],
      statusPath.child('containerStatuses'),
      rp,
    ),
  );
  errs.push(
    ...stateTransitions(
      s.initContainerStatuses ?? [],
      o.initContainerStatuses ?? [],
      statusPath.child('initContainerStatuses'),
      rp,
    ),
  );
  return errs;
}

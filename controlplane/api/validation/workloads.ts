import { FieldPath, fieldErrors } from '../field-path.js';
import {
  isDns1123Subdomain,
  trySelectorFromLabelSelector,
  validateLabelSelector,
} from '../labels/index.js';
import type { LabelSelector } from '../meta.js';
import type {
  Deployment,
  DeploymentStatus,
  IntOrString,
  PodTemplateSpec,
  ReplicaSet,
  ReplicaSetStatus,
  RollingUpdateDeployment,
} from '../types/index.js';
import { immutable, nonNegative, percentErrors, type Errs } from './helpers.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './meta.js';
import { validatePodTemplate } from './pod-spec.js';

/** Deployment and ReplicaSet validation (apps ValidateDeployment*, ValidateReplicaSet*). */

const specPath = FieldPath.root('spec');
const statusPath = FieldPath.root('status');

function validateSelectorAndTemplate(
  selector: LabelSelector | undefined,
  template: PodTemplateSpec | undefined,
): Errs {
  const errs: Errs = [];
  const selPath = specPath.child('selector');
  if (!selector) {
    errs.push(fieldErrors.required(selPath));
  } else {
    errs.push(...validateLabelSelector(selector, selPath));
    const n =
      Object.keys(selector.matchLabels ?? {}).length + (selector.matchExpressions ?? []).length;
    if (n === 0)
      errs.push(fieldErrors.invalid(selPath, selector, 'empty selector is invalid for deployment'));
  }
  const sel = trySelectorFromLabelSelector(selector);
  const tPath = specPath.child('template');
  if (sel instanceof Error) {
    errs.push(fieldErrors.invalid(selPath, selector, 'invalid label selector'));
    return errs;
  }
  if (!template) return [...errs, fieldErrors.required(tPath)];
  if (!sel.empty() && !sel.isNothing() && !sel.matches(template.metadata?.labels ?? {})) {
    errs.push(
      fieldErrors.invalid(
        tPath.child('metadata', 'labels'),
        template.metadata?.labels ?? {},
        '`selector` does not match template `labels`',
      ),
    );
  }
  errs.push(...validatePodTemplate(template, tPath));
  const rp = template.spec?.restartPolicy;
  if (rp !== undefined && rp !== 'Always') {
    errs.push(fieldErrors.notSupported(tPath.child('spec', 'restartPolicy'), rp, ['Always']));
  }
  if (template.spec?.activeDeadlineSeconds !== undefined) {
    errs.push(
      fieldErrors.forbidden(
        tPath.child('spec', 'activeDeadlineSeconds'),
        'activeDeadlineSeconds in ReplicaSet is not Supported',
      ),
    );
  }
  return errs;
}

function intOrPercentValue(v: IntOrString | undefined): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^[0-9]+%$/.test(v)) return Number(v.slice(0, -1));
  return -1;
}

function validatePositiveIntOrPercent(v: IntOrString | undefined, path: FieldPath): Errs {
  if (typeof v === 'string') return percentErrors(v).map((m) => fieldErrors.invalid(path, v, m));
  if (typeof v === 'number') return nonNegative(v, path);
  return [];
}

function validateRollingUpdate(ru: RollingUpdateDeployment, path: FieldPath): Errs {
  const mu = path.child('maxUnavailable');
  const errs = [
    ...validatePositiveIntOrPercent(ru.maxUnavailable, mu),
    ...validatePositiveIntOrPercent(ru.maxSurge, path.child('maxSurge')),
  ];
  if (intOrPercentValue(ru.maxUnavailable) === 0 && intOrPercentValue(ru.maxSurge) === 0) {
    errs.push(fieldErrors.invalid(mu, ru.maxUnavailable, 'may not be 0 when `maxSurge` is 0'));
  }
  if (typeof ru.maxUnavailable === 'string' && intOrPercentValue(ru.maxUnavailable) > 100) {
    errs.push(fieldErrors.invalid(mu, ru.maxUnavailable, 'must not be greater than 100%'));
  }
  return errs;
}

function validateDeploymentSpec(d: Deployment): Errs {
  const spec = d.spec;
  if (!spec) return [fieldErrors.required(specPath)];
  const errs = nonNegative(spec.replicas, specPath.child('replicas'));
  errs.push(...validateSelectorAndTemplate(spec.selector, spec.template));
  const strategy = spec.strategy ?? {};
  const sp = specPath.child('strategy');
  switch (strategy.type) {
    case 'Recreate':
      if (strategy.rollingUpdate) {
        errs.push(
          fieldErrors.forbidden(
            sp.child('rollingUpdate'),
            "may not be specified when strategy `type` is 'Recreate'",
          ),
        );
      }
      break;
    case 'RollingUpdate':
      if (!strategy.rollingUpdate) {
        errs.push(
          fieldErrors.required(
            sp.child('rollingUpdate'),
            'this should be defaulted and never be nil',
          ),
        );
      } else {
        errs.push(...validateRollingUpdate(strategy.rollingUpdate, sp.child('rollingUpdate')));
      }
      break;
    default:
      errs.push(
        fieldErrors.notSupported(sp.child('type'), strategy.type ?? '', [
          'Recreate',
          'RollingUpdate',
        ]),
      );
  }
  errs.push(...nonNegative(spec.minReadySeconds, specPath.child('minReadySeconds')));
  errs.push(...nonNegative(spec.revisionHistoryLimit, specPath.child('revisionHistoryLimit')));
  const pds = spec.progressDeadlineSeconds;
  if (pds !== undefined) {
    errs.push(...nonNegative(pds, specPath.child('progressDeadlineSeconds')));
    if (pds <= (spec.minReadySeconds ?? 0)) {
      errs.push(
        fieldErrors.invalid(
          specPath.child('progressDeadlineSeconds'),
          pds,
          'must be greater than minReadySeconds',
        ),
      );
    }
  }
  return errs;
}

/** validateDeployment checks a Deployment on create. */
export function validateDeployment(d: Deployment): Errs {
  return [
    ...validateObjectMeta(d.metadata, true, isDns1123Subdomain),
    ...validateDeploymentSpec(d),
  ];
}

/** validateDeploymentUpdate also keeps spec.selector immutable (apps/v1). */
export function validateDeploymentUpdate(d: Deployment, old: Deployment): Errs {
  return [
    ...validateObjectMetaUpdate(d.metadata, old.metadata),
    ...validateDeploymentSpec(d),
    ...immutable(d.spec?.selector, old.spec?.selector, specPath.child('selector')),
  ];
}

function replicaCounts(
  s: Record<string, number | undefined>,
  counts: readonly string[],
  notAbove: readonly string[],
): Errs {
  const errs: Errs = [];
  for (const k of counts) errs.push(...nonNegative(s[k], statusPath.child(k)));
  const replicas = s.replicas ?? 0;
  for (const k of notAbove) {
    const v = s[k] ?? 0;
    if (v > replicas)
      errs.push(
        fieldErrors.invalid(statusPath.child(k), v, 'cannot be greater than status.replicas'),
      );
  }
  if ((s.availableReplicas ?? 0) > (s.readyReplicas ?? 0)) {
    errs.push(
      fieldErrors.invalid(
        statusPath.child('availableReplicas'),
        s.availableReplicas,
        'cannot be greater than readyReplicas',
      ),
    );
  }
  return errs;
}

/** validateDeploymentStatusUpdate checks a write to deployments/status. */
export function validateDeploymentStatusUpdate(d: Deployment, old: Deployment): Errs {
  const s: DeploymentStatus = d.status ?? {};
  const errs = validateObjectMetaUpdate(d.metadata, old.metadata);
  errs.push(
    ...replicaCounts(
      s as Record<string, number | undefined>,
      [
        'observedGeneration',
        'replicas',
        'updatedReplicas',
        'readyReplicas',
        'availableReplicas',
        'unavailableReplicas',
        'collisionCount',
      ],
      ['updatedReplicas', 'readyReplicas', 'availableReplicas'],
    ),
  );
  const before = old.status?.collisionCount;
  if (before !== undefined && (s.collisionCount ?? 0) < before) {
    errs.push(
      fieldErrors.invalid(
        statusPath.child('collisionCount'),
        s.collisionCount ?? null,
        'cannot be decreased',
      ),
    );
  }
  return errs;
}

function validateReplicaSetSpec(rs: ReplicaSet): Errs {
  const spec = rs.spec;
  if (!spec) return [fieldErrors.required(specPath)];
  return [
    ...nonNegative(spec.replicas, specPath.child('replicas')),
    ...nonNegative(spec.minReadySeconds, specPath.child('minReadySeconds')),
    ...validateSelectorAndTemplate(spec.selector, spec.template),
  ];
}

/** validateReplicaSet checks a ReplicaSet on create. */
export function validateReplicaSet(rs: ReplicaSet): Errs {
  return [
    ...validateObjectMeta(rs.metadata, true, isDns1123Subdomain),
    ...validateReplicaSetSpec(rs),
  ];
}

/** validateReplicaSetUpdate also keeps spec.selector immutable (apps/v1). */
export function validateReplicaSetUpdate(rs: ReplicaSet, old: ReplicaSet): Errs {
  return [
    ...validateObjectMetaUpdate(rs.metadata, old.metadata),
    ...validateReplicaSetSpec(rs),
    ...immutable(rs.spec?.selector, old.spec?.selector, specPath.child('selector')),
  ];
}

/** validateReplicaSetStatusUpdate checks a write to replicasets/status. */
export function validateReplicaSetStatusUpdate(rs: ReplicaSet, old: ReplicaSet): Errs {
  const s: Partial<ReplicaSetStatus> = rs.status ?? {};
  return [
    ...validateObjectMetaUpdate(rs.metadata, old.metadata),
    ...replicaCounts(
      s as Record<string, number | undefined>,
      [
        'replicas',
        'fullyLabeledReplicas',
        'readyReplicas',
        'availableReplicas',
        'observedGeneration',
      ],
      ['fullyLabeledReplicas', 'readyReplicas', 'availableReplicas'],
    ),
  ];
}

import { fieldErrors, type FieldPath } from '../field-path.js';
import { isValidLabelValue, validateLabelName, validateLabelSelector } from '../labels/index.js';
import type {
  Affinity,
  NodeSelectorRequirement,
  NodeSelectorTerm,
  PodAffinity,
  PodAffinityTerm,
  TaintEffect,
  Toleration,
  TopologySpreadConstraint,
} from '../types/index.js';
import { isSet, type Errs } from './helpers.js';

/** Affinity, toleration, taint-effect and topology-spread validation (core validation). */

const taintEffects: TaintEffect[] = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

/** validateTaintEffect checks a taint or toleration effect; `allowEmpty` for tolerations. */
export function validateTaintEffect(
  effect: string | undefined,
  allowEmpty: boolean,
  path: FieldPath,
): Errs {
  if (!isSet(effect)) return allowEmpty ? [] : [fieldErrors.required(path)];
  return taintEffects.includes(effect as TaintEffect)
    ? []
    : [fieldErrors.notSupported(path, effect, taintEffects)];
}

function validateRequirement(r: NodeSelectorRequirement, path: FieldPath): Errs {
  const errs: Errs = [];
  const values = r.values ?? [];
  switch (r.operator) {
    case 'In':
    case 'NotIn':
      if (values.length === 0) {
        errs.push(
          fieldErrors.required(
            path.child('values'),
            "must be specified when `operator` is 'In' or 'NotIn'",
          ),
        );
      }
      break;
    case 'Exists':
    case 'DoesNotExist':
      if (values.length > 0) {
        errs.push(
          fieldErrors.forbidden(
            path.child('values'),
            "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
          ),
        );
      }
      break;
    case 'Gt':
    case 'Lt':
      if (values.length !== 1) {
        errs.push(
          fieldErrors.required(
            path.child('values'),
            "must be specified single value when `operator` is 'Lt' or 'Gt'",
          ),
        );
      }
      break;
    default:
      errs.push(
        fieldErrors.invalid(path.child('operator'), r.operator, 'not a valid selector operator'),
      );
  }
  errs.push(...validateLabelName(r.key ?? '', path.child('key')));
  return errs;
}

function validateTerm(t: NodeSelectorTerm, path: FieldPath): Errs {
  const errs: Errs = [];
  (t.matchExpressions ?? []).forEach((r, i) =>
    errs.push(...validateRequirement(r, path.child('matchExpressions').index(i))),
  );
  (t.matchFields ?? []).forEach((r, i) => {
    const rp = path.child('matchFields').index(i);
    if (r.key !== 'metadata.name') {
      errs.push(fieldErrors.invalid(rp.child('key'), r.key, 'not a valid field selector key'));
    } else if ((r.operator !== 'In' && r.operator !== 'NotIn') || (r.values ?? []).length !== 1) {
      errs.push(
        fieldErrors.invalid(
          rp,
          r,
          "must be only one value when `operator` is 'In' or 'NotIn' for node field selector",
        ),
      );
    }
  });
  return errs;
}

const weightRange = (w: number | undefined, path: FieldPath): Errs =>
  w === undefined || w < 1 || w > 100
    ? [fieldErrors.invalid(path, w ?? 0, 'must be in the range 1-100')]
    : [];

function validatePodAffinityTerm(t: PodAffinityTerm, path: FieldPath): Errs {
  const errs = validateLabelSelector(t.labelSelector, path.child('labelSelector'));
  errs.push(...validateLabelSelector(t.namespaceSelector, path.child('namespaceSelector')));
  if (!isSet(t.topologyKey))
    errs.push(fieldErrors.required(path.child('topologyKey'), 'can not be empty'));
  else errs.push(...validateLabelName(t.topologyKey, path.child('topologyKey')));
  return errs;
}

function validatePodAffinity(a: PodAffinity, path: FieldPath): Errs {
  const errs: Errs = [];
  const req = path.child('requiredDuringSchedulingIgnoredDuringExecution');
  (a.requiredDuringSchedulingIgnoredDuringExecution ?? []).forEach((t, i) =>
    errs.push(...validatePodAffinityTerm(t, req.index(i))),
  );
  const pref = path.child('preferredDuringSchedulingIgnoredDuringExecution');
  (a.preferredDuringSchedulingIgnoredDuringExecution ?? []).forEach((w, i) => {
    errs.push(...weightRange(w.weight, pref.index(i).child('weight')));
    errs.push(
      ...validatePodAffinityTerm(
        w.podAffinityTerm ?? { topologyKey: '' },
        pref.index(i).child('podAffinityTerm'),
      ),
    );
  });
  return errs;
}

/** validateAffinity checks node affinity terms and pod (anti-)affinity terms. */
export function validateAffinity(a: Affinity, path: FieldPath): Errs {
  const errs: Errs = [];
  const na = a.nodeAffinity;
  if (na) {
    const np = path.child('nodeAffinity');
    const required = na.requiredDuringSchedulingIgnoredDuringExecution;
    if (required) {
      const rp = np.child('requiredDuringSchedulingIgnoredDuringExecution', 'nodeSelectorTerms');
      const terms = required.nodeSelectorTerms ?? [];
      if (terms.length === 0)
        errs.push(fieldErrors.required(rp, 'must have at least one node selector term'));
      terms.forEach((t, i) => errs.push(...validateTerm(t, rp.index(i))));
    }
    const pp = np.child('preferredDuringSchedulingIgnoredDuringExecution');
    (na.preferredDuringSchedulingIgnoredDuringExecution ?? []).forEach((p, i) => {
      errs.push(...weightRange(p.weight, pp.index(i).child('weight')));
      errs.push(...validateTerm(p.preference ?? {}, pp.index(i).child('preference')));
    });
  }
  if (a.podAffinity) errs.push(...validatePodAffinity(a.podAffinity, path.child('podAffinity')));
  if (a.podAntiAffinity)
    errs.push(...validatePodAffinity(a.podAntiAffinity, path.child('podAntiAffinity')));
  return errs;
}

/** validateTolerations checks keys, operators, values, effects and tolerationSeconds. */
export function validateTolerations(ts: Toleration[], path: FieldPath): Errs {
  const errs: Errs = [];
  ts.forEach((t, i) => {
    const tp = path.index(i);
    if (isSet(t.key)) errs.push(...validateLabelName(t.key!, tp.child('key')));
    if (!isSet(t.key) && t.operator !== 'Exists') {
      errs.push(
        fieldErrors.invalid(
          tp.child('operator'),
          t.operator ?? '',
          'operator must be Exists when `key` is empty, which means "match all values and all keys"',
        ),
      );
    }
    if (t.tolerationSeconds !== undefined && t.effect !== 'NoExecute') {
      errs.push(
        fieldErrors.invalid(
          tp.child('effect'),
          t.effect ?? '',
          "effect must be 'NoExecute' when `tolerationSeconds` is set",
        ),
      );
    }
    switch (t.operator) {
      case 'Equal':
      case undefined:
      case '' as Toleration['operator']: {
        const msgs = isValidLabelValue(t.value ?? '');
        if (msgs.length > 0)
          errs.push(fieldErrors.invalid(tp.child('operator'), t.value, msgs.join(';')));
        break;
      }
      case 'Exists':
        if (isSet(t.value)) {
          errs.push(
            fieldErrors.invalid(
              tp.child('operator'),
              t,
              "value must be empty when `operator` is 'Exists'",
            ),
          );
        }
        break;
      default:
        errs.push(fieldErrors.notSupported(tp.child('operator'), t.operator, ['Equal', 'Exists']));
    }
    if (isSet(t.effect)) errs.push(...validateTaintEffect(t.effect, true, tp.child('effect')));
  });
  return errs;
}

/** validateTopologySpread checks topologySpreadConstraints. */
export function validateTopologySpread(cs: TopologySpreadConstraint[], path: FieldPath): Errs {
  const errs: Errs = [];
  const seen = new Set<string>();
  cs.forEach((c, i) => {
    const cp = path.index(i);
    if (!(c.maxSkew > 0))
      errs.push(fieldErrors.invalid(cp.child('maxSkew'), c.maxSkew, 'must be greater than zero'));
    if (!isSet(c.topologyKey))
      errs.push(fieldErrors.required(cp.child('topologyKey'), 'can not be empty'));
    else errs.push(...validateLabelName(c.topologyKey, cp.child('topologyKey')));
    const modes = ['DoNotSchedule', 'ScheduleAnyway'];
    if (!modes.includes(c.whenUnsatisfiable)) {
      errs.push(
        fieldErrors.notSupported(cp.child('whenUnsatisfiable'), c.whenUnsatisfiable, modes),
      );
    }
    const key = `${c.topologyKey}/${c.whenUnsatisfiable}`;
    if (seen.has(key)) {
      errs.push(fieldErrors.duplicate(cp, `{${c.topologyKey}, ${c.whenUnsatisfiable}}`));
    }
    seen.add(key);
    if (c.minDomains !== undefined && c.minDomains <= 0) {
      errs.push(
        fieldErrors.invalid(cp.child('minDomains'), c.minDomains, 'must be greater than 0'),
      );
    }
    errs.push(...validateLabelSelector(c.labelSelector, cp.child('labelSelector')));
  });
  return errs;
}

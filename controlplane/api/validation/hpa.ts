import { FieldPath, fieldErrors } from '../field-path.js';
import { validateLabelSelector } from '../labels/index.js';
import type {
  CrossVersionObjectReference,
  HPAScalingRules,
  HorizontalPodAutoscaler,
  HorizontalPodAutoscalerV1,
  MetricSpec,
  MetricTarget,
} from '../types/index.js';
import {
  isSet,
  nonNegative,
  parseQuantity,
  pathSegmentErrors,
  validateDns1123Label,
  type Errs,
} from './helpers.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './meta.js';

/** HorizontalPodAutoscaler validation (autoscaling ValidateHorizontalPodAutoscaler*). */

const specPath = FieldPath.root('spec');
const statusPath = FieldPath.root('status');
const sourceTypes = ['Object', 'Pods', 'Resource', 'External', 'ContainerResource'] as const;
const sourceField = {
  Object: 'object',
  Pods: 'pods',
  Resource: 'resource',
  External: 'external',
  ContainerResource: 'containerResource',
} as const;

function validateRef(ref: CrossVersionObjectReference | undefined, path: FieldPath): Errs {
  const errs: Errs = [];
  for (const k of ['kind', 'name'] as const) {
    const v = ref?.[k];
    if (!isSet(v)) errs.push(fieldErrors.required(path.child(k)));
    else for (const m of pathSegmentErrors(v!)) errs.push(fieldErrors.invalid(path.child(k), v, m));
  }
  return errs;
}

function positive(v: unknown, path: FieldPath): Errs {
  if (v === undefined) return [];
  const q = parseQuantity(v);
  return q && q.sign() === 1 ? [] : [fieldErrors.invalid(path, v, 'must be positive')];
}

function validateTarget(t: MetricTarget | undefined, path: FieldPath): Errs {
  const errs: Errs = [];
  if (!isSet(t?.type))
    errs.push(fieldErrors.required(path.child('type'), 'must specify a metric target type'));
  if (!['Utilization', 'Value', 'AverageValue'].includes(t?.type ?? '')) {
    errs.push(
      fieldErrors.invalid(
        path.child('type'),
        t?.type ?? '',
        'must be either Utilization, Value, or AverageValue',
      ),
    );
  }
  errs.push(
    ...positive(t?.value, path.child('value')),
    ...positive(t?.averageValue, path.child('averageValue')),
  );
  if (t?.averageUtilization !== undefined && t.averageUtilization < 1) {
    errs.push(
      fieldErrors.invalid(
        path.child('averageUtilization'),
        t.averageUtilization,
        'must be greater than 0',
      ),
    );
  }
  return errs;
}

function validateResourceLike(
  src: { name?: string; target?: MetricTarget; container?: string },
  path: FieldPath,
  container: boolean,
): Errs {
  const errs: Errs = [];
  if (!isSet(src.name))
    errs.push(fieldErrors.required(path.child('name'), 'must specify a resource name'));
  if (container) {
    if (!isSet(src.container))
      errs.push(fieldErrors.required(path.child('container'), 'must specify a container'));
    else errs.push(...validateDns1123Label(src.container!, path.child('container')));
  }
  errs.push(...validateTarget(src.target, path.child('target')));
  const t = src.target;
  if (t?.averageUtilization === undefined && t?.averageValue === undefined) {
    errs.push(
      fieldErrors.required(
        path.child('target', 'averageUtilization'),
        'must set either a target raw value or a target utilization',
      ),
    );
  }
  if (t?.averageUtilization !== undefined && t.averageValue !== undefined) {
    errs.push(
      fieldErrors.forbidden(
        path.child('target', 'averageValue'),
        'may not set both a target raw value and a target utilization',
      ),
    );
  }
  return errs;
}

function validateSource(m: MetricSpec, type: (typeof sourceTypes)[number], path: FieldPath): Errs {
  switch (type) {
    case 'Resource':
      return validateResourceLike(m.resource ?? {}, path, false);
    case 'ContainerResource':
      return validateResourceLike(m.containerResource ?? {}, path, true);
    case 'Pods': {
      const s = m.pods;
      const errs: Errs = [];
      if (!isSet(s?.metric?.name))
        errs.push(fieldErrors.required(path.child('metric', 'name'), 'must specify a metric name'));
      errs.push(...validateLabelSelector(s?.metric?.selector, path.child('metric', 'selector')));
      errs.push(...validateTarget(s?.target, path.child('target')));
      if (s?.target?.averageValue === undefined) {
        errs.push(
          fieldErrors.required(
            path.child('target', 'averageValue'),
            'must specify a positive target averageValue',
          ),
        );
      }
      return errs;
    }
    case 'Object': {
      const s = m.object;
      const errs = validateRef(s?.describedObject, path.child('describedObject'));
      if (!isSet(s?.metric?.name))
        errs.push(fieldErrors.required(path.child('metric', 'name'), 'must specify a metric name'));
      errs.push(...validateTarget(s?.target, path.child('target')));
      if (s?.target?.value === undefined && s?.target?.averageValue === undefined) {
        errs.push(
          fieldErrors.required(
            path.child('target', 'averageValue'),
            'must set either a target value or averageValue',
          ),
        );
      }
      return errs;
    }
    case 'External': {
      const s = m.external;
      const errs: Errs = [];
      if (!isSet(s?.metric?.name))
        errs.push(fieldErrors.required(path.child('metric', 'name'), 'must specify a metric name'));
      errs.push(...validateTarget(s?.target, path.child('target')));
      if (s?.target?.value === undefined && s?.target?.averageValue === undefined) {
        errs.push(
          fieldErrors.required(
            path.child('target', 'averageValue'),
            'must set either a target value for metric or a per-pod target',
          ),
        );
      }
      if (s?.target?.value !== undefined && s.target.averageValue !== undefined) {
        errs.push(
          fieldErrors.forbidden(
            path.child('target', 'value'),
            'may not set both a target value for metric and a per-pod target',
          ),
        );
      }
      return errs;
    }
  }
}

function validateMetric(m: MetricSpec, path: FieldPath): Errs {
  const errs: Errs = [];
  const present = sourceTypes.filter((t) => m[sourceField[t]] !== undefined);
  if (!isSet(m.type))
    errs.push(fieldErrors.required(path.child('type'), 'must specify a metric source type'));
  const known = sourceTypes.find((t) => t === m.type);
  if (!known) {
    errs.push(fieldErrors.notSupported(path.child('type'), m.type ?? '', sourceTypes));
  } else if (m[sourceField[known]] === undefined) {
    errs.push(
      fieldErrors.required(
        path.child(sourceField[known]),
        'must populate information for the given metric source',
      ),
    );
  } else {
    errs.push(...validateSource(m, known, path.child(sourceField[known])));
  }
  for (const t of present) {
    if (t !== known && present.length > 1) {
      errs.push(
        fieldErrors.forbidden(
          path.child(sourceField[t]),
          'must populate the given metric source only',
        ),
      );
    }
  }
  return errs;
}

function validateRules(r: HPAScalingRules | undefined, path: FieldPath): Errs {
  if (!r) return [];
  const errs: Errs = [];
  const w = r.stabilizationWindowSeconds;
  if (w !== undefined && w < 0) {
    errs.push(
      fieldErrors.invalid(
        path.child('stabilizationWindowSeconds'),
        w,
        'must be greater than or equal to zero',
      ),
    );
  }
  if (w !== undefined && w > 3600) {
    errs.push(
      fieldErrors.invalid(
        path.child('stabilizationWindowSeconds'),
        w,
        'must be less than or equal to 3600',
      ),
    );
  }
  if (r.selectPolicy !== undefined && !['Max', 'Min', 'Disabled'].includes(r.selectPolicy)) {
    errs.push(
      fieldErrors.notSupported(path.child('selectPolicy'), r.selectPolicy, [
        'Max',
        'Min',
        'Disabled',
      ]),
    );
  }
  const policies = r.policies ?? [];
  if (policies.length === 0)
    errs.push(fieldErrors.required(path.child('policies'), 'must specify at least one Policy'));
  policies.forEach((p, i) => {
    const pp = path.child('policies').index(i);
    if (p.type !== 'Pods' && p.type !== 'Percent')
      errs.push(fieldErrors.notSupported(pp.child('type'), p.type, ['Pods', 'Percent']));
    if (!(p.value > 0))
      errs.push(fieldErrors.invalid(pp.child('value'), p.value, 'must be greater than zero'));
    if (!(p.periodSeconds > 0))
      errs.push(
        fieldErrors.invalid(
          pp.child('periodSeconds'),
          p.periodSeconds,
          'must be greater than zero',
        ),
      );
    if (p.periodSeconds > 1800) {
      errs.push(
        fieldErrors.invalid(
          pp.child('periodSeconds'),
          p.periodSeconds,
          'must be less than or equal to 1800',
        ),
      );
    }
  });
  return errs;
}

function validateReplicaBounds(min: number | undefined, max: number | undefined): Errs {
  const errs: Errs = [];
  if (min !== undefined && min < 1) {
    errs.push(
      fieldErrors.invalid(specPath.child('minReplicas'), min, 'must be greater than or equal to 1'),
    );
  }
  if ((max ?? 0) < 1)
    errs.push(
      fieldErrors.invalid(specPath.child('maxReplicas'), max ?? 0, 'must be greater than 0'),
    );
  if (min !== undefined && max !== undefined && max < min) {
    errs.push(
      fieldErrors.invalid(
        specPath.child('maxReplicas'),
        max,
        'must be greater than or equal to `minReplicas`',
      ),
    );
  }
  return errs;
}

/** validateHpa checks an autoscaling/v2 HPA on create, or on update when `old` is given. */
export function validateHpa(h: HorizontalPodAutoscaler, old?: HorizontalPodAutoscaler): Errs {
  const errs = old
    ? validateObjectMetaUpdate(h.metadata, old.metadata)
    : validateObjectMeta(h.metadata, true, pathSegmentErrors);
  const spec = h.spec;
  if (!spec) return [...errs, fieldErrors.required(specPath)];
  errs.push(...validateReplicaBounds(spec.minReplicas, spec.maxReplicas));
  const refErrs = validateRef(spec.scaleTargetRef, specPath.child('scaleTargetRef'));
  if (refErrs.length > 0) return [...errs, ...refErrs];
  const metricErrs: Errs = [];
  (spec.metrics ?? []).forEach((m, i) =>
    metricErrs.push(...validateMetric(m, specPath.child('metrics').index(i))),
  );
  if (metricErrs.length > 0) return [...errs, ...metricErrs];
  const b = spec.behavior;
  if (b) {
    errs.push(...validateRules(b.scaleUp, specPath.child('behavior', 'scaleUp')));
    errs.push(...validateRules(b.scaleDown, specPath.child('behavior', 'scaleDown')));
  }
  return errs;
}

/** validateHpaV1 checks an autoscaling/v1 HPA in its own field names. */
export function validateHpaV1(h: HorizontalPodAutoscalerV1, old?: HorizontalPodAutoscalerV1): Errs {
  const errs = old
    ? validateObjectMetaUpdate(h.metadata, old.metadata)
    : validateObjectMeta(h.metadata, true, pathSegmentErrors);
  const spec = h.spec;
  if (!spec) return [...errs, fieldErrors.required(specPath)];
  errs.push(...validateReplicaBounds(spec.minReplicas, spec.maxReplicas));
  errs.push(...validateRef(spec.scaleTargetRef, specPath.child('scaleTargetRef')));
  const t = spec.targetCPUUtilizationPercentage;
  if (t !== undefined && t < 1) {
    errs.push(
      fieldErrors.invalid(
        specPath.child('targetCPUUtilizationPercentage'),
        t,
        'must be greater than 0',
      ),
    );
  }
  return errs;
}

/** validateHpaStatusUpdate checks a write to horizontalpodautoscalers/status (either version). */
export function validateHpaStatusUpdate(
  h: {
    metadata?: HorizontalPodAutoscaler['metadata'];
    status?: { currentReplicas?: number; desiredReplicas?: number };
  },
  old: { metadata?: HorizontalPodAutoscaler['metadata'] },
): Errs {
  return [
    ...validateObjectMetaUpdate(h.metadata, old.metadata),
    ...nonNegative(h.status?.currentReplicas, statusPath.child('currentReplicas')),
    ...nonNegative(h.status?.desiredReplicas, statusPath.child('desiredReplicas')),
  ];
}

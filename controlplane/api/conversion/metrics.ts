import type { LabelSelector } from '../meta.js';
import type {
  MetricIdentifier,
  MetricSpec,
  MetricSpecV1,
  MetricStatus,
  MetricStatusV1,
  MetricTarget,
} from '../types/index.js';

/**
 * Metric shape conversion between autoscaling/v2 and the v1 annotation form
 * (autoscaling/v1's MetricSpec and MetricStatus, v2beta1 field names), as
 * Kubernetes' autoscaling/v1 conversion does. Optional fields are only set
 * when present, so JSON round trips keep their shape.
 */

const zero = '0';

function put<T extends object, K extends keyof T>(o: T, k: K, v: T[K] | undefined): void {
  if (v !== undefined) o[k] = v;
}

/** metricSpecToV1 converts one v2 metric to its annotation form. */
export function metricSpecToV1(m: MetricSpec): MetricSpecV1 {
  const out: MetricSpecV1 = { type: m.type };
  if (m.object) {
    const o: NonNullable<MetricSpecV1['object']> = {
      target: { ...m.object.describedObject },
      metricName: m.object.metric.name,
      targetValue: m.object.target.value ?? zero,
    };
    put(o, 'selector', m.object.metric.selector);
    put(o, 'averageValue', m.object.target.averageValue);
    out.object = o;
  }
  if (m.pods) {
    const p: NonNullable<MetricSpecV1['pods']> = {
      metricName: m.pods.metric.name,
      targetAverageValue: m.pods.target.averageValue ?? zero,
    };
    put(p, 'selector', m.pods.metric.selector);
    out.pods = p;
  }
  if (m.resource) {
    const r: NonNullable<MetricSpecV1['resource']> = { name: m.resource.name };
    put(r, 'targetAverageUtilization', m.resource.target.averageUtilization);
    put(r, 'targetAverageValue', m.resource.target.averageValue);
    out.resource = r;
  }
  if (m.containerResource) {
    const c = m.containerResource;
    const r: NonNullable<MetricSpecV1['containerResource']> = {
      name: c.name,
      container: c.container,
    };
    put(r, 'targetAverageUtilization', c.target.averageUtilization);
    put(r, 'targetAverageValue', c.target.averageValue);
    out.containerResource = r;
  }
  if (m.external) {
    const e: NonNullable<MetricSpecV1['external']> = { metricName: m.external.metric.name };
    put(e, 'metricSelector', m.external.metric.selector);
    put(e, 'targetValue', m.external.target.value);
    put(e, 'targetAverageValue', m.external.target.averageValue);
    out.external = e;
  }
  return out;
}

function target(type: MetricTarget['type'], fields: Partial<MetricTarget>): MetricTarget {
  const t: MetricTarget = { type };
  put(t, 'value', fields.value);
  put(t, 'averageValue', fields.averageValue);
  put(t, 'averageUtilization', fields.averageUtilization);
  return t;
}

function identifier(name: string, selector: LabelSelector | undefined): MetricIdentifier {
  const id: MetricIdentifier = { name };
  put(id, 'selector', selector);
  return id;
}

/** metricSpecFromV1 converts one annotation-form metric back to v2. */
export function metricSpecFromV1(m: MetricSpecV1): MetricSpec {
  const out: MetricSpec = { type: m.type };
  if (m.object) {
    const o = m.object;
    out.object = {
      describedObject: { ...o.target },
      target: target(o.averageValue === undefined ? 'Value' : 'AverageValue', {
        value: o.targetValue,
        averageValue: o.averageValue,
      }),
      metric: identifier(o.metricName, o.selector),
    };
  }
  if (m.pods) {
    out.pods = {
      metric: identifier(m.pods.metricName, m.pods.selector),
      target: target('AverageValue', { averageValue: m.pods.targetAverageValue }),
    };
  }
  if (m.resource) {
    const r = m.resource;
    out.resource = {
      name: r.name,
      target: target(r.targetAverageUtilization === undefined ? 'AverageValue' : 'Utilization', {
        averageValue: r.targetAverageValue,
        averageUtilization: r.targetAverageUtilization,
      }),
    };
  }
  if (m.containerResource) {
    const r = m.containerResource;
    out.containerResource = {
      name: r.name,
      container: r.container,
      target: target(r.targetAverageUtilization === undefined ? 'AverageValue' : 'Utilization', {
        averageValue: r.targetAverageValue,
        averageUtilization: r.targetAverageUtilization,
      }),
    };
  }
  if (m.external) {
    const e = m.external;
    out.external = {
      metric: identifier(e.metricName, e.metricSelector),
      target: target(e.targetValue === undefined ? 'AverageValue' : 'Value', {
        value: e.targetValue,
        averageValue: e.targetAverageValue,
      }),
    };
  }
  return out;
}

/** metricStatusToV1 converts one v2 current metric to its annotation form. */
export function metricStatusToV1(m: MetricStatus): MetricStatusV1 {
  const out: MetricStatusV1 = { type: m.type };
  if (m.object) {
    const o: NonNullable<MetricStatusV1['object']> = {
      target: { ...m.object.describedObject },
      metricName: m.object.metric.name,
      currentValue: m.object.current.value ?? zero,
    };
    put(o, 'selector', m.object.metric.selector);
    put(o, 'averageValue', m.object.current.averageValue);
    out.object = o;
  }
  if (m.pods) {
    const p: NonNullable<MetricStatusV1['pods']> = {
      metricName: m.pods.metric.name,
      currentAverageValue: m.pods.current.averageValue ?? zero,
    };
    put(p, 'selector', m.pods.metric.selector);
    out.pods = p;
  }
  if (m.resource) {
    const r: NonNullable<MetricStatusV1['resource']> = {
      name: m.resource.name,
      currentAverageValue: m.resource.current.averageValue ?? zero,
    };
    put(r, 'currentAverageUtilization', m.resource.current.averageUtilization);
    out.resource = r;
  }
  if (m.containerResource) {
    const c = m.containerResource;
    const r: NonNullable<MetricStatusV1['containerResource']> = {
      name: c.name,
      container: c.container,
      currentAverageValue: c.current.averageValue ?? zero,
    };
    put(r, 'currentAverageUtilization', c.current.averageUtilization);
    out.containerResource = r;
  }
  if (m.external) {
    const e: NonNullable<MetricStatusV1['external']> = {
      metricName: m.external.metric.name,
      currentValue: m.external.current.value ?? zero,
    };
    put(e, 'metricSelector', m.external.metric.selector);
    put(e, 'currentAverageValue', m.external.current.averageValue);
    out.external = e;
  }
  return out;
}

/** metricStatusFromV1 converts one annotation-form current metric back to v2. */
export function metricStatusFromV1(m: MetricStatusV1): MetricStatus {
  const out: MetricStatus = { type: m.type };
  const current = (f: { value?: string; averageValue?: string; averageUtilization?: number }) => {
    const c: { value?: string; averageValue?: string; averageUtilization?: number } = {};
    put(c, 'value', f.value);
    put(c, 'averageValue', f.averageValue);
    put(c, 'averageUtilization', f.averageUtilization);
    return c;
  };
  if (m.object) {
    out.object = {
      metric: identifier(m.object.metricName, m.object.selector),
      current: current({ value: m.object.currentValue, averageValue: m.object.averageValue }),
      describedObject: { ...m.object.target },
    };
  }
  if (m.pods) {
    out.pods = {
      metric: identifier(m.pods.metricName, m.pods.selector),
      current: current({ averageValue: m.pods.currentAverageValue }),
    };
  }
  if (m.resource) {
    out.resource = {
      name: m.resource.name,
      current: current({
        averageValue: m.resource.currentAverageValue,
        averageUtilization: m.resource.currentAverageUtilization,
      }),
    };
  }
  if (m.containerResource) {
    const c = m.containerResource;
    out.containerResource = {
      name: c.name,
      container: c.container,
      current: current({
        averageValue: c.currentAverageValue,
        averageUtilization: c.currentAverageUtilization,
      }),
    };
  }
  if (m.external) {
    out.external = {
      metric: identifier(m.external.metricName, m.external.metricSelector),
      current: current({
        value: m.external.currentValue,
        averageValue: m.external.currentAverageValue,
      }),
    };
  }
  return out;
}

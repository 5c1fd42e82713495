import { describe, expect, it } from 'vitest';
import { applyDefaults } from '../defaults/index.js';
import * as ex from '../types/examples.js';
import { kinds } from '../types/gvk.js';
import type { HorizontalPodAutoscaler, HorizontalPodAutoscalerV1 } from '../types/index.js';
import { validate } from '../validation/index.js';
import {
  conditionsAnnotation,
  convertHpa,
  currentMetricsAnnotation,
  metricsAnnotation,
} from './index.js';

function richHpa(): HorizontalPodAutoscaler {
  const h = ex.exampleHpa();
  h.metadata = { ...h.metadata, annotations: { team: 'web' } };
  h.spec!.metrics = [
    {
      type: 'Resource',
      resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } },
    },
    {
      type: 'Resource',
      resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '200Mi' } },
    },
    {
      type: 'Pods',
      pods: { metric: { name: 'rps' }, target: { type: 'AverageValue', averageValue: '10' } },
    },
    {
      type: 'External',
      external: {
        metric: { name: 'queue', selector: { matchLabels: { q: 'jobs' } } },
        target: { type: 'Value', value: '30' },
      },
    },
    {
      type: 'ContainerResource',
      containerResource: {
        name: 'cpu',
        container: 'web',
        target: { type: 'Utilization', averageUtilization: 60 },
      },
    },
  ];
  h.spec!.behavior = {
    scaleDown: {
      stabilizationWindowSeconds: 60,
      selectPolicy: 'Min',
      policies: [{ type: 'Pods', value: 1, periodSeconds: 30 }],
    },
  };
  h.status = {
    observedGeneration: 2,
    currentReplicas: 3,
    desiredReplicas: 4,
    lastScaleTime: '2024-05-01T10:00:00Z',
    currentMetrics: [
      {
        type: 'Resource',
        resource: { name: 'cpu', current: { averageUtilization: 70, averageValue: '350m' } },
      },
      { type: 'Pods', pods: { metric: { name: 'rps' }, current: { averageValue: '12' } } },
    ],
    conditions: [
      {
        type: 'AbleToScale',
        status: 'True',
        reason: 'ScaleDownStabilized',
        lastTransitionTime: '2024-05-01T10:00:00Z',
      },
    ],
  };
  return h;
}

describe('convertHpa', () => {
  it('maps the CPU target and keeps the rest in annotations', () => {
    const v1 = convertHpa(richHpa(), 'v1');
    expect(v1.apiVersion).toBe('autoscaling/v1');
    expect(v1.spec).toEqual({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      minReplicas: 2,
      maxReplicas: 10,
      targetCPUUtilizationPercentage: 50,
    });
    expect(v1.status).toEqual({
      observedGeneration: 2,
      currentReplicas: 3,
      desiredReplicas: 4,
      lastScaleTime: '2024-05-01T10:00:00Z',
      currentCPUUtilizationPercentage: 70,
    });
    const ann = v1.metadata!.annotations!;
    expect(ann.team).toBe('web');
    expect(JSON.parse(ann[metricsAnnotation]!)).toEqual([
      { type: 'Resource', resource: { name: 'memory', targetAverageValue: '200Mi' } },
      { type: 'Pods', pods: { metricName: 'rps', targetAverageValue: '10' } },
      {
        type: 'External',
        external: {
          metricName: 'queue',
          metricSelector: { matchLabels: { q: 'jobs' } },
          targetValue: '30',
        },
      },
      {
        type: 'ContainerResource',
        containerResource: { name: 'cpu', container: 'web', targetAverageUtilization: 60 },
      },
    ]);
    expect(JSON.parse(ann[currentMetricsAnnotation]!)).toHaveLength(2);
    expect(JSON.parse(ann[conditionsAnnotation]!)).toHaveLength(1);
  });

  it('round-trips v2 → v1 → v2 without loss, the CPU target moving last as in Kubernetes', () => {
    const h = richHpa();
    const back = convertHpa(convertHpa(h, 'v1'), 'v2');
    const [cpu, ...rest] = h.spec!.metrics!;
    h.spec!.metrics = [...rest, cpu!];
    expect(back).toEqual(h);
    const plain = ex.exampleHpa();
    expect(convertHpa(convertHpa(plain, 'v1'), 'v2')).toEqual(plain);
  });

  it('round-trips v1 → v2 → v1 and defaults a missing CPU target', () => {
    const v1: HorizontalPodAutoscalerV1 = ex.exampleHpaV1();
    v1.status = { currentReplicas: 2, desiredReplicas: 2, currentCPUUtilizationPercentage: 40 };
    const v2 = convertHpa(v1, 'v2');
    expect(v2.spec!.metrics).toEqual([
      {
        type: 'Resource',
        resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } },
      },
    ]);
    expect(v2.status!.currentMetrics).toEqual([
      { type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 40 } } },
    ]);
    const back = convertHpa(v2, 'v1');
    expect(back.spec).toEqual(v1.spec);
    expect(back.status).toEqual(v1.status);
    delete v1.spec!.targetCPUUtilizationPercentage;
    expect(convertHpa(v1, 'v2').spec!.metrics![0]!.resource!.target.averageUtilization).toBe(80);
  });

  it('gives a v1 HPA from kubectl autoscale a valid, defaulted v2 object', () => {
    const v2 = convertHpa(ex.exampleHpaV1(), 'v2');
    applyDefaults(kinds.HorizontalPodAutoscaler, v2);
    expect(validate(kinds.HorizontalPodAutoscaler, v2)).toEqual([]);
    expect(v2.spec!.minReplicas).toBe(1);
    expect(v2.metadata!.annotations).toBeUndefined();
  });

  it('ignores hand-broken annotations and copies same-version input', () => {
    const v1 = ex.exampleHpaV1();
    v1.metadata!.annotations = { [metricsAnnotation]: '{not json', [conditionsAnnotation]: '"x"' };
    const v2 = convertHpa(v1, 'v2');
    expect(v2.spec!.metrics).toHaveLength(1);
    expect(v2.metadata!.annotations).toBeUndefined();
    const h = ex.exampleHpa();
    const copy = convertHpa(h, 'v2');
    expect(copy).toEqual(h);
    expect(copy).not.toBe(h);
    expect(() =>
      convertHpa(
        { ...h, apiVersion: 'autoscaling/v9' } as unknown as HorizontalPodAutoscaler,
        'v1',
      ),
    ).toThrow();
  });
});

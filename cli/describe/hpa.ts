import { convertHpa } from '../../controlplane/api/conversion/index.js';
import type * as T from '../../controlplane/api/types/index.js';
import type { Obj } from '../resources/fetch.js';
import { metaOf } from './common.js';
import { eventsFor, type DescribeSource } from './source.js';
import {
  annotationsMultiline,
  DescribeWriter,
  events,
  labelsMultiline,
  rfc1123z,
} from './writer.js';

function metricLines(w: DescribeWriter, hpa: T.HorizontalPodAutoscaler): void {
  const current = hpa.status?.currentMetrics ?? [];
  (hpa.spec?.metrics ?? []).forEach((metric, i) => {
    const cur = current[i];
    switch (metric.type) {
      case 'Resource':
      case 'ContainerResource': {
        const src = metric.type === 'Resource' ? metric.resource : metric.containerResource;
        const curVal =
          metric.type === 'Resource' ? cur?.resource?.current : cur?.containerResource?.current;
        const where =
          metric.type === 'Resource'
            ? `resource ${src?.name ?? ''} on pods`
            : `resource ${src?.name ?? ''} of container "${metric.containerResource?.container ?? ''}" on pods`;
        if (src?.target.averageValue !== undefined) {
          w.line(
            1,
            `${where}:\t${curVal?.averageValue ?? '<unknown>'} / ${src.target.averageValue}`,
          );
        } else {
          const now =
            curVal?.averageUtilization !== undefined
              ? `${curVal.averageUtilization}% (${curVal.averageValue ?? '0'})`
              : '<unknown>';
          const target =
            src?.target.averageUtilization !== undefined
              ? `${src.target.averageUtilization}%`
              : '<auto>';
          w.line(1, `${where}  (as a percentage of request):\t${now} / ${target}`);
        }
        break;
      }
      case 'Pods':
        w.line(
          1,
          `"${metric.pods?.metric.name ?? ''}" on pods:\t${cur?.pods?.current.averageValue ?? '<unknown>'} / ${metric.pods?.target.averageValue ?? ''}`,
        );
        break;
      case 'Object': {
        const o = metric.object;
        const ref = `${o?.describedObject.kind ?? ''}/${o?.describedObject.name ?? ''}`;
        const val =
          o?.target.value !== undefined
            ? cur?.object?.current.value
            : cur?.object?.current.averageValue;
        const target = o?.target.value ?? `${o?.target.averageValue ?? ''} (avg)`;
        w.line(1, `"${o?.metric.name ?? ''}" on ${ref}:\t${val ?? '<unknown>'} / ${target}`);
        break;
      }
      case 'External': {
        const e = metric.external;
        const val =
          e?.target.value !== undefined
            ? cur?.external?.current.value
            : cur?.external?.current.averageValue;
        const target = e?.target.value ?? `${e?.target.averageValue ?? ''} (avg)`;
        w.line(
          1,
          `"${e?.metric.name ?? ''}" (external metric):\t${val ?? '<unknown>'} / ${target}`,
        );
        break;
      }
      default:
        w.line(1, `<unknown metric type "${String(metric.type)}">`);
    }
  });
}

function behaviorLines(
  w: DescribeWriter,
  name: string,
  rules: T.HPAScalingRules | undefined,
): void {
  if (!rules) return;
  w.line(1, `${name}:`);
  if (rules.stabilizationWindowSeconds !== undefined) {
    w.line(2, `Stabilization Window: ${rules.stabilizationWindowSeconds} seconds`);
  }
  if (rules.policies?.length) {
    w.line(2, `Select Policy: ${rules.selectPolicy ?? 'Max'}`);
    w.line(2, 'Policies:');
    for (const p of rules.policies)
      w.line(3, `- Type: ${p.type}\tValue: ${p.value}\tPeriod: ${p.periodSeconds} seconds`);
  }
}

/** describeHpa renders a HorizontalPodAutoscaler (v1 ones converted to v2) as kubectl does. */
export async function describeHpa(obj: Obj, src: DescribeSource): Promise<string> {
  const hpa = (
    obj.apiVersion === 'autoscaling/v1'
      ? convertHpa(obj as unknown as T.HorizontalPodAutoscalerV1, 'v2')
      : obj
  ) as T.HorizontalPodAutoscaler;
  const m = metaOf(obj);
  const spec = hpa.spec;
  const w = new DescribeWriter();
  w.line(0, `Name:\t${m.name ?? ''}`);
  w.line(0, `Namespace:\t${m.namespace ?? ''}`);
  labelsMultiline(w, 'Labels', m.labels);
  annotationsMultiline(w, 'Annotations', m.annotations);
  w.line(0, `CreationTimestamp:\t${rfc1123z(m.creationTimestamp)}`);
  w.line(0, `Reference:\t${spec?.scaleTargetRef.kind ?? ''}/${spec?.scaleTargetRef.name ?? ''}`);
  w.line(0, 'Metrics:\t( current / target )');
  metricLines(w, hpa);
  w.line(0, `Min replicas:\t${spec?.minReplicas ?? '<unset>'}`);
  w.line(0, `Max replicas:\t${spec?.maxReplicas ?? 0}`);
  if (spec?.behavior) {
    w.line(0, 'Behavior:');
    behaviorLines(w, 'Scale Up', spec.behavior.scaleUp);
    behaviorLines(w, 'Scale Down', spec.behavior.scaleDown);
  }
  w.line(
    0,
    `${spec?.scaleTargetRef.kind ?? ''} pods:\t${hpa.status?.currentReplicas ?? 0} current / ${hpa.status?.desiredReplicas ?? 0} desired`,
  );
  const conds = hpa.status?.conditions ?? [];
  if (conds.length > 0) {
    w.line(0, 'Conditions:');
    w.line(1, 'Type\tStatus\tReason\tMessage');
    w.line(1, '----\t------\t------\t-------');
    for (const c of conds)
      w.line(1, `${c.type}\t${c.status}\t${c.reason ?? ''}\t${c.message ?? ''}`);
  }
  events(w, await eventsFor(obj, src), src.now());
  return w.toString();
}

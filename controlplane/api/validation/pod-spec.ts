import { fieldErrors, type FieldPath } from '../field-path.js';
import { validateAnnotations, validateLabels } from '../labels/index.js';
import type { Container, PodSpec, PodTemplateSpec } from '../types/index.js';
import { validateContainer } from './container.js';
import { validateResources } from './resources.js';
import {
  inclusiveRange,
  ipErrors,
  isSet,
  nonNegative,
  validateDns1123Label,
  validateDns1123Subdomain,
  validateQualifiedName,
  type Errs,
} from './helpers.js';
import { validateAffinity, validateTolerations, validateTopologySpread } from './scheduling.js';
import { validateVolumes } from './volumes.js';

/** PodSpec validation, shared by Pods and the templates of Deployments and ReplicaSets. */

const restartPolicies = ['Always', 'OnFailure', 'Never'];
const dnsPolicies = ['ClusterFirst', 'ClusterFirstWithHostNet', 'Default', 'None'];

function validateContainerList(spec: PodSpec, path: FieldPath, volumes: ReadonlySet<string>): Errs {
  const errs: Errs = [];
  const names = new Set<string>();
  const hostPorts = new Set<string>();
  const check = (list: Container[], field: 'initContainers' | 'containers'): void => {
    list.forEach((c, i) => {
      const cp = path.child(field).index(i);
      errs.push(...validateContainer(c, cp, { volumes, init: field === 'initContainers' }));
      if (isSet(c.name)) {
        if (names.has(c.name)) errs.push(fieldErrors.duplicate(cp.child('name'), c.name));
        names.add(c.name);
      }
      (c.ports ?? []).forEach((p, j) => {
        if (!isSet(p.hostPort)) return;
        const key = `${p.hostIP ?? ''}/${p.protocol ?? 'TCP'}/${p.hostPort}`;
        if (hostPorts.has(key)) {
          errs.push(fieldErrors.duplicate(cp.child('ports').index(j).child('hostPort'), key));
        }
        hostPorts.add(key);
        if (spec.hostNetwork === true && p.hostPort !== p.containerPort) {
          errs.push(
            fieldErrors.invalid(
              cp.child('ports').index(j).child('containerPort'),
              p.containerPort,
              'must match `hostPort` when `hostNetwork` is true',
            ),
          );
        }
      });
    });
  };
  check(spec.initContainers ?? [], 'initContainers');
  const containers = spec.containers ?? [];
  if (containers.length === 0) errs.push(fieldErrors.required(path.child('containers')));
  check(containers, 'containers');
  return errs;
}

/**
 * validatePodSpec checks a pod spec at `path` (`spec`, or
 * `spec.template.spec`): volumes, containers and init containers, policies,
 * scheduling fields, security context and DNS settings.
 */
export function validatePodSpec(spec: PodSpec | undefined, path: FieldPath): Errs {
  if (!spec) return [fieldErrors.required(path)];
  const errs: Errs = [];
  const { errs: volErrs, names } = validateVolumes(spec.volumes ?? [], path.child('volumes'));
  errs.push(...volErrs);
  errs.push(...validateContainerList(spec, path, names));
  if (!isSet(spec.restartPolicy)) errs.push(fieldErrors.required(path.child('restartPolicy')));
  else if (!restartPolicies.includes(spec.restartPolicy!)) {
    errs.push(
      fieldErrors.notSupported(path.child('restartPolicy'), spec.restartPolicy, restartPolicies),
    );
  }
  if (!isSet(spec.dnsPolicy)) errs.push(fieldErrors.required(path.child('dnsPolicy')));
  else if (!dnsPolicies.includes(spec.dnsPolicy!)) {
    errs.push(fieldErrors.notSupported(path.child('dnsPolicy'), spec.dnsPolicy, dnsPolicies));
  } else if (spec.dnsPolicy === 'None' && (spec.dnsConfig?.nameservers ?? []).length === 0) {
    errs.push(
      fieldErrors.required(
        path.child('dnsConfig', 'nameservers'),
        'must provide at least one DNS nameserver when `dnsPolicy` is None',
      ),
    );
  }
  const ns = spec.dnsConfig?.nameservers ?? [];
  if (ns.length > 3) {
    errs.push(
      fieldErrors.invalid(
        path.child('dnsConfig', 'nameservers'),
        ns,
        'must not have more than 3 nameservers',
      ),
    );
  }
  ns.forEach((ip, i) => {
    for (const m of ipErrors(ip))
      errs.push(fieldErrors.invalid(path.child('dnsConfig', 'nameservers').index(i), ip, m));
  });
  errs.push(...validateLabels(spec.nodeSelector, path.child('nodeSelector')));
  if (isSet(spec.nodeName))
    errs.push(...validateDns1123Subdomain(spec.nodeName!, path.child('nodeName')));
  if (isSet(spec.serviceAccountName)) {
    errs.push(
      ...validateDns1123Subdomain(spec.serviceAccountName!, path.child('serviceAccountName')),
    );
  }
  if (isSet(spec.schedulerName))
    errs.push(...validateDns1123Subdomain(spec.schedulerName!, path.child('schedulerName')));
  if (isSet(spec.priorityClassName)) {
    errs.push(
      ...validateDns1123Subdomain(spec.priorityClassName!, path.child('priorityClassName')),
    );
  }
  if (isSet(spec.hostname))
    errs.push(...validateDns1123Label(spec.hostname!, path.child('hostname')));
  if (isSet(spec.subdomain))
    errs.push(...validateDns1123Label(spec.subdomain!, path.child('subdomain')));
  errs.push(
    ...nonNegative(spec.terminationGracePeriodSeconds, path.child('terminationGracePeriodSeconds')),
  );
  const ads = spec.activeDeadlineSeconds;
  if (ads !== undefined && (ads < 1 || ads > 2147483647)) {
    errs.push(
      fieldErrors.invalid(path.child('activeDeadlineSeconds'), ads, inclusiveRange(1, 2147483647)),
    );
  }
  if (spec.affinity) errs.push(...validateAffinity(spec.affinity, path.child('affinity')));
  errs.push(...validateTolerations(spec.tolerations ?? [], path.child('tolerations')));
  errs.push(
    ...validateTopologySpread(
      spec.topologySpreadConstraints ?? [],
      path.child('topologySpreadConstraints'),
    ),
  );
  (spec.readinessGates ?? []).forEach((g, i) => {
    errs.push(
      ...validateQualifiedName(
        g.conditionType ?? '',
        path.child('readinessGates').index(i).child('conditionType'),
      ),
    );
  });
  (spec.imagePullSecrets ?? []).forEach((s, i) => {
    if (!isSet(s.name))
      errs.push(fieldErrors.required(path.child('imagePullSecrets').index(i).child('name')));
  });
  (spec.hostAliases ?? []).forEach((h, i) => {
    for (const m of ipErrors(h.ip ?? ''))
      errs.push(fieldErrors.invalid(path.child('hostAliases').index(i).child('ip'), h.ip, m));
  });
  const sc = spec.securityContext;
  if (sc) {
    for (const k of ['runAsUser', 'runAsGroup', 'fsGroup'] as const) {
      const v = sc[k];
      if (v !== undefined && (v < 0 || v > 2147483647)) {
        errs.push(
          fieldErrors.invalid(path.child('securityContext', k), v, inclusiveRange(0, 2147483647)),
        );
      }
    }
  }
  if (spec.os && spec.os.name !== 'linux' && spec.os.name !== 'windows') {
    errs.push(
      fieldErrors.notSupported(path.child('os', 'name'), spec.os.name, ['linux', 'windows']),
    );
  }
  if (spec.overhead)
    errs.push(
      ...validateResources({ limits: spec.overhead }, path.child('overhead')).map(renameOverhead),
    );
  return errs;
}

// validateResources reports under `limits`; overhead is a bare resource list.
function renameOverhead(e: Errs[number]): Errs[number] {
  return { ...e, field: e.field.replace('.overhead.limits', '.overhead') };
}

/** validatePodTemplate checks a template's labels and annotations, then its pod spec. */
export function validatePodTemplate(t: PodTemplateSpec | undefined, path: FieldPath): Errs {
  if (!t) return [fieldErrors.required(path)];
  const errs = [
    ...validateLabels(t.metadata?.labels, path.child('metadata', 'labels')),
    ...validateAnnotations(t.metadata?.annotations, path.child('metadata', 'annotations')),
  ];
  errs.push(...validatePodSpec(t.spec, path.child('spec')));
  return errs;
}

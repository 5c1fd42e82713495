import { fieldErrors, type FieldPath } from '../field-path.js';
import type {
  Container,
  ContainerPort,
  EnvFromSource,
  EnvVar,
  VolumeMount,
} from '../types/index.js';
import { validateHandler, validateProbe } from './probes.js';
import { validateResources } from './resources.js';
import {
  configMapKeyErrors,
  envVarNameErrors,
  isSet,
  notFound,
  portNameErrors,
  portNumErrors,
  validateDns1123Label,
  type Errs,
} from './helpers.js';

/** Container validation (core ValidatePodSpec's container part), with Kubernetes' messages. */

const protocols = ['SCTP', 'TCP', 'UDP'];
const pullPolicies = ['Always', 'IfNotPresent', 'Never'];
const envFieldPaths = [
  'metadata.annotations',
  'metadata.labels',
  'metadata.name',
  'metadata.namespace',
  'metadata.uid',
  'spec.nodeName',
  'spec.serviceAccountName',
  'status.hostIP',
  'status.hostIPs',
  'status.podIP',
  'status.podIPs',
];
const resourceFieldRefs = [
  'limits.cpu',
  'limits.ephemeral-storage',
  'limits.memory',
  'requests.cpu',
  'requests.ephemeral-storage',
  'requests.memory',
];

/** ContainerContext is what container checks need from the pod around them. */
export interface ContainerContext {
  /** volumes are the names of the pod's volumes, for volumeMounts. */
  volumes: ReadonlySet<string>;
  /** init is true for spec.initContainers. */
  init: boolean;
}

function validatePorts(ports: ContainerPort[], path: FieldPath): Errs {
  const errs: Errs = [];
  const names = new Set<string>();
  ports.forEach((p, i) => {
    const pp = path.index(i);
    if (isSet(p.name)) {
      const msgs = portNameErrors(p.name!);
      if (msgs.length > 0)
        for (const m of msgs) errs.push(fieldErrors.invalid(pp.child('name'), p.name, m));
      else if (names.has(p.name!)) errs.push(fieldErrors.duplicate(pp.child('name'), p.name));
      else names.add(p.name!);
    }
    if (!isSet(p.containerPort)) errs.push(fieldErrors.required(pp.child('containerPort')));
    else {
      for (const m of portNumErrors(p.containerPort)) {
        errs.push(fieldErrors.invalid(pp.child('containerPort'), p.containerPort, m));
      }
    }
    if (isSet(p.hostPort)) {
      for (const m of portNumErrors(p.hostPort!)) {
        errs.push(fieldErrors.invalid(pp.child('hostPort'), p.hostPort, m));
      }
    }
    if (!isSet(p.protocol)) errs.push(fieldErrors.required(pp.child('protocol')));
    else if (!protocols.includes(p.protocol!)) {
      errs.push(fieldErrors.notSupported(pp.child('protocol'), p.protocol, protocols));
    }
  });
  return errs;
}

function validateKeyRef(ref: { name?: string; key?: string }, path: FieldPath): Errs {
  const errs: Errs = [];
  if (!isSet(ref.name)) errs.push(fieldErrors.required(path.child('name')));
  if (!isSet(ref.key)) errs.push(fieldErrors.required(path.child('key')));
  else
    for (const m of configMapKeyErrors(ref.key!))
      errs.push(fieldErrors.invalid(path.child('key'), ref.key, m));
  return errs;
}

function validateEnv(env: EnvVar[], path: FieldPath): Errs {
  const errs: Errs = [];
  env.forEach((e, i) => {
    const ep = path.index(i);
    if (!isSet(e.name)) errs.push(fieldErrors.required(ep.child('name')));
    else
      for (const m of envVarNameErrors(e.name))
        errs.push(fieldErrors.invalid(ep.child('name'), e.name, m));
    const from = e.valueFrom;
    if (!from) return;
    const fp = ep.child('valueFrom');
    let n = 0;
    if (from.fieldRef) {
      n++;
      const fr = from.fieldRef;
      const frp = fp.child('fieldRef');
      if (!isSet(fr.apiVersion)) errs.push(fieldErrors.required(frp.child('apiVersion')));
      if (!isSet(fr.fieldPath)) errs.push(fieldErrors.required(frp.child('fieldPath')));
      else {
        const base = fr.fieldPath.replace(/\[.*\]$/, '');
        const subscripted = fr.fieldPath !== base;
        const okSubscript = base === 'metadata.labels' || base === 'metadata.annotations';
        if (
          !envFieldPaths.includes(base) ||
          (subscripted && !okSubscript) ||
          (!subscripted && okSubscript)
        ) {
          errs.push(fieldErrors.notSupported(frp.child('fieldPath'), fr.fieldPath, envFieldPaths));
        }
      }
    }
    if (from.resourceFieldRef) {
      n++;
      const r = from.resourceFieldRef;
      const rp = fp.child('resourceFieldRef');
      if (!isSet(r.resource)) errs.push(fieldErrors.required(rp.child('resource')));
      else if (
        !resourceFieldRefs.includes(r.resource) &&
        !/^(limits|requests)\.hugepages-/.test(r.resource)
      ) {
        errs.push(fieldErrors.notSupported(rp.child('resource'), r.resource, resourceFieldRefs));
      }
    }
    if (from.configMapKeyRef) {
      n++;
      errs.push(...validateKeyRef(from.configMapKeyRef, fp.child('configMapKeyRef')));
    }
    if (from.secretKeyRef) {
      n++;
      errs.push(...validateKeyRef(from.secretKeyRef, fp.child('secretKeyRef')));
    }
    if (n === 0) {
      errs.push(
        fieldErrors.invalid(
          fp,
          '',
          'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`',
        ),
      );
    } else if (isSet(e.value)) {
      errs.push(fieldErrors.invalid(fp, '', 'may not be specified when `value` is not empty'));
    } else if (n > 1) {
      errs.push(
        fieldErrors.invalid(fp, '', 'may not have more than one field specified at a time'),
      );
    }
  });
  return errs;
}

function validateEnvFrom(envFrom: EnvFromSource[], path: FieldPath): Errs {
  const errs: Errs = [];
  envFrom.forEach((e, i) => {
    const ep = path.index(i);
    if (isSet(e.prefix)) {
      for (const m of envVarNameErrors(e.prefix!))
        errs.push(fieldErrors.invalid(ep.child('prefix'), e.prefix, m));
    }
    let n = 0;
    for (const k of ['configMapRef', 'secretRef'] as const) {
      const ref = e[k];
      if (!ref) continue;
      n++;
      if (!isSet(ref.name)) errs.push(fieldErrors.required(ep.child(k, 'name')));
    }
    if (n === 0) {
      errs.push(fieldErrors.invalid(ep, '', 'must specify one of: `configMapRef` or `secretRef`'));
    } else if (n > 1) {
      errs.push(
        fieldErrors.invalid(ep, '', 'may not have more than one field specified at a time'),
      );
    }
  });
  return errs;
}

function validateVolumeMounts(
  mounts: VolumeMount[],
  path: FieldPath,
  volumes: ReadonlySet<string>,
): Errs {
  const errs: Errs = [];
  const seen = new Set<string>();
  mounts.forEach((m, i) => {
    const mp = path.index(i);
    if (!isSet(m.name)) errs.push(fieldErrors.required(mp.child('name')));
    if (!volumes.has(m.name)) errs.push(notFound(mp.child('name'), m.name ?? ''));
    if (!isSet(m.mountPath)) errs.push(fieldErrors.required(mp.child('mountPath')));
    else if (seen.has(m.mountPath)) {
      errs.push(fieldErrors.invalid(mp.child('mountPath'), m.mountPath, 'must be unique'));
    }
    seen.add(m.mountPath);
    if (isSet(m.subPath)) {
      if (m.subPath!.startsWith('/')) {
        errs.push(fieldErrors.invalid(mp.child('subPath'), m.subPath, 'must be a relative path'));
      }
      if (m.subPath!.split('/').includes('..')) {
        errs.push(fieldErrors.invalid(mp.child('subPath'), m.subPath, "must not contain '..'"));
      }
    }
    const propagations = ['Bidirectional', 'HostToContainer', 'None'];
    if (m.mountPropagation !== undefined && !propagations.includes(m.mountPropagation)) {
      errs.push(
        fieldErrors.notSupported(mp.child('mountPropagation'), m.mountPropagation, propagations),
      );
    }
  });
  return errs;
}

/** validateContainer checks one container; `ctx` says whether it is an init container. */
export function validateContainer(c: Container, path: FieldPath, ctx: ContainerContext): Errs {
  const errs: Errs = [];
  if (!isSet(c.name)) errs.push(fieldErrors.required(path.child('name')));
  else errs.push(...validateDns1123Label(c.name, path.child('name')));
  if (!isSet(c.image)) errs.push(fieldErrors.required(path.child('image')));
  if (c.imagePullPolicy !== undefined && !pullPolicies.includes(c.imagePullPolicy)) {
    errs.push(
      fieldErrors.notSupported(path.child('imagePullPolicy'), c.imagePullPolicy, pullPolicies),
    );
  }
  const tmp = c.terminationMessagePolicy;
  if (tmp !== undefined && tmp !== 'File' && tmp !== 'FallbackToLogsOnError') {
    errs.push(
      fieldErrors.invalid(
        path.child('terminationMessagePolicy'),
        tmp,
        "must be 'File' or 'FallbackToLogsOnError'",
      ),
    );
  }
  const sidecar = ctx.init && c.restartPolicy === 'Always';
  if (c.restartPolicy !== undefined) {
    if (!ctx.init)
      errs.push(
        fieldErrors.forbidden(
          path.child('restartPolicy'),
          'may not be set for non-init containers',
        ),
      );
    else if (c.restartPolicy !== 'Always') {
      errs.push(fieldErrors.notSupported(path.child('restartPolicy'), c.restartPolicy, ['Always']));
    }
  }
  errs.push(...validatePorts(c.ports ?? [], path.child('ports')));
  errs.push(...validateEnv(c.env ?? [], path.child('env')));
  errs.push(...validateEnvFrom(c.envFrom ?? [], path.child('envFrom')));
  errs.push(...validateResources(c.resources ?? {}, path.child('resources')));
  errs.push(...validateVolumeMounts(c.volumeMounts ?? [], path.child('volumeMounts'), ctx.volumes));
  for (const k of ['livenessProbe', 'readinessProbe', 'startupProbe'] as const) {
    const probe = c[k];
    if (!probe) continue;
    if (ctx.init && !sidecar) {
      errs.push(
        fieldErrors.forbidden(
          path.child(k),
          'may not be set for init containers without restartPolicy=Always',
        ),
      );
      continue;
    }
    errs.push(...validateProbe(probe, path.child(k), k !== 'readinessProbe'));
  }
  const lc = c.lifecycle;
  if (lc && ctx.init && !sidecar) {
    errs.push(
      fieldErrors.forbidden(
        path.child('lifecycle'),
        'may not be set for init containers without restartPolicy=Always',
      ),
    );
  } else if (lc) {
    if (lc.postStart)
      errs.push(...validateHandler(lc.postStart, path.child('lifecycle', 'postStart')));
    if (lc.preStop) errs.push(...validateHandler(lc.preStop, path.child('lifecycle', 'preStop')));
  }
  const sc = c.securityContext;
  if (sc) {
    for (const k of ['runAsUser', 'runAsGroup'] as const) {
      const v = sc[k];
      if (v !== undefined && (v < 0 || v > 2147483647)) {
        errs.push(
          fieldErrors.invalid(
            path.child('securityContext', k),
            v,
            'must be between 0 and 2147483647, inclusive',
          ),
        );
      }
    }
    if (sc.privileged === true && sc.allowPrivilegeEscalation === false) {
      errs.push(
        fieldErrors.invalid(
          path.child('securityContext'),
          sc,
          'cannot set `allowPrivilegeEscalation` to false and `privileged` to true',
        ),
      );
    }
  }
  return errs;
}

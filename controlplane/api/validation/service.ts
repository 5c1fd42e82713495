import { FieldPath, fieldErrors } from '../field-path.js';
import { isDns1035Label, isDns1123Subdomain, validateLabels } from '../labels/index.js';
import type {
  EndpointAddress,
  EndpointPort,
  Endpoints,
  Service,
  ServicePort,
  ServiceSpec,
} from '../types/index.js';
import {
  ipErrors,
  ipFamilyOf,
  isSet,
  portNumErrors,
  validateDns1123Label,
  validateDns1123Subdomain,
  validatePortNumOrName,
  type Errs,
} from './helpers.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './meta.js';

/** Service and Endpoints validation (core ValidateService, ValidateServiceUpdate, ValidateEndpoints). */

const specPath = FieldPath.root('spec');
const protocols = ['SCTP', 'TCP', 'UDP'];
const serviceTypes = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const affinities = ['ClientIP', 'None'];
const trafficPolicies = ['Cluster', 'Local'];
const familyPolicies = ['PreferDualStack', 'RequireDualStack', 'SingleStack'];

const isHeadless = (s: ServiceSpec): boolean => s.clusterIP === 'None';

function validateServicePort(
  p: ServicePort,
  requireName: boolean,
  names: Set<string>,
  path: FieldPath,
): Errs {
  const errs: Errs = [];
  if (requireName && !isSet(p.name)) errs.push(fieldErrors.required(path.child('name')));
  else if (isSet(p.name)) {
    errs.push(...validateDns1123Label(p.name!, path.child('name')));
    if (names.has(p.name!)) errs.push(fieldErrors.duplicate(path.child('name'), p.name));
    else names.add(p.name!);
  }
  for (const m of portNumErrors(p.port ?? 0))
    errs.push(fieldErrors.invalid(path.child('port'), p.port ?? 0, m));
  if (!isSet(p.protocol)) errs.push(fieldErrors.required(path.child('protocol')));
  else if (!protocols.includes(p.protocol!))
    errs.push(fieldErrors.notSupported(path.child('protocol'), p.protocol, protocols));
  errs.push(...validatePortNumOrName(p.targetPort, path.child('targetPort')));
  return errs;
}

function validateClusterIPs(spec: ServiceSpec): Errs {
  if (spec.type === 'ExternalName') return [];
  const errs: Errs = [];
  const ipsPath = specPath.child('clusterIPs');
  const ips = spec.clusterIPs ?? [];
  if (isSet(spec.clusterIP)) {
    if (ips.length === 0) errs.push(fieldErrors.required(ipsPath));
    else if (ips[0] !== spec.clusterIP)
      errs.push(fieldErrors.invalid(ipsPath, ips, 'first value must match `clusterIP`'));
  } else if (ips.length > 0) {
    errs.push(fieldErrors.invalid(ipsPath, ips, 'must be empty when `clusterIP` is not specified'));
  }
  const seen = new Set<string>();
  (spec.ipFamilies ?? []).forEach((f, i) => {
    const fp = specPath.child('ipFamilies').index(i);
    if (f !== 'IPv4' && f !== 'IPv6') errs.push(fieldErrors.notSupported(fp, f, ['IPv4', 'IPv6']));
    if (seen.has(f)) errs.push(fieldErrors.duplicate(fp, f));
    seen.add(f);
  });
  if (spec.ipFamilyPolicy !== undefined && !familyPolicies.includes(spec.ipFamilyPolicy)) {
    errs.push(
      fieldErrors.notSupported(
        specPath.child('ipFamilyPolicy'),
        spec.ipFamilyPolicy,
        familyPolicies,
      ),
    );
  }
  let bad = false;
  ips.forEach((ip, i) => {
    if (i === 0 && ip === 'None') {
      if (ips.length > 1) {
        bad = true;
        errs.push(fieldErrors.invalid(ipsPath, ips, "'None' must be the first and only value"));
      }
      return;
    }
    for (const m of ipErrors(ip)) {
      bad = true;
      errs.push(fieldErrors.invalid(ipsPath.index(i), ip, m));
    }
  });
  if (ips.length > 2) errs.push(fieldErrors.invalid(ipsPath, ips, 'may only hold up to 2 values'));
  if (bad) return errs;
  if (ips.length === 2 && ipFamilyOf(ips[0]!) === ipFamilyOf(ips[1]!)) {
    errs.push(
      fieldErrors.invalid(ipsPath, ips, 'may specify no more than one IP for each IP family'),
    );
  }
  if (!isHeadless(spec)) {
    ips.forEach((ip, i) => {
      const want = spec.ipFamilies?.[i];
      if (want && ipFamilyOf(ip) !== want) {
        errs.push(
          fieldErrors.invalid(
            ipsPath.index(i),
            ip,
            `expected an ${want} value as indicated by \`ipFamilies[${i}]\``,
          ),
        );
      }
    });
  }
  return errs;
}

function validateTypeRules(spec: ServiceSpec): Errs {
  const errs: Errs = [];
  const ports = spec.ports ?? [];
  if (spec.type === 'LoadBalancer' || spec.type === 'NodePort') {
    if (isHeadless(spec)) {
      errs.push(
        fieldErrors.invalid(
          specPath.child('clusterIPs').index(0),
          'None',
          `may not be set to 'None' for ${spec.type} services`,
        ),
      );
    }
  }
  if (spec.type === 'LoadBalancer') {
    ports.forEach((p, i) => {
      if (p.port === 10250) {
        errs.push(
          fieldErrors.invalid(
            specPath.child('ports').index(i),
            p.port,
            'may not expose port 10250 externally since it is used by kubelet',
          ),
        );
      }
    });
  }
  if (spec.type === 'ExternalName') {
    for (const k of ['clusterIPs', 'ipFamilies'] as const) {
      if ((spec[k] ?? []).length > 0)
        errs.push(
          fieldErrors.forbidden(specPath.child(k), 'may not be set for ExternalName services'),
        );
    }
    if (spec.ipFamilyPolicy !== undefined) {
      errs.push(
        fieldErrors.forbidden(
          specPath.child('ipFamilyPolicy'),
          'may not be set for ExternalName services',
        ),
      );
    }
    const cname = (spec.externalName ?? '').replace(/\.$/, '');
    if (cname) errs.push(...validateDns1123Subdomain(cname, specPath.child('externalName')));
    else errs.push(fieldErrors.required(specPath.child('externalName')));
  }
  if (spec.type === 'ClusterIP') {
    ports.forEach((p, i) => {
      if (isSet(p.nodePort)) {
        errs.push(
          fieldErrors.forbidden(
            specPath.child('ports').index(i).child('nodePort'),
            "may not be used when `type` is 'ClusterIP'",
          ),
        );
      }
    });
  }
  const external =
    spec.type === 'LoadBalancer' || spec.type === 'NodePort' || (spec.externalIPs ?? []).length > 0;
  const etp = spec.externalTrafficPolicy;
  if (!external && isSet(etp)) {
    errs.push(
      fieldErrors.invalid(
        specPath.child('externalTrafficPolicy'),
        etp,
        'may only be set for externally-accessible services',
      ),
    );
  } else if (external && spec.type !== 'ClusterIP') {
    if (!isSet(etp)) errs.push(fieldErrors.required(specPath.child('externalTrafficPolicy')));
    else if (!trafficPolicies.includes(etp!)) {
      errs.push(
        fieldErrors.notSupported(specPath.child('externalTrafficPolicy'), etp, trafficPolicies),
      );
    }
  }
  if (spec.type !== 'ExternalName') {
    const itp = spec.internalTrafficPolicy;
    if (!isSet(itp)) errs.push(fieldErrors.required(specPath.child('internalTrafficPolicy')));
    else if (!trafficPolicies.includes(itp!)) {
      errs.push(
        fieldErrors.notSupported(specPath.child('internalTrafficPolicy'), itp, trafficPolicies),
      );
    }
  }
  return errs;
}

function validateServiceSpec(spec: ServiceSpec | undefined): Errs {
  if (!spec) return [fieldErrors.required(specPath)];
  const errs: Errs = [];
  const ports = spec.ports ?? [];
  if (ports.length === 0 && !isHeadless(spec) && spec.type !== 'ExternalName') {
    errs.push(fieldErrors.required(specPath.child('ports')));
  }
  errs.push(...validateTypeRules(spec));
  const names = new Set<string>();
  ports.forEach((p, i) =>
    errs.push(...validateServicePort(p, ports.length > 1, names, specPath.child('ports').index(i))),
  );
  errs.push(...validateLabels(spec.selector, specPath.child('selector')));
  if (!isSet(spec.sessionAffinity))
    errs.push(fieldErrors.required(specPath.child('sessionAffinity')));
  else if (!affinities.includes(spec.sessionAffinity!)) {
    errs.push(
      fieldErrors.notSupported(specPath.child('sessionAffinity'), spec.sessionAffinity, affinities),
    );
  } else if (spec.sessionAffinity === 'ClientIP') {
    const t = spec.sessionAffinityConfig?.clientIP?.timeoutSeconds;
    const tp = specPath.child('sessionAffinityConfig', 'clientIP', 'timeoutSeconds');
    if (t === undefined) errs.push(fieldErrors.required(tp));
    else if (t <= 0 || t > 86400)
      errs.push(fieldErrors.invalid(tp, t, 'must be greater than 0 and less than 86400'));
  } else if (spec.sessionAffinityConfig !== undefined) {
    errs.push(
      fieldErrors.forbidden(
        specPath.child('sessionAffinityConfig'),
        'must not be set when session affinity is None',
      ),
    );
  }
  errs.push(...validateClusterIPs(spec));
  (spec.externalIPs ?? []).forEach((ip, i) => {
    for (const m of ipErrors(ip))
      errs.push(fieldErrors.invalid(specPath.child('externalIPs').index(i), ip, m));
  });
  if (!isSet(spec.type)) errs.push(fieldErrors.required(specPath.child('type')));
  else if (!serviceTypes.includes(spec.type!))
    errs.push(fieldErrors.notSupported(specPath.child('type'), spec.type, serviceTypes));
  const nodePorts = new Set<string>();
  const portKeys = new Set<string>();
  ports.forEach((p, i) => {
    const pp = specPath.child('ports').index(i);
    if (isSet(p.nodePort)) {
      for (const m of portNumErrors(p.nodePort!))
        errs.push(fieldErrors.invalid(pp.child('nodePort'), p.nodePort, m));
      const nk = `${p.protocol ?? ''}/${p.nodePort}`;
      if (nodePorts.has(nk)) errs.push(fieldErrors.duplicate(pp.child('nodePort'), p.nodePort));
      nodePorts.add(nk);
    }
    const key = `${p.protocol ?? ''}/${p.port}`;
    if (portKeys.has(key))
      errs.push(fieldErrors.duplicate(pp, { port: p.port, protocol: p.protocol }));
    portKeys.add(key);
  });
  return errs;
}

/** validateService checks a Service on create; its name must be a DNS-1035 label. */
export function validateService(svc: Service): Errs {
  return [
    ...validateObjectMeta(svc.metadata, true, isDns1035Label),
    ...validateServiceSpec(svc.spec),
  ];
}

/**
 * validateServiceUpdate adds Kubernetes' update rules: allocated cluster IPs
 * may not change or be unset, except when the service is or becomes
 * ExternalName.
 */
export function validateServiceUpdate(svc: Service, old: Service): Errs {
  const errs = validateObjectMetaUpdate(svc.metadata, old.metadata);
  const n = svc.spec ?? {};
  const o = old.spec ?? {};
  if (n.type !== 'ExternalName' && o.type !== 'ExternalName') {
    const ips = n.clusterIPs ?? [];
    const oldIps = o.clusterIPs ?? [];
    const ipsPath = specPath.child('clusterIPs');
    if (ips.length === oldIps.length) {
      oldIps.forEach((ip, i) => {
        if (ip !== ips[i])
          errs.push(fieldErrors.invalid(ipsPath.index(i), ips, 'may not change once set'));
      });
    } else if (oldIps.length > ips.length) {
      if (ips.length === 0)
        errs.push(fieldErrors.invalid(ipsPath.index(0), ips, 'primary clusterIP can not be unset'));
      else if (ips[0] !== oldIps[0])
        errs.push(fieldErrors.invalid(ipsPath.index(0), ips, 'may not change once set'));
      if (ips.length === 1 && n.ipFamilyPolicy !== 'SingleStack') {
        errs.push(
          fieldErrors.invalid(
            ipsPath.index(0),
            ips,
            "`ipFamilyPolicy` must be set to 'SingleStack' when releasing the secondary clusterIP",
          ),
        );
      }
    } else if (oldIps.length > 0 && ips[0] !== oldIps[0]) {
      errs.push(fieldErrors.invalid(ipsPath.index(0), ips, 'may not change once set'));
    }
  }
  errs.push(...validateServiceSpec(svc.spec));
  return errs;
}

function validateAddress(a: EndpointAddress, path: FieldPath): Errs {
  const errs: Errs = [];
  const ipMsgs = ipErrors(a.ip ?? '');
  for (const m of ipMsgs) errs.push(fieldErrors.invalid(path.child('ip'), a.ip ?? '', m));
  if (ipMsgs.length === 0) {
    const ip = a.ip;
    const special =
      ip === '0.0.0.0' || ip === '::'
        ? 'may not be unspecified (0.0.0.0)'
        : /^127\./.test(ip) || ip === '::1'
          ? 'may not be in the loopback range (127.0.0.0/8, ::1/128)'
          : /^169\.254\./.test(ip) || /^fe80:/i.test(ip)
            ? 'may not be in the link-local range (169.254.0.0/16, fe80::/10)'
            : /^224\.0\.0\./.test(ip) || /^ff02:/i.test(ip)
              ? 'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)'
              : undefined;
    if (special) errs.push(fieldErrors.invalid(path.child('ip'), ip, special));
  }
  if (isSet(a.hostname)) errs.push(...validateDns1123Label(a.hostname!, path.child('hostname')));
  if (isSet(a.nodeName))
    errs.push(...validateDns1123Subdomain(a.nodeName!, path.child('nodeName')));
  return errs;
}

function validateEndpointPort(p: EndpointPort, requireName: boolean, path: FieldPath): Errs {
  const errs: Errs = [];
  if (requireName && !isSet(p.name)) errs.push(fieldErrors.required(path.child('name')));
  else if (isSet(p.name)) errs.push(...validateDns1123Label(p.name!, path.child('name')));
  for (const m of portNumErrors(p.port ?? 0))
    errs.push(fieldErrors.invalid(path.child('port'), p.port ?? 0, m));
  if (!isSet(p.protocol)) errs.push(fieldErrors.required(path.child('protocol')));
  else if (!protocols.includes(p.protocol!))
    errs.push(fieldErrors.notSupported(path.child('protocol'), p.protocol, protocols));
  return errs;
}

/** validateEndpoints checks Endpoints: every subset has addresses, valid IPs and ports. */
export function validateEndpoints(ep: Endpoints, old?: Endpoints): Errs {
  const errs = old
    ? validateObjectMetaUpdate(ep.metadata, old.metadata)
    : validateObjectMeta(ep.metadata, true, isDns1123Subdomain);
  (ep.subsets ?? []).forEach((ss, i) => {
    const sp = FieldPath.root('subsets').index(i);
    if ((ss.addresses ?? []).length === 0 && (ss.notReadyAddresses ?? []).length === 0) {
      errs.push(fieldErrors.required(sp, 'must specify `addresses` or `notReadyAddresses`'));
    }
    (ss.addresses ?? []).forEach((a, j) =>
      errs.push(...validateAddress(a, sp.child('addresses').index(j))),
    );
    (ss.notReadyAddresses ?? []).forEach((a, j) =>
      errs.push(...validateAddress(a, sp.child('notReadyAddresses').index(j))),
    );
    const ports = ss.ports ?? [];
    ports.forEach((p, j) =>
      errs.push(...validateEndpointPort(p, ports.length > 1, sp.child('ports').index(j))),
    );
  });
  return errs;
}

import { FieldPath, fieldErrors } from '../field-path.js';
import { isDns1123Subdomain, isValidLabelValue, validateLabelName } from '../labels/index.js';
import type { Binding, Eviction, Lease, Node, Scale } from '../types/index.js';
import { validateDeleteOptions } from './config.js';
import { cidrErrors, ipFamilyOf, isSet, nonNegative, parseQuantity, type Errs } from './helpers.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './meta.js';
import { validateTaintEffect } from './scheduling.js';

/** Node, Lease, Scale, Binding and Eviction validation. */

const root = (n: string): FieldPath => FieldPath.root(n);
const addressTypes = ['ExternalDNS', 'ExternalIP', 'Hostname', 'InternalDNS', 'InternalIP'];

function validateNodeSpecAndStatus(n: Node): Errs {
  const errs: Errs = [];
  const taintsPath = root('spec').child('taints');
  const seen = new Set<string>();
  (n.spec?.taints ?? []).forEach((t, i) => {
    const tp = taintsPath.index(i);
    errs.push(...validateLabelName(t.key ?? '', tp.child('key')));
    const msgs = isValidLabelValue(t.value ?? '');
    if (msgs.length > 0) errs.push(fieldErrors.invalid(tp.child('value'), t.value, msgs.join(';')));
    errs.push(...validateTaintEffect(t.effect, false, tp.child('effect')));
    const key = `${t.key}:${t.effect}`;
    if (seen.has(key)) {
      errs.push({
        ...fieldErrors.duplicate(tp, t),
        detail: 'taints must be unique by key and effect pair',
      });
    }
    seen.add(key);
  });
  const cidrs = n.spec?.podCIDRs ?? [];
  const cidrPath = root('spec').child('podCIDRs');
  cidrs.forEach((c, i) => {
    for (const m of cidrErrors(c)) errs.push(fieldErrors.invalid(cidrPath.index(i), c, m));
  });
  if (cidrs.length > 2 || (cidrs.length === 2 && ipFamilyOf(cidrs[0]!) === ipFamilyOf(cidrs[1]!))) {
    errs.push(
      fieldErrors.invalid(cidrPath, cidrs, 'may specify no more than one CIDR for each IP family'),
    );
  }
  for (const k of ['capacity', 'allocatable'] as const) {
    const list = n.status?.[k] ?? {};
    for (const name of Object.keys(list).sort()) {
      const p = root('status').child(k).key(name);
      const q = parseQuantity(list[name]);
      if (!q) errs.push(fieldErrors.invalid(p, list[name], 'must be a valid quantity'));
      else if (q.sign() < 0)
        errs.push(fieldErrors.invalid(p, q.toString(), 'must be greater than or equal to 0'));
    }
  }
  (n.status?.addresses ?? []).forEach((a, i) => {
    if (!addressTypes.includes(a.type)) {
      errs.push(
        fieldErrors.notSupported(
          root('status').child('addresses').index(i).child('type'),
          a.type,
          addressTypes,
        ),
      );
    }
  });
  return errs;
}

/** validateNode checks a Node; on update podCIDRs and providerID may only go from unset to set. */
export function validateNode(n: Node, old?: Node): Errs {
  if (!old)
    return [
      ...validateObjectMeta(n.metadata, false, isDns1123Subdomain),
      ...validateNodeSpecAndStatus(n),
    ];
  const errs = [
    ...validateObjectMetaUpdate(n.metadata, old.metadata),
    ...validateNodeSpecAndStatus(n),
  ];
  const seen = new Set<string>();
  (n.status?.addresses ?? []).forEach((a, i) => {
    const key = `${a.type}/${a.address}`;
    if (seen.has(key))
      errs.push(fieldErrors.duplicate(root('status').child('addresses').index(i), a));
    seen.add(key);
  });
  const oldCidrs = old.spec?.podCIDRs ?? [];
  const cidrs = n.spec?.podCIDRs ?? [];
  if (
    oldCidrs.length > 0 &&
    (oldCidrs.length !== cidrs.length || oldCidrs.some((c, i) => c !== cidrs[i]))
  ) {
    errs.push(
      fieldErrors.forbidden(
        root('spec').child('podCIDRs'),
        'node updates may not change podCIDR except from "" to valid',
      ),
    );
  }
  const pid = old.spec?.providerID;
  if (isSet(pid) && pid !== n.spec?.providerID) {
    errs.push(
      fieldErrors.forbidden(
        root('spec').child('providerID'),
        'node updates may not change providerID except from "" to valid',
      ),
    );
  }
  return errs;
}

/** validateLease checks a Lease: a positive duration and non-negative transitions. */
export function validateLease(l: Lease, old?: Lease): Errs {
  const errs = old
    ? validateObjectMetaUpdate(l.metadata, old.metadata)
    : validateObjectMeta(l.metadata, true, isDns1123Subdomain);
  const spec = l.spec ?? {};
  const d = spec.leaseDurationSeconds;
  if (d !== undefined && d <= 0) {
    errs.push(
      fieldErrors.invalid(root('spec').child('leaseDurationSeconds'), d, 'must be greater than 0'),
    );
  }
  errs.push(...nonNegative(spec.leaseTransitions, root('spec').child('leaseTransitions')));
  return errs;
}

/** validateScale checks a Scale body: replicas ≥ 0. */
export function validateScale(s: Scale): Errs {
  return nonNegative(s.spec?.replicas, root('spec').child('replicas'));
}

/** validateBinding checks a Binding: a target name, and a target kind of Node when given. */
export function validateBinding(b: Binding): Errs {
  const errs: Errs = [];
  const kind = b.target?.kind;
  if (isSet(kind) && kind !== 'Node') {
    errs.push(fieldErrors.notSupported(root('target').child('kind'), kind, ['Node', '<empty>']));
  }
  if (!isSet(b.target?.name)) errs.push(fieldErrors.required(root('target').child('name')));
  return errs;
}

/** validateEviction checks an Eviction's delete options. */
export function validateEviction(e: Eviction): Errs {
  return e.deleteOptions
    ? validateDeleteOptions(e.deleteOptions).map((x) => ({
        ...x,
        field: `deleteOptions.${x.field}`,
      }))
    : [];
}

import { fieldErrors, type FieldPath } from '../field-path.js';
import { isQualifiedName } from '../labels/index.js';
import { quantityRegexp } from '../quantity/index.js';
import type { ResourceRequirements } from '../types/index.js';
import { parseQuantity, type Errs } from './helpers.js';

/** Container resource requirements validation (core ValidateResourceRequirements). */

const isStandardContainerResource = (n: string): boolean =>
  n === 'cpu' || n === 'memory' || n === 'ephemeral-storage' || n.startsWith('hugepages-');
const isOvercommitAllowed = (n: string): boolean =>
  n === 'cpu' || n === 'memory' || n === 'ephemeral-storage';

function validateResourceList(list: Record<string, unknown>, path: FieldPath): Errs {
  const errs: Errs = [];
  for (const name of Object.keys(list).sort()) {
    const kp = path.key(name);
    for (const m of isQualifiedName(name)) errs.push(fieldErrors.invalid(kp, name, m));
    if (!name.includes('/') && !isStandardContainerResource(name)) {
      errs.push(fieldErrors.invalid(kp, name, 'must be a standard resource for containers'));
    }
    const q = parseQuantity(list[name]);
    if (!q) {
      errs.push(
        fieldErrors.invalid(
          kp,
          list[name],
          `quantities must match the regular expression '${quantityRegexp}'`,
        ),
      );
    } else if (q.sign() < 0) {
      errs.push(fieldErrors.invalid(kp, q.toString(), 'must be greater than or equal to 0'));
    } else if (!isOvercommitAllowed(name) && q.milliValue() % 1000 !== 0) {
      errs.push(fieldErrors.invalid(kp, q.toString(), 'must be an integer'));
    }
  }
  return errs;
}

/** validateResources checks resource names and quantities, and that requests do not exceed limits. */
export function validateResources(res: ResourceRequirements, path: FieldPath): Errs {
  const limits = res.limits ?? {};
  const requests = res.requests ?? {};
  const errs = [
    ...validateResourceList(limits, path.child('limits')),
    ...validateResourceList(requests, path.child('requests')),
  ];
  const reqPath = path.child('requests');
  for (const name of Object.keys(requests).sort()) {
    const req = parseQuantity(requests[name]);
    if (!req) continue;
    if (!(name in limits)) {
      if (!isOvercommitAllowed(name)) {
        errs.push(
          fieldErrors.required(
            path.child('limits'),
            'Limit must be set for non overcommitable resources',
          ),
        );
      }
      continue;
    }
    const lim = parseQuantity(limits[name]);
    if (!lim) continue;
    if (!isOvercommitAllowed(name) && req.cmp(lim) !== 0) {
      errs.push(
        fieldErrors.invalid(
          reqPath,
          req.toString(),
          `must be equal to ${name} limit of ${lim.toString()}`,
        ),
      );
    } else if (req.cmp(lim) > 0) {
      errs.push(
        fieldErrors.invalid(
          reqPath,
          req.toString(),
          `must be less than or equal to ${name} limit of ${lim.toString()}`,
        ),
      );
    }
  }
  return errs;
}

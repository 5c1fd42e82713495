import { isIP } from 'node:net';
import { fieldErrors, type FieldError, type FieldPath } from '../field-path.js';
import {
  isDns1035Label,
  isDns1123Label,
  isDns1123Subdomain,
  isQualifiedName,
  regexError,
} from '../labels/index.js';
import { Quantity, isQuantityError, quantityFromJson } from '../quantity/index.js';

/**
 * The small checks every kind's validation uses, with apimachinery's
 * messages (util/validation, api/validation).
 */

export type Errs = FieldError[];

/** isSet is true for values a Go field would hold as non-zero: not undefined, '', 0 or false. */
export const isSet = (v: unknown): boolean =>
  v !== undefined && v !== null && v !== '' && v !== 0 && v !== false;

/** nonNegative is ValidateNonnegativeField. */
export function nonNegative(v: number | undefined, path: FieldPath): Errs {
  return v !== undefined && v < 0
    ? [fieldErrors.invalid(path, v, 'must be greater than or equal to 0')]
    : [];
}

/** inclusiveRange is apimachinery's InclusiveRangeError text. */
export const inclusiveRange = (lo: number, hi: number): string =>
  `must be between ${lo} and ${hi}, inclusive`;

/** portNumErrors is IsValidPortNum. */
export function portNumErrors(port: number): string[] {
  return port >= 1 && port <= 65535 ? [] : [inclusiveRange(1, 65535)];
}

/** portNameErrors is IsValidPortName (IANA_SVC_NAME). */
export function portNameErrors(name: string): string[] {
  const errs: string[] = [];
  if (name.length > 15) errs.push('must be no more than 15 characters');
  if (!/^[-a-z0-9]+$/.test(name)) {
    errs.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  }
  if (!/[a-z]/.test(name)) errs.push('must contain at least one letter (a-z)');
  if (name.includes('--')) errs.push('must not contain consecutive hyphens');
  if (name.startsWith('-') || name.endsWith('-')) errs.push('must not begin or end with a hyphen');
  return errs;
}

/** validatePortNumOrName checks an int-or-string port: a number in range or a port name. */
export function validatePortNumOrName(port: number | string | undefined, path: FieldPath): Errs {
  if (typeof port === 'number') {
    return portNumErrors(port).map((m) => fieldErrors.invalid(path, port, m));
  }
  if (typeof port === 'string') {
    return portNameErrors(port).map((m) => fieldErrors.invalid(path, port, m));
  }
  return [fieldErrors.required(path)];
}

/** ipErrors is IsValidIP. */
export function ipErrors(ip: string): string[] {
  return isIP(ip) === 0 ? ['must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'] : [];
}

/** cidrErrors is IsValidCIDR. */
export function cidrErrors(cidr: string): string[] {
  const [ip, bits, extra] = cidr.split('/');
  const family = isIP(ip ?? '');
  const n = Number(bits);
  const max = family === 6 ? 128 : 32;
  if (extra !== undefined || family === 0 || !/^\d+$/.test(bits ?? '') || n > max) {
    return ['must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'];
  }
  return [];
}

/** ipFamilyOf returns 'IPv4' or 'IPv6' for an IP or CIDR, undefined when it is neither. */
export function ipFamilyOf(ipOrCidr: string): 'IPv4' | 'IPv6' | undefined {
  const f = isIP(ipOrCidr.split('/')[0] ?? '');
  return f === 4 ? 'IPv4' : f === 6 ? 'IPv6' : undefined;
}

const wrap =
  (check: (v: string) => string[]) =>
  (value: string, path: FieldPath): Errs =>
    check(value).map((m) => fieldErrors.invalid(path, value, m));

/** validateDns1123Label reports a value that is not a DNS-1123 label. */
export const validateDns1123Label = wrap(isDns1123Label);
/** validateDns1123Subdomain reports a value that is not a DNS-1123 subdomain. */
export const validateDns1123Subdomain = wrap(isDns1123Subdomain);
/** validateDns1035Label reports a value that is not a DNS-1035 label. */
export const validateDns1035Label = wrap(isDns1035Label);
/** validateQualifiedName reports a value that is not a qualified name. */
export const validateQualifiedName = wrap(isQualifiedName);

/** configMapKeyErrors is IsConfigMapKey (also used for Secret keys). */
export function configMapKeyErrors(key: string): string[] {
  const errs: string[] = [];
  if (key.length > 253) errs.push('must be no more than 253 characters');
  if (!/^[-._a-zA-Z0-9]+$/.test(key)) {
    errs.push(
      regexError(
        "a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
        '[-._a-zA-Z0-9]+',
        'key.name',
        'KEY_NAME',
        'key-name',
      ),
    );
  }
  if (key === '.') errs.push("must not be '.'");
  else if (key === '..') errs.push("must not be '..'");
  else if (key.startsWith('..')) errs.push("must not start with '..'");
  return errs;
}

/** envVarNameErrors is IsRelaxedEnvVarName, the rule since Kubernetes 1.30. */
export function envVarNameErrors(name: string): string[] {
  if (name.length === 0) return ['environment variable name must be non-empty'];
  for (const ch of name) {
    const c = ch.codePointAt(0) ?? 0;
    if (c < 0x20 || c > 0x7e || ch === '=') {
      return [
        "a valid environment variable name must consist only of printable ASCII characters other than '='",
      ];
    }
  }
  return [];
}

/** percentErrors is IsValidPercent. */
export function percentErrors(s: string): string[] {
  return /^[0-9]+%$/.test(s)
    ? []
    : [
        regexError(
          "a valid percent string must be a numeric string followed by an ending '%'",
          '[0-9]+%',
          '1%',
          '93%',
        ),
      ];
}

/** pathSegmentErrors is IsValidPathSegmentName (names that must be safe in a URL path). */
export function pathSegmentErrors(name: string): string[] {
  const errs: string[] = [];
  for (const bad of ['.', '..']) if (name === bad) errs.push(`may not be '${bad}'`);
  for (const bad of ['/', '%']) if (name.includes(bad)) errs.push(`may not contain '${bad}'`);
  return errs;
}

/** parseQuantity reads a quantity value, undefined when it does not parse. */
export function parseQuantity(v: unknown): Quantity | undefined {
  try {
    return quantityFromJson(v);
  } catch (e) {
    if (isQuantityError(e)) return undefined;
    throw e;
  }
}

/** notFound is a FieldValueNotFound error (`Not found: "x"`). */
export function notFound(path: FieldPath, value: unknown): FieldError {
  return { type: 'FieldValueNotFound', field: path.toString(), badValue: value };
}

/** tooMany is a FieldValueTooMany error (`Too many: 3: must have at most 2 items`). */
export function tooMany(path: FieldPath, actual: number, max: number): FieldError {
  return {
    type: 'FieldValueTooMany',
    field: path.toString(),
    badValue: actual,
    detail: `must have at most ${max} items`,
  };
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const isEmpty = (v: unknown): boolean =>
  v === undefined ||
  v === null ||
  (Array.isArray(v) && v.length === 0) ||
  (isRecord(v) && Object.keys(v).length === 0);

/**
 * semanticEqual compares JSON values as apimachinery's Semantic.DeepEqual
 * compares Go values: absent, null, empty lists and empty maps are equal.
 */
export function semanticEqual(a: unknown, b: unknown): boolean {
  if (isEmpty(a) && isEmpty(b)) return true;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => semanticEqual(x, b[i]));
  }
  if (isRecord(a) && isRecord(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) if (!semanticEqual(a[k], b[k])) return false;
    return true;
  }
  return a === b;
}

/** immutable is ValidateImmutableField: `field is immutable` when the value changed. */
export function immutable(next: unknown, old: unknown, path: FieldPath): Errs {
  return semanticEqual(next, old) ? [] : [fieldErrors.invalid(path, next, 'field is immutable')];
}

/** changedPaths lists where two JSON values differ, for messages that explain a Forbidden update. */
export function changedPaths(a: unknown, b: unknown, path: string, out: string[] = []): string[] {
  if (semanticEqual(a, b)) return out;
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    a.forEach((x, i) => changedPaths(x, b[i], `${path}[${i}]`, out));
  } else if (isRecord(a) && isRecord(b)) {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      changedPaths(a[k], b[k], path ? `${path}.${k}` : k, out);
    }
  } else {
    out.push(path);
  }
  return out;
}

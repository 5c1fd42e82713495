import { newBadRequest } from '../../api/errors.js';
import type { DeleteOptions } from '../../api/meta.js';
import type { ListOptions } from '../registry/types.js';

/** intParam reads a non-negative integer query parameter (400 when malformed). */
export function intParam(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  if (!/^-?\d+$/.test(v))
    throw newBadRequest(`invalid value for ${name}: "${v}" is not an integer`);
  const n = Number(v);
  if (n < 0) throw newBadRequest(`invalid value for ${name}: must be non-negative`);
  return n;
}

function boolParam(q: URLSearchParams, name: string): boolean | undefined {
  const v = q.get(name);
  if (v === null) return undefined;
  if (v === 'true' || v === '1' || v === '') return true;
  if (v === 'false' || v === '0') return false;
  throw newBadRequest(`invalid value for ${name}: "${v}" is not a boolean`);
}

/** listOptions reads list/watch query parameters. */
export function listOptions(q: URLSearchParams): ListOptions {
  const o: ListOptions = {};
  const str = (n: string): string | undefined => q.get(n) ?? undefined;
  const ls = str('labelSelector');
  if (ls) o.labelSelector = ls;
  const fs = str('fieldSelector');
  if (fs) o.fieldSelector = fs;
  const limit = intParam(q, 'limit');
  if (limit) o.limit = limit;
  const cont = str('continue');
  if (cont) o.continue = cont;
  const rv = str('resourceVersion');
  if (rv !== undefined) o.resourceVersion = rv;
  const match = str('resourceVersionMatch');
  if (match) {
    if (match !== 'Exact' && match !== 'NotOlderThan') {
      throw newBadRequest(
        `resourceVersionMatch: Unsupported value: "${match}": supported values: "Exact", "NotOlderThan"`,
      );
    }
    o.resourceVersionMatch = match;
  }
  const timeout = intParam(q, 'timeoutSeconds');
  if (timeout !== undefined) o.timeoutSeconds = timeout;
  const bm = boolParam(q, 'allowWatchBookmarks');
  if (bm !== undefined) o.allowWatchBookmarks = bm;
  return o;
}

/** dryRun reads `dryRun`: only `All` is a valid value (400 otherwise). */
export function dryRun(q: URLSearchParams): boolean {
  const values = q.getAll('dryRun');
  for (const v of values) {
    if (v !== 'All')
      throw newBadRequest(`dryRun: Unsupported value: "${v}": supported values: "All"`);
  }
  return values.length > 0;
}

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

/** fieldValidation reads `fieldValidation` (default Warn, as kube-apiserver). */
export function fieldValidation(q: URLSearchParams): FieldValidation {
  const v = q.get('fieldValidation');
  if (v === null || v === '') return 'Warn';
  if (v === 'Strict' || v === 'Warn' || v === 'Ignore') return v;
  throw newBadRequest(`fieldValidation must be one of "Strict", "Warn", "Ignore", not "${v}"`);
}

/** deleteOptions merges DeleteOptions from the body with the query's gracePeriodSeconds and propagationPolicy. */
export function deleteOptions(q: URLSearchParams, body: unknown): DeleteOptions {
  const o: DeleteOptions =
    body && typeof body === 'object' && !Array.isArray(body) ? { ...(body as DeleteOptions) } : {};
  const grace = intParam(q, 'gracePeriodSeconds');
  if (grace !== undefined) o.gracePeriodSeconds = grace;
  const pp = q.get('propagationPolicy');
  if (pp) o.propagationPolicy = pp as DeleteOptions['propagationPolicy'];
  const orphan = boolParam(q, 'orphanDependents');
  if (orphan !== undefined) o.orphanDependents = orphan;
  if (q.getAll('dryRun').length) o.dryRun = q.getAll('dryRun');
  if (
    o.propagationPolicy &&
    !['Orphan', 'Background', 'Foreground'].includes(o.propagationPolicy)
  ) {
    throw newBadRequest(
      `propagationPolicy: Unsupported value: "${o.propagationPolicy}": supported values: "Foreground", "Background", "Orphan"`,
    );
  }
  if (
    o.gracePeriodSeconds !== undefined &&
    (!Number.isInteger(o.gracePeriodSeconds) || o.gracePeriodSeconds < 0)
  ) {
    throw newBadRequest('gracePeriodSeconds must be a non-negative integer');
  }
  for (const v of o.dryRun ?? []) {
    if (v !== 'All')
      throw newBadRequest(`dryRun: Unsupported value: "${v}": supported values: "All"`);
  }
  return o;
}

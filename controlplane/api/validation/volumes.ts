import { fieldErrors, type FieldPath } from '../field-path.js';
import type { DownwardAPIVolumeFile, KeyToPath, Volume } from '../types/index.js';
import {
  configMapKeyErrors,
  isSet,
  parseQuantity,
  validateDns1123Label,
  type Errs,
} from './helpers.js';

/** Pod volume validation (core ValidateVolumes). */

const hostPathTypes = [
  '',
  'BlockDevice',
  'CharDevice',
  'Directory',
  'DirectoryOrCreate',
  'File',
  'FileOrCreate',
  'Socket',
];

function validateMode(mode: number | undefined, path: FieldPath): Errs {
  return mode !== undefined && (mode < 0 || mode > 0o777)
    ? [
        fieldErrors.invalid(
          path,
          mode,
          'must be a number between 0 and 0777 (octal), both inclusive',
        ),
      ]
    : [];
}

/** validateLocalPath checks a relative path inside a volume: not absolute, no `..`. */
export function validateLocalPath(p: string, path: FieldPath): Errs {
  const errs: Errs = [];
  if (p.startsWith('/')) errs.push(fieldErrors.invalid(path, p, 'must be a relative path'));
  if (p.split('/').includes('..')) errs.push(fieldErrors.invalid(path, p, "must not contain '..'"));
  return errs;
}

function validateItems(items: KeyToPath[], path: FieldPath): Errs {
  const errs: Errs = [];
  items.forEach((it, i) => {
    const ip = path.index(i);
    if (!isSet(it.key)) errs.push(fieldErrors.required(ip.child('key')));
    else
      for (const m of configMapKeyErrors(it.key))
        errs.push(fieldErrors.invalid(ip.child('key'), it.key, m));
    if (!isSet(it.path)) errs.push(fieldErrors.required(ip.child('path')));
    else errs.push(...validateLocalPath(it.path, ip.child('path')));
    errs.push(...validateMode(it.mode, ip.child('mode')));
  });
  return errs;
}

function validateDownwardFiles(files: DownwardAPIVolumeFile[], path: FieldPath): Errs {
  const errs: Errs = [];
  files.forEach((f, i) => {
    const fp = path.index(i);
    if (!isSet(f.path)) errs.push(fieldErrors.required(fp.child('path')));
    else errs.push(...validateLocalPath(f.path, fp.child('path')));
    const n = (f.fieldRef ? 1 : 0) + (f.resourceFieldRef ? 1 : 0);
    if (n === 0) {
      errs.push(fieldErrors.required(fp, 'one of fieldRef and resourceFieldRef is required'));
    } else if (n > 1) {
      errs.push(
        fieldErrors.invalid(
          fp.child('resourceFieldRef'),
          'resource',
          'fieldRef and resourceFieldRef can not be specified simultaneously',
        ),
      );
    }
    if (f.fieldRef && !isSet(f.fieldRef.fieldPath)) {
      errs.push(fieldErrors.required(fp.child('fieldRef', 'fieldPath')));
    }
    errs.push(...validateMode(f.mode, fp.child('mode')));
  });
  return errs;
}

/** validateVolumeSource checks that exactly one source is set and that it is well formed. */
function validateVolumeSource(v: Volume, path: FieldPath): Errs {
  const errs: Errs = [];
  let n = 0;
  const one = (name: keyof Volume, check: () => Errs): void => {
    if (v[name] === undefined) return;
    if (n > 0) {
      errs.push(fieldErrors.forbidden(path.child(name), 'may not specify more than 1 volume type'));
      return;
    }
    n++;
    errs.push(...check());
  };
  one('emptyDir', () => {
    const limit = v.emptyDir?.sizeLimit;
    const q = limit === undefined ? undefined : parseQuantity(limit);
    return q && q.sign() < 0
      ? [
          fieldErrors.forbidden(
            path.child('emptyDir', 'sizeLimit'),
            'SizeLimit field must be a valid resource quantity',
          ),
        ]
      : [];
  });
  one('hostPath', () => {
    const hp = v.hostPath!;
    const errs2: Errs = [];
    const p = path.child('hostPath');
    if (!isSet(hp.path)) errs2.push(fieldErrors.required(p.child('path')));
    else if (hp.path.split('/').includes('..')) {
      errs2.push(fieldErrors.invalid(p.child('path'), hp.path, "must not contain '..'"));
    }
    if (hp.type !== undefined && !hostPathTypes.includes(hp.type)) {
      errs2.push(fieldErrors.notSupported(p.child('type'), hp.type, hostPathTypes));
    }
    return errs2;
  });
  one('secret', () => {
    const s = v.secret!;
    const p = path.child('secret');
    const errs2: Errs = isSet(s.secretName) ? [] : [fieldErrors.required(p.child('secretName'))];
    return [
      ...errs2,
      ...validateMode(s.defaultMode, p.child('defaultMode')),
      ...validateItems(s.items ?? [], p.child('items')),
    ];
  });
  one('persistentVolumeClaim', () =>
    isSet(v.persistentVolumeClaim?.claimName)
      ? []
      : [fieldErrors.required(path.child('persistentVolumeClaim', 'claimName'))],
  );
  one('downwardAPI', () => {
    const p = path.child('downwardAPI');
    return [
      ...validateMode(v.downwardAPI?.defaultMode, p.child('defaultMode')),
      ...validateDownwardFiles(v.downwardAPI?.items ?? [], p.child('items')),
    ];
  });
  one('configMap', () => {
    const c = v.configMap!;
    const p = path.child('configMap');
    const errs2: Errs = isSet(c.name) ? [] : [fieldErrors.required(p.child('name'))];
    return [
      ...errs2,
      ...validateMode(c.defaultMode, p.child('defaultMode')),
      ...validateItems(c.items ?? [], p.child('items')),
    ];
  });
  one('projected', () => {
    const p = path.child('projected');
    const errs2 = validateMode(v.projected?.defaultMode, p.child('defaultMode'));
    (v.projected?.sources ?? []).forEach((s, i) => {
      const sp = p.child('sources').index(i);
      const set = (['configMap', 'secret', 'downwardAPI', 'serviceAccountToken'] as const).filter(
        (k) => s[k] !== undefined,
      );
      if (set.length !== 1) {
        errs2.push(fieldErrors.forbidden(sp, 'may not specify more than 1 volume type per source'));
      }
      if (s.configMap)
        errs2.push(...validateItems(s.configMap.items ?? [], sp.child('configMap', 'items')));
      if (s.secret) errs2.push(...validateItems(s.secret.items ?? [], sp.child('secret', 'items')));
      if (s.downwardAPI)
        errs2.push(
          ...validateDownwardFiles(s.downwardAPI.items ?? [], sp.child('downwardAPI', 'items')),
        );
      const tok = s.serviceAccountToken;
      if (tok) {
        if (!isSet(tok.path))
          errs2.push(fieldErrors.required(sp.child('serviceAccountToken', 'path')));
        if (tok.expirationSeconds !== undefined && tok.expirationSeconds < 600) {
          errs2.push(
            fieldErrors.invalid(
              sp.child('serviceAccountToken', 'expirationSeconds'),
              tok.expirationSeconds,
              'may not specify a duration less than 10 minutes',
            ),
          );
        }
      }
    });
    return errs2;
  });
  if (n === 0) errs.push(fieldErrors.required(path, 'must specify a volume type'));
  return errs;
}

/**
 * validateVolumes checks the pod's volumes (unique DNS-1123 names, one
 * well-formed source each) and returns the valid names for volumeMounts.
 */
export function validateVolumes(
  volumes: Volume[],
  path: FieldPath,
): { errs: Errs; names: Set<string> } {
  const errs: Errs = [];
  const names = new Set<string>();
  volumes.forEach((v, i) => {
    const vp = path.index(i);
    errs.push(...validateVolumeSource(v, vp));
    const np = vp.child('name');
    if (!isSet(v.name)) errs.push(fieldErrors.required(np));
    else errs.push(...validateDns1123Label(v.name, np));
    if (names.has(v.name)) errs.push(fieldErrors.duplicate(np, v.name));
    names.add(v.name);
  });
  return { errs, names };
}

import { FieldPath } from '../field-path.js';
import type { GroupVersionKind } from '../types/gvk.js';
import type { Definition, Shape } from './dsl.js';
import { allDefinitions, rootDefinitionName, shortName } from './registry.js';

/**
 * Walks objects alongside their schema: turn JSON pointers into apimachinery
 * field paths, drop JSON nulls the way Go's decoder does, and visit every
 * quantity-typed value.
 */

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Located is where a JSON pointer lands, in the terms error messages need. */
export interface Located {
  /** path in apimachinery form: `spec.containers[0].ports[0].containerPort`, `metadata.labels[app]`. */
  path: FieldPath;
  /** goField is the dotted JSON path without indexes, as encoding/json reports it. */
  goField: string;
  /** struct is the Go struct holding the last field (`ContainerPort`). */
  struct: string;
  /** shape of the value at the pointer, when the schema knows it. */
  shape: Shape | undefined;
}

/** pointerSegments splits a JSON pointer (`/spec/a~1b/0`) into unescaped segments. */
export function pointerSegments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** locate follows `segments` from the root definition `rootName`. */
export function locate(rootName: string, segments: readonly string[]): Located {
  let shape: Shape | undefined = { t: 'ref', name: rootName };
  let path = FieldPath.root();
  const goFields: string[] = [];
  let struct = shortName(rootName);
  for (const seg of segments) {
    if (shape?.t === 'ref') {
      const d: Definition | undefined = allDefinitions[shape.name];
      struct = shortName(shape.name);
      shape = d?.properties[seg];
      path = path.child(seg);
      goFields.push(seg);
    } else if (shape?.t === 'array') {
      path = path.index(Number(seg));
      shape = shape.items;
    } else if (shape?.t === 'map') {
      path = path.key(seg);
      shape = shape.values;
    } else {
      path = /^\d+$/.test(seg) ? path.index(Number(seg)) : path.child(seg);
      shape = undefined;
    }
  }
  return { path, goField: goFields.join('.'), struct, shape };
}

/** valueAt reads the value a list of pointer segments names inside `obj`. */
export function valueAt(obj: unknown, segments: readonly string[]): unknown {
  let v: unknown = obj;
  for (const seg of segments) {
    if (Array.isArray(v)) v = v[Number(seg)];
    else if (isRecord(v)) v = v[seg];
    else return undefined;
  }
  return v;
}

/**
 * withoutNulls copies a JSON value leaving out object members whose value is
 * null: Go's decoder treats them as absent, and manifests printed by
 * `kubectl create --dry-run -o yaml` carry `creationTimestamp: null`. Nulls
 * inside arrays stay (they are type errors there).
 */
export function withoutNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutNulls);
  if (!isRecord(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) if (x !== null) out[k] = withoutNulls(x);
  return out;
}

/** deleteNulls removes null object members in place (see withoutNulls). */
export function deleteNulls(v: unknown): void {
  if (Array.isArray(v)) {
    for (const x of v) deleteNulls(x);
  } else if (isRecord(v)) {
    for (const [k, x] of Object.entries(v)) {
      if (x === null) delete v[k];
      else deleteNulls(x);
    }
  }
}

/**
 * mapQuantities replaces, in place, every quantity-typed value of an object of
 * kind `gvk` with `fn(value)` (numbers included: manifests may say `cpu: 1`).
 * Values of the wrong JSON type are left alone. Unknown kinds are untouched.
 */
export function mapQuantities(
  gvk: GroupVersionKind,
  obj: unknown,
  fn: (q: string | number) => string,
): void {
  const root = rootDefinitionName(gvk);
  if (root) visit({ t: 'ref', name: root }, obj, fn);
}

function visit(shape: Shape, v: unknown, fn: (q: string | number) => string): void {
  switch (shape.t) {
    case 'ref': {
      const d = allDefinitions[shape.name];
      if (!d || !isRecord(v)) return;
      for (const [k, s] of Object.entries(d.properties)) {
        const x = v[k];
        if (s.t === 'quantity') {
          if (typeof x === 'string' || typeof x === 'number') v[k] = fn(x);
        } else if (x !== undefined) visit(s, x, fn);
      }
      return;
    }
    case 'array':
      if (!Array.isArray(v)) return;
      for (let i = 0; i < v.length; i++) {
        const x: unknown = v[i];
        if (shape.items.t === 'quantity') {
          if (typeof x === 'string' || typeof x === 'number') v[i] = fn(x);
        } else visit(shape.items, x, fn);
      }
      return;
    case 'map':
      if (!isRecord(v)) return;
      for (const [k, x] of Object.entries(v)) {
        if (shape.values.t === 'quantity') {
          if (typeof x === 'string' || typeof x === 'number') v[k] = fn(x);
        } else visit(shape.values, x, fn);
      }
      return;
    default:
      return;
  }
}

import {
  createThreeWayMergePatch,
  patchMetaFor,
  type JsonObject,
} from '../../controlplane/api/patch/index.js';
import type { ResourceInfo } from '../../controlplane/api/resources.js';
import { jsonText } from '../printers/jsonpath/index.js';
import type { Obj } from '../resources/fetch.js';

/** lastAppliedAnnotation is where `apply` keeps the configuration it last applied. */
export const lastAppliedAnnotation = 'kubectl.kubernetes.io/last-applied-configuration';

type Meta = { annotations?: Record<string, string>; [k: string]: unknown };

/**
 * withLastApplied returns a copy of `obj` carrying the last-applied
 * annotation, computed as kubectl's GetModifiedConfiguration does: the
 * object without that annotation (but with an `annotations: {}` map),
 * encoded as compact JSON with sorted keys and a trailing newline.
 */
export function withLastApplied(obj: Obj): Obj {
  const copy = structuredClone(obj);
  const meta = (copy.metadata ??= {}) as Meta;
  const annotations = { ...(meta.annotations ?? {}) };
  delete annotations[lastAppliedAnnotation];
  meta.annotations = annotations;
  const text = `${jsonText(copy)}\n`;
  meta.annotations = { ...annotations, [lastAppliedAnnotation]: text };
  return copy;
}

/** lastAppliedOf parses the live object's last-applied annotation; undefined if absent or unreadable. */
export function lastAppliedOf(current: Obj): unknown {
  const text = (current.metadata as Meta | undefined)?.annotations?.[lastAppliedAnnotation];
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * applyPatch is the strategic merge patch `apply` sends to turn `current`
 * into `modified` (which carries its new last-applied annotation): the
 * three-way patch against the previous last-applied configuration. An
 * empty object means "unchanged": nothing is sent.
 */
export function applyPatch(
  current: Obj,
  modified: Obj,
  info: Pick<ResourceInfo, 'group' | 'kind'>,
): JsonObject {
  return createThreeWayMergePatch(
    lastAppliedOf(current),
    modified,
    current,
    patchMetaFor(info.group, info.kind),
  );
}

/** isEmptyPatch tells whether a patch changes nothing (`{}`). */
export function isEmptyPatch(patch: JsonObject): boolean {
  return Object.keys(patch).length === 0;
}

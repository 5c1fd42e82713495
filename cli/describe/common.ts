import { selectorFromLabelSelector } from '../../controlplane/api/labels/index.js';
import type { LabelSelector, OwnerReference } from '../../controlplane/api/meta.js';

/** Meta is the metadata describers read. */
export interface Meta {
  name?: string;
  namespace?: string;
  uid?: string;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
}

/** metaOf reads an object's metadata (an empty one when missing). */
export function metaOf(obj: { metadata?: unknown }): Meta {
  return (typeof obj.metadata === 'object' && obj.metadata !== null ? obj.metadata : {}) as Meta;
}

/** selectorText prints a LabelSelector as Kubernetes does (`app=web,tier in (a,b)`), `<none>` when empty. */
export function selectorText(ls: LabelSelector | undefined): string {
  try {
    const s = selectorFromLabelSelector(ls).toString();
    return s === '' ? '<none>' : s;
  } catch {
    return '<error>';
  }
}

/** controlledBy is kubectl's `Controlled By` value: `Kind/name` of the controller owner, or ''. */
export function controlledBy(meta: Meta): string {
  const ref = (meta.ownerReferences ?? []).find((r) => r.controller);
  return ref ? `${ref.kind}/${ref.name}` : '';
}

/** title prints a boolean as Go's `%v` of kubectl's printBool: True / False. */
export function title(b: boolean | undefined): string {
  return b ? 'True' : 'False';
}

/** rec narrows an unknown to a record (empty when not an object). */
export function rec(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : {};
}

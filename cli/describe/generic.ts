import type { Obj } from '../resources/fetch.js';
import { metaOf } from './common.js';
import { eventsFor, type DescribeSource } from './source.js';
import { annotationsMultiline, DescribeWriter, events, labelsMultiline } from './writer.js';

const acronyms = new Set(['API', 'URL', 'UID', 'OSB', 'GUID']);

/**
 * smartLabel turns a field name into kubectl's describe label:
 * `apiVersion` → `API Version`, `firstTimestamp` → `First Timestamp`; names
 * with characters other than letters and '-' are kept as they are.
 */
export function smartLabel(field: string): string {
  if (/[^\p{L}-]/u.test(field)) return field;
  const parts = field.match(/[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[^A-Za-z]+/g) ?? [field];
  return parts
    .map((p) =>
      acronyms.has(p.toUpperCase()) ? p.toUpperCase() : p.charAt(0).toUpperCase() + p.slice(1),
    )
    .join(' ');
}

const skipped = new Set([
  '.metadata.managedFields',
  '.metadata.name',
  '.metadata.namespace',
  '.metadata.labels',
  '.metadata.annotations',
]);

function content(
  w: DescribeWriter,
  level: number,
  obj: Record<string, unknown>,
  prefix: string,
): void {
  for (const field of Object.keys(obj).sort()) {
    const path = `${prefix}.${field}`;
    if (skipped.has(path)) continue;
    const v = obj[field];
    if (Array.isArray(v)) {
      w.line(level, `${smartLabel(field)}:`);
      for (const child of v) {
        if (typeof child === 'object' && child !== null && !Array.isArray(child)) {
          content(w, level + 1, child as Record<string, unknown>, path);
        } else {
          w.line(level + 1, String(child));
        }
      }
    } else if (typeof v === 'object' && v !== null) {
      w.line(level, `${smartLabel(field)}:`);
      content(w, level + 1, v as Record<string, unknown>, path);
    } else {
      w.line(level, `${smartLabel(field)}:\t${String(v)}`);
    }
  }
}

/** describeGeneric renders any object as kubectl's generic describer: every field, sorted. */
export async function describeGeneric(obj: Obj, src: DescribeSource): Promise<string> {
  const m = metaOf(obj);
  const w = new DescribeWriter();
  w.line(0, `Name:\t${m.name ?? ''}`);
  w.line(0, `Namespace:\t${m.namespace ?? ''}`);
  labelsMultiline(w, 'Labels', m.labels);
  annotationsMultiline(w, 'Annotations', m.annotations);
  content(w, 0, obj, '');
  events(w, await eventsFor(obj, src), src.now());
  return w.toString();
}

import type * as T from '../../controlplane/api/types/index.js';
import type { Obj } from '../resources/fetch.js';
import { metaOf } from './common.js';
import { eventsFor, type DescribeSource } from './source.js';
import {
  annotationsMultiline,
  DescribeWriter,
  events,
  labelsMultiline,
  rfc1123z,
} from './writer.js';

/** describeNamespace renders a Namespace as kubectl's NamespaceDescriber (no quotas: not served). */
export function describeNamespace(obj: Obj): Promise<string> {
  const ns = obj as T.Namespace;
  const m = metaOf(obj);
  const w = new DescribeWriter();
  w.line(0, `Name:\t${m.name ?? ''}`);
  labelsMultiline(w, 'Labels', m.labels);
  annotationsMultiline(w, 'Annotations', m.annotations);
  w.line(0, `Status:\t${ns.status?.phase ?? ''}`);
  const conds = ns.status?.conditions ?? [];
  if (conds.length > 0) {
    w.line(0, 'Conditions:');
    w.line(1, 'Type\tStatus\tLastTransitionTime\tReason\tMessage');
    w.line(1, '----\t------\t------------------\t------\t-------');
    for (const c of conds) {
      w.line(
        1,
        `${c.type}\t${c.status}\t${rfc1123z(c.lastTransitionTime)}\t${c.reason ?? ''}\t${c.message ?? ''}`,
      );
    }
  }
  return Promise.resolve(w.toString());
}

/** describeConfigMap renders a ConfigMap with its values (binary data as sizes). */
export async function describeConfigMap(obj: Obj, src: DescribeSource): Promise<string> {
  const cm = obj as T.ConfigMap;
  const m = metaOf(obj);
  const w = new DescribeWriter();
  w.line(0, `Name:\t${m.name ?? ''}`);
  w.line(0, `Namespace:\t${m.namespace ?? ''}`);
  labelsMultiline(w, 'Labels', m.labels);
  annotationsMultiline(w, 'Annotations', m.annotations);
  w.line(0, '\nData\n====');
  for (const k of Object.keys(cm.data ?? {}).sort()) {
    w.line(0, `${k}:\n----`);
    w.line(0, cm.data?.[k] ?? '');
    w.line(0, '');
  }
  w.line(0, '\nBinaryData\n====');
  for (const k of Object.keys(cm.binaryData ?? {}).sort()) {
    w.line(0, `${k}: ${Buffer.from(cm.binaryData?.[k] ?? '', 'base64').length} bytes`);
  }
  w.line(0, '');
  events(w, await eventsFor(obj, src), src.now());
  return w.toString();
}

/** describeSecret renders a Secret with the size of each value, never the value. */
export function describeSecret(obj: Obj): Promise<string> {
  const s = obj as T.Secret;
  const m = metaOf(obj);
  const w = new DescribeWriter();
  w.line(0, `Name:\t${m.name ?? ''}`);
  w.line(0, `Namespace:\t${m.namespace ?? ''}`);
  labelsMultiline(w, 'Labels', m.labels);
  annotationsMultiline(w, 'Annotations', m.annotations);
  w.line(0, `\nType:\t${s.type ?? ''}`);
  w.line(0, '\nData\n====');
  for (const k of Object.keys(s.data ?? {}).sort()) {
    w.line(0, `${k}:\t${Buffer.from(s.data?.[k] ?? '', 'base64').length} bytes`);
  }
  return Promise.resolve(w.toString());
}

import { since } from '../../controlplane/api/tables/duration.js';
import { formatTabbed } from '../printers/tabwriter.js';

/**
 * DescribeWriter collects the lines of a `describe` page the way kubectl's
 * PrefixWriter does: each line is indented by two spaces per level and its
 * cells are separated by tabs; `flush` ends an alignment region (kubectl
 * flushes before each table, such as Events). `toString` aligns each
 * region as Go's tabwriter (minwidth 0, padding 2).
 */
export class DescribeWriter {
  private regions: string[] = [];
  private current = '';

  /** line writes `text` (cells separated by \t) at `level`, ending it with a newline. */
  line(level: number, text: string): void {
    this.current += `${'  '.repeat(level)}${text}\n`;
  }

  /** flush ends the current alignment region. */
  flush(): void {
    if (this.current) this.regions.push(this.current);
    this.current = '';
  }

  /** raw returns the lines unaligned, tabs kept (kubectl prints `rollout history --revision` so). */
  raw(): string {
    this.flush();
    return this.regions.join('');
  }

  toString(): string {
    this.flush();
    return this.regions.map((r) => formatTabbed(r, 0, 2)).join('');
  }
}

/** orNone prints kubectl's `<none>` for empty values. */
export function orNone(v: string | undefined | null): string {
  return v === undefined || v === null || v === '' ? '<none>' : v;
}

const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number): string => String(n).padStart(2, '0');

/**
 * rfc1123z prints a timestamp as Go's time.RFC1123Z in UTC
 * (`Sun, 22 Nov 2026 19:55:53 +0000`), as kubectl describe does on a UTC
 * machine; '' for a missing or unreadable time.
 */
export function rfc1123z(ts: string | undefined): string {
  if (!ts) return '';
  const d = new Date(ts);
  if (Number.isNaN(d.getTime())) return '';
  return `${days[d.getUTCDay()]}, ${two(d.getUTCDate())} ${months[d.getUTCMonth()]} ${d.getUTCFullYear()} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000`;
}

/** labelsMultiline writes `Title:\tk=v` with one label per line, sorted, or `<none>`. */
export function labelsMultiline(
  w: DescribeWriter,
  title: string,
  labels: Record<string, string> | undefined,
  level = 0,
): void {
  const keys = Object.keys(labels ?? {}).sort();
  if (keys.length === 0) {
    w.line(level, `${title}:\t<none>`);
    return;
  }
  keys.forEach((k, i) => w.line(level, `${i === 0 ? `${title}:` : ''}\t${k}=${labels?.[k] ?? ''}`));
}

const maxAnnotationLen = 140;
const skippedAnnotations = new Set(['kubectl.kubernetes.io/last-applied-configuration']);

function shorten(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max)}...` : s;
}

/** annotationsMultiline writes `Annotations:\tk: v`, long or multi-line values on their own lines. */
export function annotationsMultiline(
  w: DescribeWriter,
  title: string,
  annotations: Record<string, string> | undefined,
  level = 0,
): void {
  const keys = Object.keys(annotations ?? {})
    .filter((k) => !skippedAnnotations.has(k))
    .sort();
  if (keys.length === 0) {
    w.line(level, `${title}:\t<none>`);
    return;
  }
  keys.forEach((k, i) => {
    const lead = i === 0 ? `${title}:` : '';
    const value = (annotations?.[k] ?? '').replace(/\n$/, '');
    if (value.length + k.length + 2 > maxAnnotationLen || value.includes('\n')) {
      w.line(level, `${lead}\t${k}:`);
      for (const s of value.split('\n')) w.line(level, `\t  ${shorten(s, maxAnnotationLen - 2)}`);
    } else {
      w.line(level, `${lead}\t${k}: ${value}`);
    }
  });
}

/** KubeEvent is the part of a core/v1 Event describe prints. */
export interface KubeEvent {
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  firstTimestamp?: string;
  lastTimestamp?: string;
  eventTime?: string;
  series?: { count?: number; lastObservedTime?: string };
  source?: { component?: string };
  reportingComponent?: string;
  metadata?: { creationTimestamp?: string };
}

function eventTime(e: KubeEvent): string | undefined {
  return e.lastTimestamp || e.eventTime || e.metadata?.creationTimestamp;
}

/**
 * events writes the `Events:` table (Type, Reason, Age, From, Message),
 * oldest first, with `AGE (xN over FIRST)` for repeats — or `Events:
 * <none>` aligned with the lines above it.
 */
export function events(w: DescribeWriter, list: readonly KubeEvent[], now: number): void {
  if (list.length === 0) {
    w.line(0, 'Events:\t<none>');
    return;
  }
  w.flush();
  const sorted = [...list].sort(
    (a, b) => Date.parse(eventTime(a) ?? '') - Date.parse(eventTime(b) ?? ''),
  );
  w.line(0, 'Events:');
  w.line(1, 'Type\tReason\tAge\tFrom\tMessage');
  w.line(1, '----\t------\t----\t----\t-------');
  for (const e of sorted) {
    const first = since(e.eventTime || e.firstTimestamp || e.metadata?.creationTimestamp, now);
    let age = first;
    if (e.series)
      age = `${since(e.series.lastObservedTime, now)} (x${e.series.count ?? 0} over ${first})`;
    else if ((e.count ?? 0) > 1)
      age = `${since(e.lastTimestamp, now)} (x${e.count ?? 0} over ${first})`;
    const from = e.source?.component || e.reportingComponent || '';
    w.line(1, `${e.type ?? ''}\t${e.reason ?? ''}\t${age}\t${from}\t${(e.message ?? '').trim()}`);
  }
}

/** ConditionLike is a status condition as describe prints it. */
export interface ConditionLike {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastHeartbeatTime?: string;
  lastTransitionTime?: string;
  lastProbeTime?: string;
  lastUpdateTime?: string;
}

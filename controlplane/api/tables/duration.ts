/**
 * Ages as kubectl prints them: apimachinery's duration.HumanDuration and the
 * printers' translateTimestampSince.
 */

const second = 1000;
const minute = 60 * second;
const hour = 60 * minute;

/**
 * humanDuration prints a duration in milliseconds the way
 * duration.HumanDuration does: `45s` up to two minutes, `5m3s` under ten
 * minutes, `42m` under three hours, `3h4m` under eight hours, `30h` under two
 * days, `3d4h` under eight days, `45d` under two years, `3y12d` under eight
 * years, then `9y`. Up to a second in the future is `0s`; further is
 * `<invalid>`.
 */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / second);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.trunc(ms / minute);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.trunc(ms / hour);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.trunc(hours / 24)}d` : `${Math.trunc(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const dy = Math.trunc(hours / 24) % 365;
    const y = Math.trunc(hours / 24 / 365);
    return dy === 0 ? `${y}y` : `${y}y${dy}d`;
  }
  return `${Math.trunc(hours / 24 / 365)}y`;
}

/** parseTime reads an RFC 3339 timestamp; undefined when absent or unreadable (Go's zero time). */
export function parseTime(ts: string | null | undefined): number | undefined {
  if (!ts) return undefined;
  const t = Date.parse(ts);
  return Number.isNaN(t) ? undefined : t;
}

/** since prints how long ago `ts` was at `now` (ms since the epoch); `<unknown>` without a time. */
export function since(ts: string | null | undefined, now: number): string {
  const t = parseTime(ts);
  return t === undefined ? '<unknown>' : humanDuration(now - t);
}

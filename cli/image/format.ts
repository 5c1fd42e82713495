/**
 * How `tug image` prints sizes and ages: as `docker images` does (Go's
 * go-units: `HumanSizeWithPrecision(n, 3)` in decimal units, and
 * `HumanDuration` + " ago").
 */

const UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];

/** humanSize writes a byte count like Docker: `4.26MB`, `225kB`, `12B`. */
export function humanSize(bytes: number): string {
  let n = bytes;
  let i = 0;
  while (n >= 1000 && i < UNITS.length - 1) {
    n /= 1000;
    i++;
  }
  return `${Number(n.toPrecision(3))}${UNITS[i] ?? 'B'}`;
}

/** humanDuration writes an age like Docker: `About a minute`, `3 hours`, `2 weeks`. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.floor(seconds / 60);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.floor(ms / 3_600_000 + 0.5);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.floor(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.floor(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24 / 30)} months`;
  return `${Math.floor(ms / 3_600_000 / 24 / 365)} years`;
}

/** createdAgo writes an RFC 3339 time as `docker images` shows it (`2 hours ago`); `N/A` when unknown. */
export function createdAgo(created: string | undefined, now: number): string {
  const t = created === undefined ? NaN : Date.parse(created);
  if (Number.isNaN(t)) return 'N/A';
  return `${humanDuration(Math.max(0, now - t))} ago`;
}

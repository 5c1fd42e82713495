/**
 * normalizeArgv rewrites the flag spellings pflag (kubectl's flag parser)
 * accepts but commander does not, so that kubectl muscle memory works:
 * `-o=json` → `-o json`; `--flag=true` → `--flag` and `--flag=false` →
 * `--no-flag` (or nothing, when the flag has no `--no-` form and so
 * defaults to false) for boolean flags; `--dry-run` alone →
 * `--dry-run=client`. Arguments after `--` are left as they are.
 */
export function normalizeArgv(
  argv: readonly string[],
  flags: { all: ReadonlySet<string>; negatable: ReadonlySet<string> },
): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const short = /^-([a-zA-Z])=(.*)$/s.exec(a);
    if (short) {
      out.push(`-${short[1]}`, short[2] as string);
      continue;
    }
    const long = /^--([a-z][a-z0-9-]*)=(true|false)$/i.exec(a);
    const name = long?.[1] as string;
    if (long && flags.all.has(name)) {
      if ((long[2] as string).toLowerCase() === 'true') out.push(`--${name}`);
      else if (flags.negatable.has(name)) out.push(`--no-${name}`);
      continue;
    }
    if (a === '--dry-run') {
      out.push('--dry-run=client');
      continue;
    }
    out.push(a);
  }
  return out;
}

import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { CliError, formatError } from '../errors.js';
import {
  parseValidationMode,
  readManifests,
  resolveManifest,
  type ResolvedManifest,
  type ValidationMode,
} from '../manifests/index.js';

const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

/** FileFlags are the flags of every command that reads manifests. */
export interface FileFlags {
  filename?: string[];
  recursive?: boolean;
  validate?: string;
  dryRun?: string;
}

/** addFileFlags adds `-f`, `-R`, `--validate` and `--dry-run` as kubectl spells them. */
export function addFileFlags(cmd: Command, what: string): Command {
  return cmd
    .option(
      '-f, --filename <file>',
      `file, folder or - (stdin) with the objects to ${what}; repeatable`,
      collect,
    )
    .option('-R, --recursive', 'process folders given with -f recursively')
    .option(
      '--validate <mode>',
      'check objects before sending them: strict (true), warn, ignore (false)',
      'strict',
    )
    .option(
      '--dry-run <mode>',
      'none, client (print what would be sent), or server (dryRun=All)',
      'none',
    );
}

/** DryRun is `--dry-run`. */
export type DryRun = 'none' | 'client' | 'server';

/** parseDryRun reads `--dry-run`; a bare flag means client, as in kubectl. */
export function parseDryRun(v: string | undefined): DryRun {
  const s = v ?? 'none';
  if (s === 'none' || s === 'client' || s === 'server') return s;
  throw new CliError(`Invalid dry-run value (${s}). Must be "none", "server", or "client".`);
}

/** dryRunSuffix is what kubectl adds to each line in dry-run mode. */
export function dryRunSuffix(d: DryRun): string {
  return d === 'client' ? ' (dry run)' : d === 'server' ? ' (server dry run)' : '';
}

/** Loaded is the outcome of reading and checking every manifest: the good ones and the errors. */
export interface Loaded {
  good: ResolvedManifest[];
  errors: string[];
  validation: ValidationMode;
}

/**
 * loadManifests reads `-f` and checks every document before any is sent.
 * Bad documents become error lines (with file and field path); the good
 * ones are returned to be acted on, as kubectl does.
 */
export async function loadManifests(
  ctx: CliContext,
  f: FileFlags,
  opts: { allowGenerateName?: boolean } = {},
): Promise<Loaded> {
  const validation = parseValidationMode(f.validate);
  if (!validation) {
    throw new CliError(
      `invalid - validate option "${f.validate}"; must be one of: strict (or true), warn, ignore (or false)`,
    );
  }
  const manifests = await readManifests(f.filename ?? [], !!f.recursive, ctx.io);
  const checkFields =
    validation === 'ignore' ? undefined : (await import('../manifests/field-check.js')).checkFields;
  const namespace = await ctx.namespace();
  const good: ResolvedManifest[] = [];
  const errors: string[] = [];
  for (const m of manifests) {
    const r = resolveManifest(m, {
      namespace,
      namespaceExplicit: ctx.namespaceExplicit,
      validation,
      ...(checkFields ? { checkFields } : {}),
      ...(opts.allowGenerateName ? { allowGenerateName: true } : {}),
    });
    if (typeof r === 'string') errors.push(`error: ${r}`);
    else good.push(r);
  }
  if (good.length === 0 && errors.length === 0) throw new CliError('no objects passed to apply');
  return { good, errors, validation };
}

/** reportErrors prints error lines (strings as they are, errors as kubectl formats them). */
export function errorLines(errors: readonly unknown[]): string {
  return errors.map((e) => `${typeof e === 'string' ? e : formatError(e)}\n`).join('');
}

import type { Command } from 'commander';
import { isConflict, isNotFound } from '../../controlplane/api/errors.js';
import { resourcePath } from '../../controlplane/api/resources.js';
import type { RestClient } from '../../controlplane/client/index.js';
import type { CommandEnv } from '../command-env.js';
import { ReportedError, withSource } from '../errors.js';
import {
  applyPatch,
  fieldValidationFor,
  isEmptyPatch,
  lastAppliedOf,
  withLastApplied,
  type ResolvedManifest,
  type ValidationMode,
} from '../manifests/index.js';
import { objectName } from '../printers/objects.js';
import { parseOutput, printObjects, type OutputFormat } from '../printers/output.js';
import type { Obj } from '../resources/fetch.js';
import {
  addFileFlags,
  dryRunSuffix,
  errorLines,
  loadManifests,
  parseDryRun,
  type DryRun,
  type FileFlags,
} from './manifest-flags.js';

/** fieldManager is the manager name kubectl's client-side apply uses. */
export const applyFieldManager = 'kubectl-client-side-apply';
const maxPatchRetries = 5;

type Outcome = 'created' | 'configured' | 'unchanged';

/** registerApply adds `tug apply -f FILE|DIR|- [-R]`. */
export function registerApply(program: Command, env: CommandEnv): void {
  addFileFlags(
    program
      .command('apply')
      .description('Apply a configuration to a resource by file name or stdin')
      .option('-o, --output <format>', 'name|yaml|json'),
    'apply',
  ).action(async (f: FileFlags & { output?: string }, cmd: Command) => {
    const ctx = env.context(cmd);
    const dryRun = parseDryRun(f.dryRun);
    const format = f.output ? parseOutput(f.output) : undefined;
    const loaded = await loadManifests(ctx, f);
    const client = await ctx.client();
    const errors: unknown[] = [...loaded.errors];
    let printed = 0;
    for (const m of loaded.good) {
      for (const w of m.warnings) env.err(`Warning: ${w}\n`);
      try {
        const { outcome, obj } = await applyOne(client, m, loaded.validation, dryRun, (w) =>
          env.err(`Warning: ${w}\n`),
        );
        printed = printResult(env, format, m, obj, `${outcome}${dryRunSuffix(dryRun)}`, printed);
      } catch (e) {
        errors.push(e);
      }
    }
    if (errors.length > 0) {
      env.err(errorLines(errors));
      throw new ReportedError(1);
    }
  });
}

/** printResult prints `kind.group/name VERB`, or the object in `-o` format. Returns how many were printed. */
export function printResult(
  env: CommandEnv,
  format: OutputFormat | undefined,
  m: ResolvedManifest,
  obj: Obj,
  verb: string,
  printed: number,
): number {
  if (!format || format.kind === 'table') {
    env.out(`${objectName(m.info, m.name || String(obj.metadata?.name ?? ''))} ${verb}\n`);
  } else {
    const text = printObjects(format, [{ info: m.info, obj }], true);
    env.out(format.kind === 'yaml' && printed > 0 ? `---\n${text}` : text);
  }
  return printed + 1;
}

/**
 * applyOne is one object's client-side apply (kubectl's): create it with the
 * last-applied annotation, or patch it by the three-way difference between
 * that annotation, the manifest and what the server holds.
 */
export async function applyOne(
  client: RestClient,
  m: ResolvedManifest,
  validation: ValidationMode,
  dryRun: DryRun,
  warn: (text: string) => void,
): Promise<{ outcome: Outcome; obj: Obj }> {
  const objPath = resourcePath(m.info, { namespace: m.namespace, name: m.name });
  const query = {
    fieldManager: applyFieldManager,
    fieldValidation: fieldValidationFor(validation),
    dryRun: dryRun === 'server' ? 'All' : undefined,
  };
  const modified = withLastApplied(m.obj);
  for (let attempt = 0; ; attempt++) {
    let current: Obj;
    try {
      current = await client.request<Obj>({ path: objPath });
    } catch (e) {
      if (!isNotFound(e))
        throw withSource('retrieving current configuration of', m.manifest.source, e);
      if (dryRun === 'client') return { outcome: 'created', obj: modified };
      try {
        const created = await client.request<Obj>({
          method: 'POST',
          path: resourcePath(m.info, { namespace: m.namespace }),
          query,
          body: modified,
        });
        return { outcome: 'created', obj: created };
      } catch (err) {
        throw withSource('creating', m.manifest.source, err);
      }
    }
    const missing = attempt === 0 ? missingAnnotationWarning(current, m.info.resource) : undefined;
    if (missing) warn(missing);
    const patch = applyPatch(current, modified, m.info);
    if (isEmptyPatch(patch)) return { outcome: 'unchanged', obj: current };
    if (dryRun === 'client') return { outcome: 'configured', obj: current };
    try {
      const patched = await client.request<Obj>({
        method: 'PATCH',
        path: objPath,
        query,
        body: JSON.stringify(patch),
        contentType: 'application/strategic-merge-patch+json',
      });
      return { outcome: 'configured', obj: patched };
    } catch (err) {
      if (isConflict(err) && attempt < maxPatchRetries) continue;
      throw withSource('patching', m.manifest.source, err);
    }
  }
}

/** missingAnnotationWarning is kubectl's warning when applying over an object apply did not create. */
export function missingAnnotationWarning(current: Obj, resource: string): string | undefined {
  if (lastAppliedOf(current) !== undefined) return undefined;
  return `resource ${resource}/${String(current.metadata?.name ?? '')} is missing the kubectl.kubernetes.io/last-applied-configuration annotation which is required by tug apply. tug apply should only be used on resources created declaratively by either tug create --save-config or tug apply. The missing annotation will be patched automatically.`;
}

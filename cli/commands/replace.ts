import type { Command } from 'commander';
import { isConflict } from '../../controlplane/api/errors.js';
import { resourcePath } from '../../controlplane/api/resources.js';
import type { CommandEnv } from '../command-env.js';
import { ReportedError, withSource } from '../errors.js';
import { fieldValidationFor, withLastApplied } from '../manifests/index.js';
import { parseOutput } from '../printers/output.js';
import type { Obj } from '../resources/fetch.js';
import { printResult } from './apply.js';
import {
  addFileFlags,
  dryRunSuffix,
  errorLines,
  loadManifests,
  parseDryRun,
  type FileFlags,
} from './manifest-flags.js';

/**
 * registerReplace adds `tug replace -f FILE`: a PUT of each object. A
 * manifest without resourceVersion replaces whatever is stored (the current
 * version is read first, and read again on a conflict).
 */
export function registerReplace(program: Command, env: CommandEnv): void {
  addFileFlags(
    program
      .command('replace')
      .description('Replace a resource by file name or stdin')
      .option('-o, --output <format>', 'name|yaml|json')
      .option('--save-config', 'store the configuration in the last-applied annotation'),
    'replace',
  ).action(async (f: FileFlags & { output?: string; saveConfig?: boolean }, cmd: Command) => {
    const ctx = env.context(cmd);
    const dryRun = parseDryRun(f.dryRun);
    const format = f.output ? parseOutput(f.output) : undefined;
    const loaded = await loadManifests(ctx, f);
    const client = await ctx.client();
    const errors: unknown[] = [...loaded.errors];
    let printed = 0;
    for (const m of loaded.good) {
      const path = resourcePath(m.info, { namespace: m.namespace, name: m.name });
      try {
        let obj: Obj | undefined;
        for (let attempt = 0; !obj; attempt++) {
          const current = await client.request<Obj>({ path });
          const body = structuredClone(f.saveConfig ? withLastApplied(m.obj) : m.obj);
          const meta = (body.metadata ??= {});
          const explicitVersion =
            typeof meta.resourceVersion === 'string' && meta.resourceVersion !== '';
          if (!explicitVersion) meta.resourceVersion = current.metadata?.resourceVersion;
          if (dryRun === 'client') {
            obj = body;
            break;
          }
          try {
            obj = await client.request<Obj>({
              method: 'PUT',
              path,
              query: {
                fieldManager: 'kubectl-replace',
                fieldValidation: fieldValidationFor(loaded.validation),
                dryRun: dryRun === 'server' ? 'All' : undefined,
              },
              body,
            });
          } catch (e) {
            if (!explicitVersion && isConflict(e) && attempt < 5) continue;
            throw e;
          }
        }
        printed = printResult(env, format, m, obj, `replaced${dryRunSuffix(dryRun)}`, printed);
      } catch (e) {
        errors.push(withSource('replacing', m.manifest.source, e));
      }
    }
    if (errors.length > 0) {
      env.err(errorLines(errors));
      throw new ReportedError(1);
    }
  });
}

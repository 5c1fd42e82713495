import type { Command } from 'commander';
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

/** registerCreate adds `tug create -f FILE [--save-config]`. */
export function registerCreate(program: Command, env: CommandEnv): void {
  addFileFlags(
    program
      .command('create')
      .description('Create a resource from a file or from stdin')
      .option('-o, --output <format>', 'name|yaml|json')
      .option(
        '--save-config',
        'store the configuration in the last-applied annotation, for later apply',
      ),
    'create',
  ).action(async (f: FileFlags & { output?: string; saveConfig?: boolean }, cmd: Command) => {
    const ctx = env.context(cmd);
    const dryRun = parseDryRun(f.dryRun);
    const format = f.output ? parseOutput(f.output) : undefined;
    const loaded = await loadManifests(ctx, f, { allowGenerateName: true });
    const client = await ctx.client();
    const errors: unknown[] = [...loaded.errors];
    let printed = 0;
    for (const m of loaded.good) {
      for (const w of m.warnings) env.err(`Warning: ${w}\n`);
      const body = f.saveConfig ? withLastApplied(m.obj) : m.obj;
      try {
        const obj =
          dryRun === 'client'
            ? body
            : await client.request<Obj>({
                method: 'POST',
                path: resourcePath(m.info, { namespace: m.namespace }),
                query: {
                  fieldManager: 'kubectl-create',
                  fieldValidation: fieldValidationFor(loaded.validation),
                  dryRun: dryRun === 'server' ? 'All' : undefined,
                },
                body,
              });
        printed = printResult(env, format, m, obj, `created${dryRunSuffix(dryRun)}`, printed);
      } catch (e) {
        errors.push(withSource('creating', m.manifest.source, e));
      }
    }
    if (errors.length > 0) {
      env.err(errorLines(errors));
      throw new ReportedError(1);
    }
  });
}

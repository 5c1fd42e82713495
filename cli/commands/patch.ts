import type { Command } from 'commander';
import { resourcePath } from '../../controlplane/api/resources.js';
import type { CommandEnv } from '../command-env.js';
import { CliError, ReportedError } from '../errors.js';
import { objectName } from '../printers/objects.js';
import { parseOutput, printObjects } from '../printers/output.js';
import type { Obj } from '../resources/fetch.js';
import { resolveTargets, type TargetFlags } from '../resources/targets.js';
import { parse as parseYaml } from 'yaml';
import { errorLines, parseDryRun } from './manifest-flags.js';

const contentTypes: Record<string, string> = {
  strategic: 'application/strategic-merge-patch+json',
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
};

interface PatchFlags extends TargetFlags {
  patch?: string;
  type: string;
  subresource?: string;
  dryRun?: string;
  output?: string;
}

/** registerPatch adds `tug patch TYPE NAME -p PATCH [--type strategic|merge|json] [--subresource status|scale]`. */
export function registerPatch(program: Command, env: CommandEnv): void {
  program
    .command('patch')
    .description(
      'Update fields of a resource using strategic merge patch, a JSON merge patch, or a JSON patch',
    )
    .argument('[resources...]', 'TYPE NAME or TYPE/NAME')
    .option('-p, --patch <patch>', 'the patch, as JSON or YAML')
    .option('--type <type>', 'strategic, merge or json', 'strategic')
    .option('--subresource <name>', 'patch this subresource (status, scale)')
    .option(
      '-f, --filename <file>',
      'file naming the objects to patch',
      (v: string, p: string[] = []) => [...p, v],
    )
    .option('--dry-run <mode>', 'none, client or server', 'none')
    .option('-o, --output <format>', 'name|yaml|json')
    .action(async (args: string[], f: PatchFlags, cmd: Command) => {
      if (!f.patch) throw new CliError('must specify -p to patch');
      const contentType = contentTypes[f.type];
      if (!contentType)
        throw new CliError(`--type must be one of [json merge strategic], not "${f.type}"`);
      let body: unknown;
      try {
        body = parseYaml(f.patch, { version: '1.1' });
      } catch (e) {
        throw new CliError(`unable to parse "${f.patch}": ${(e as Error).message}`);
      }
      const dryRun = parseDryRun(f.dryRun);
      const format = f.output ? parseOutput(f.output) : undefined;
      const ctx = env.context(cmd);
      const { targets, errors: docErrors } = await resolveTargets(ctx, args, f);
      const client = await ctx.client();
      const errors: unknown[] = [...docErrors];
      for (const t of targets) {
        try {
          const path = resourcePath(t.info, {
            namespace: t.namespace,
            name: t.name,
            ...(f.subresource ? { subresource: f.subresource } : {}),
          });
          const before = await client.request<Obj>({ path });
          const after =
            dryRun === 'client'
              ? before
              : await client.request<Obj>({
                  method: 'PATCH',
                  path,
                  query: { dryRun: dryRun === 'server' ? 'All' : undefined },
                  body: JSON.stringify(body),
                  contentType,
                });
          if (format && format.kind !== 'table') {
            env.out(printObjects(format, [{ info: t.info, obj: after }], true));
            continue;
          }
          const same = before.metadata?.resourceVersion === after.metadata?.resourceVersion;
          env.out(
            `${objectName(t.info, t.name)} ${same && dryRun === 'none' ? 'patched (no change)' : 'patched'}\n`,
          );
        } catch (e) {
          errors.push(e);
        }
      }
      if (errors.length === 1 && docErrors.length === 0) throw errors[0];
      if (errors.length > 0) {
        env.err(errorLines(errors));
        throw new ReportedError(1);
      }
    });
}

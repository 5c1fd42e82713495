import type { Command } from 'commander';
import { resourcePath } from '../../controlplane/api/resources.js';
import type { CommandEnv } from '../command-env.js';
import { CliError, ReportedError, withSource } from '../errors.js';
import { objectName } from '../printers/objects.js';
import { parseOutput, printObjects } from '../printers/output.js';
import type { Obj } from '../resources/fetch.js';
import { resolveTargets, type TargetFlags } from '../resources/targets.js';
import { errorLines, parseDryRun } from './manifest-flags.js';

interface MetaFlags extends TargetFlags {
  overwrite?: boolean;
  list?: boolean;
  resourceVersion?: string;
  dryRun?: string;
  output?: string;
}

/** MetaChange is `key=value` pairs to set and `key-` keys to remove. */
export interface MetaChange {
  set: Record<string, string>;
  remove: string[];
}

/**
 * parseMetaArgs splits `label`/`annotate` arguments into resource arguments
 * and changes (`k=v`, `k-`), as kubectl does: the changes are the trailing
 * arguments that contain `=` or end with `-`.
 */
export function parseMetaArgs(
  args: readonly string[],
  what: 'label' | 'annotation',
): { resources: string[]; change: MetaChange } {
  let i = args.length;
  while (i > 0) {
    const a = args[i - 1] as string;
    if (a.includes('=') || (a.endsWith('-') && a.length > 1)) i--;
    else break;
  }
  const change: MetaChange = { set: {}, remove: [] };
  for (const a of args.slice(i)) {
    const eq = a.indexOf('=');
    if (eq >= 0) {
      const k = a.slice(0, eq);
      if (!k) throw new CliError(`invalid ${what} spec: ${a}`);
      change.set[k] = a.slice(eq + 1);
    } else {
      change.remove.push(a.slice(0, -1));
    }
  }
  for (const k of change.remove) {
    if (k in change.set)
      throw new CliError(`can not both modify and remove ${what}s in the same command`);
  }
  return { resources: args.slice(0, i), change };
}

/**
 * changedMap applies a change to current labels or annotations; it throws
 * kubectl's error when a key already has another value without --overwrite.
 * Returns the merge patch of the map, or undefined when nothing changes.
 */
export function metaPatch(
  current: Record<string, string> | undefined,
  change: MetaChange,
  overwrite: boolean,
  what: 'label' | 'annotation' = 'label',
): Record<string, string | null> | undefined {
  const patch: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(change.set)) {
    const had = current?.[k];
    if (had !== undefined && had !== v && !overwrite) {
      throw new CliError(
        what === 'label'
          ? `'${k}' already has a value (${had}), and --overwrite is false`
          : `--overwrite is false but found the following declared annotation(s): '${k}' already has a value (${had})`,
      );
    }
    if (had !== v) patch[k] = v;
  }
  for (const k of change.remove) if (current?.[k] !== undefined) patch[k] = null;
  return Object.keys(patch).length > 0 ? patch : undefined;
}

/**
 * outcomeWord is what kubectl prints after label/annotate: annotate always
 * says `annotated`; label says `labeled`, `unlabeled` (only removals, no
 * --overwrite) or `not labeled`.
 */
export function outcomeWord(
  what: 'label' | 'annotation',
  patch: Record<string, string | null> | undefined,
  overwrite: boolean,
): string {
  if (what === 'annotation') return 'annotated';
  if (!patch) return 'not labeled';
  const onlyRemovals = Object.values(patch).every((v) => v === null);
  return onlyRemovals && !overwrite ? 'unlabeled' : 'labeled';
}

function register(program: Command, env: CommandEnv, what: 'label' | 'annotation'): void {
  const field = what === 'label' ? 'labels' : 'annotations';
  program
    .command(what === 'label' ? 'label' : 'annotate')
    .description(`Update the ${field} on a resource`)
    .argument('<args...>', `TYPE NAME KEY=VAL ... or TYPE/NAME KEY- ...`)
    .option('--overwrite', `allow changing ${field} that already have a value`)
    .option('--list', `list the current ${field} instead of changing them`)
    .option('-l, --selector <selector>', 'change the objects matching this label selector')
    .option('--all', 'change every object of the types given in the namespace')
    .option('-A, --all-namespaces', 'with --all or a selector, look in every namespace')
    .option('-f, --filename <file>', 'file naming the objects', (v: string, p: string[] = []) => [
      ...p,
      v,
    ])
    .option('--resource-version <version>', 'only change the object at this resource version')
    .option('--dry-run <mode>', 'none, client or server', 'none')
    .option('-o, --output <format>', 'name|yaml|json')
    .action(async (args: string[], f: MetaFlags, cmd: Command) => {
      const { resources, change } = parseMetaArgs(args, what);
      if (!f.list && Object.keys(change.set).length === 0 && change.remove.length === 0) {
        throw new CliError(`at least one ${what} update is required`);
      }
      const dryRun = parseDryRun(f.dryRun);
      const format = f.output ? parseOutput(f.output) : undefined;
      const ctx = env.context(cmd);
      const { targets, errors: docErrors } = await resolveTargets(ctx, resources, f);
      const client = await ctx.client();
      const errors: unknown[] = [...docErrors];
      for (const t of targets) {
        const path = resourcePath(t.info, { namespace: t.namespace, name: t.name });
        try {
          const current = await client.request<Obj>({ path });
          const map = (
            current.metadata as Record<string, Record<string, string> | undefined> | undefined
          )?.[field];
          if (f.list) {
            for (const k of Object.keys(map ?? {}).sort()) env.out(`${k}=${map?.[k] ?? ''}\n`);
            continue;
          }
          if (what === 'label') {
            for (const k of change.remove)
              if (map?.[k] === undefined) env.out(`label "${k}" not found.\n`);
          }
          const patch = metaPatch(map, change, !!f.overwrite, what);
          let obj = current;
          if (patch && dryRun !== 'client') {
            const meta: Record<string, unknown> = { [field]: patch };
            if (f.resourceVersion) meta['resourceVersion'] = f.resourceVersion;
            obj = await client.request<Obj>({
              method: 'PATCH',
              path,
              query: { dryRun: dryRun === 'server' ? 'All' : undefined },
              body: JSON.stringify({ metadata: meta }),
              contentType: 'application/merge-patch+json',
            });
          }
          if (format && format.kind !== 'table') {
            env.out(printObjects(format, [{ info: t.info, obj }], true));
          } else {
            const suffix =
              dryRun === 'client' ? ' (dry run)' : dryRun === 'server' ? ' (server dry run)' : '';
            env.out(
              `${objectName(t.info, t.name)} ${outcomeWord(what, patch, !!f.overwrite)}${suffix}\n`,
            );
          }
        } catch (e) {
          errors.push(t.source ? withSource('patching', t.source, e) : e);
        }
      }
      if (errors.length > 0) {
        env.err(errorLines(errors));
        throw new ReportedError(1);
      }
    });
}

/** registerLabel adds `tug label`. */
export function registerLabel(program: Command, env: CommandEnv): void {
  register(program, env, 'label');
}

/** registerAnnotate adds `tug annotate`. */
export function registerAnnotate(program: Command, env: CommandEnv): void {
  register(program, env, 'annotation');
}

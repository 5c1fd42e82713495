import type { ResourceInfo } from '../../controlplane/api/resources.js';
import type { CliContext } from '../context.js';
import { CliError } from '../errors.js';
import { readManifests, resolveManifest } from '../manifests/index.js';
import { fetchObjects } from './fetch.js';
import { parseResourceArgs } from './resolve.js';

/** Target is one object a command acts on, with the file it came from (for messages). */
export interface Target {
  info: ResourceInfo;
  namespace?: string;
  name: string;
  source?: string;
}

/** TargetFlags are the ways kubectl commands name objects besides positional arguments. */
export interface TargetFlags {
  filename?: string[];
  recursive?: boolean;
  selector?: string;
  fieldSelector?: string;
  all?: boolean;
  allNamespaces?: boolean;
}

/** TargetResult is the objects found plus the per-document errors of `-f`. */
export interface TargetResult {
  targets: Target[];
  errors: string[];
  /** selected tells whether a selector or --all chose the objects (for "No resources found"). */
  selected: boolean;
}

/**
 * resolveTargets turns `TYPE NAME…`, `TYPE/NAME…`, `TYPE -l SEL`,
 * `TYPE --all` or `-f FILE` into the objects a command acts on, with
 * kubectl's usage errors. Objects chosen by selector are listed first, so
 * every target has a name.
 */
export async function resolveTargets(
  ctx: CliContext,
  args: readonly string[],
  f: TargetFlags,
): Promise<TargetResult> {
  if (f.filename?.length) {
    if (args.length > 0) throw new CliError('resources cannot be given together with -f');
    const namespace = await ctx.namespace();
    const manifests = await readManifests(f.filename, !!f.recursive, ctx.io);
    const targets: Target[] = [];
    const errors: string[] = [];
    for (const m of manifests) {
      const r = resolveManifest(m, {
        namespace,
        namespaceExplicit: ctx.namespaceExplicit,
        validation: 'ignore',
      });
      if (typeof r === 'string') errors.push(`error: ${r}`);
      else
        targets.push({
          info: r.info,
          name: r.name,
          source: m.source,
          ...(r.namespace ? { namespace: r.namespace } : {}),
        });
    }
    return { targets, errors, selected: false };
  }
  if (args.length === 0) {
    throw new CliError(
      "You must provide one or more resources by argument or filename.\nExample resource specifications include:\n   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n   '<resource> <name>'\n   '<resource>'",
    );
  }
  const selections = parseResourceArgs(args);
  const named = selections.some((s) => s.names);
  const selecting = !!(f.selector || f.fieldSelector || f.all);
  if (named && selecting)
    throw new CliError('name cannot be provided when a selector is specified');
  if (!named && !selecting)
    throw new CliError('resource(s) were provided, but no name was specified');
  const namespace = f.allNamespaces ? undefined : await ctx.namespace();
  if (named) {
    const targets = selections.flatMap((s) =>
      (s.names ?? []).map((name) => ({
        info: s.info,
        name,
        ...(s.info.namespaced && namespace ? { namespace } : {}),
      })),
    );
    return { targets, errors: [], selected: false };
  }
  const client = await ctx.client();
  const targets: Target[] = [];
  for (const s of selections) {
    const r = await fetchObjects(client, s.info, {
      ...(namespace ? { namespace } : {}),
      ...(f.selector ? { labelSelector: f.selector } : {}),
      ...(f.fieldSelector ? { fieldSelector: f.fieldSelector } : {}),
    });
    for (const o of r.value) {
      const ns = o.metadata?.namespace;
      targets.push({
        info: s.info,
        name: String(o.metadata?.name ?? ''),
        ...(ns ? { namespace: ns } : {}),
      });
    }
  }
  return { targets, errors: [], selected: true };
}

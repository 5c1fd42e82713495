import type { Command } from 'commander';
import { isNotFound } from '../../controlplane/api/errors.js';
import type { DeleteOptions } from '../../controlplane/api/meta.js';
import { resourcePath, type ResourceInfo } from '../../controlplane/api/resources.js';
import type { RestClient } from '../../controlplane/client/index.js';
import { parseDuration } from '../../lib/main.js';
import type { CommandEnv } from '../command-env.js';
import { CliError, ReportedError, withSource } from '../errors.js';
import { kindName, objectName } from '../printers/objects.js';
import { fetchObjects, type Obj } from '../resources/fetch.js';
import { parseResourceArgs } from '../resources/resolve.js';
import { timeoutSignal, waitForObject } from '../resources/wait.js';
import {
  addFileFlags,
  errorLines,
  loadManifests,
  parseDryRun,
  type FileFlags,
} from './manifest-flags.js';

interface DeleteFlags extends FileFlags {
  selector?: string;
  fieldSelector?: string;
  all?: boolean;
  allNamespaces?: boolean;
  gracePeriod: string;
  now?: boolean;
  force?: boolean;
  wait?: boolean;
  timeout?: string;
  cascade: string;
  ignoreNotFound?: boolean;
  output?: string;
}

/** Target is one object to delete, with the file it came from (for messages). */
interface Target {
  info: ResourceInfo;
  namespace?: string;
  name: string;
  source?: string;
}

function propagation(cascade: string): DeleteOptions['propagationPolicy'] {
  switch (cascade) {
    case 'background':
    case 'true':
      return 'Background';
    case 'foreground':
      return 'Foreground';
    case 'orphan':
    case 'false':
      return 'Orphan';
    default:
      throw new CliError(
        `invalid cascade value (${cascade}). Must be "background", "foreground", or "orphan"`,
      );
  }
}

/** registerDelete adds `tug delete (-f FILE | TYPE [NAME…] | TYPE/NAME… | TYPE -l SEL | TYPE --all)`. */
export function registerDelete(program: Command, env: CommandEnv): void {
  addFileFlags(
    program
      .command('delete')
      .description(
        'Delete resources by file names, stdin, resources and names, or by resources and label selector',
      )
      .argument('[resources...]', 'TYPE [NAME...] or TYPE/NAME...')
      .option('-l, --selector <selector>', 'delete the objects matching this label selector')
      .option('--field-selector <selector>', 'delete the objects matching this field selector')
      .option('--all', 'delete all objects of the types given, in the namespace')
      .option('-A, --all-namespaces', 'with --all or a selector, look in every namespace')
      .option(
        '--grace-period <seconds>',
        'seconds given to the object to end gracefully; -1 uses its default',
        '-1',
      )
      .option('--now', 'signal objects to end at once (same as --grace-period=1)')
      .option(
        '--force',
        'remove at once from the API without waiting for the node (with --grace-period=0)',
      )
      .option('--wait', 'wait for objects to be gone before returning (default true)')
      .option('--no-wait', 'return as soon as the deletions were accepted')
      .option('--timeout <duration>', 'how long to wait for the deletion; 0 waits forever', '0s')
      .option('--cascade <mode>', 'background, foreground or orphan', 'background')
      .option('--ignore-not-found', 'treat "not found" as a successful delete')
      .option('-o, --output <format>', 'name: print only kind/name'),
    'delete',
  ).action(async (args: string[], f: DeleteFlags, cmd: Command) => {
    const ctx = env.context(cmd);
    const dryRun = parseDryRun(f.dryRun);
    const policy = propagation(f.cascade);
    let grace = Number(f.gracePeriod);
    if (!Number.isInteger(grace)) throw new CliError(`invalid --grace-period ${f.gracePeriod}`);
    if (f.now) grace = 1;
    if (f.force && grace < 0) grace = 0;
    if (grace === 0 && !f.force) grace = 1;
    if (f.force && grace === 0) {
      env.err(
        'Warning: Immediate deletion does not wait for confirmation that the running resource has been terminated. The resource may continue to run on the cluster indefinitely.\n',
      );
    }
    const timeoutMs = f.timeout ? parseDuration(f.timeout) : 0;
    const errors: unknown[] = [];
    const targets = await collectTargets(env, cmd, args, f, errors);
    const client = await ctx.client();
    const deleted: { t: Target; uid?: string }[] = [];
    for (const t of targets) {
      try {
        const body: DeleteOptions = {
          kind: 'DeleteOptions',
          apiVersion: 'v1',
          propagationPolicy: policy,
        };
        if (grace >= 0) body.gracePeriodSeconds = grace;
        if (dryRun !== 'none') body.dryRun = ['All'];
        const path = resourcePath(t.info, { namespace: t.namespace, name: t.name });
        let uid: string | undefined;
        if (dryRun === 'client') {
          await client.request({ path });
        } else {
          const answer = await client.request<Obj & { details?: { uid?: string } }>({
            method: 'DELETE',
            path,
            query: { dryRun: dryRun === 'server' ? 'All' : undefined },
            body,
          });
          uid = (answer?.metadata as { uid?: string } | undefined)?.uid ?? answer?.details?.uid;
        }
        const verb = f.force && grace === 0 ? 'force deleted' : 'deleted';
        const suffix =
          dryRun === 'client' ? ' (dry run)' : dryRun === 'server' ? ' (server dry run)' : '';
        env.out(
          f.output === 'name'
            ? `${objectName(t.info, t.name)}\n`
            : `${kindName(t.info)} "${t.name}" ${verb}${suffix}\n`,
        );
        deleted.push({ t, ...(uid ? { uid } : {}) });
      } catch (e) {
        if (isNotFound(e) && f.ignoreNotFound) continue;
        errors.push(t.source ? withSource('deleting', t.source, e) : e);
      }
    }
    if (f.wait !== false && dryRun === 'none') {
      await waitAllGone(client, deleted, env.io.signal, timeoutMs);
    }
    if (errors.length > 0) {
      env.err(errorLines(errors));
      throw new ReportedError(1);
    }
  });
}

async function collectTargets(
  env: CommandEnv,
  cmd: Command,
  args: string[],
  f: DeleteFlags,
  errors: unknown[],
): Promise<Target[]> {
  const ctx = env.context(cmd);
  if (f.filename?.length) {
    if (args.length > 0) throw new CliError('resources cannot be given together with -f');
    const loaded = await loadManifests(ctx, { ...f, validate: 'ignore' });
    errors.push(...loaded.errors);
    return loaded.good.map((m) => ({
      info: m.info,
      name: m.name,
      source: m.manifest.source,
      ...(m.namespace ? { namespace: m.namespace } : {}),
    }));
  }
  if (args.length === 0) {
    throw new CliError('You must provide one or more resources by argument or filename.');
  }
  const selections = parseResourceArgs(args);
  const named = selections.some((s) => s.names);
  const selecting = !!(f.selector || f.fieldSelector || f.all);
  if (named && selecting)
    throw new CliError('name cannot be provided when a selector is specified');
  if (!named && !selecting) {
    throw new CliError('resource(s) were provided, but no name was specified');
  }
  const namespace = f.allNamespaces ? undefined : await ctx.namespace();
  if (named) {
    return selections.flatMap((s) =>
      (s.names ?? []).map((name) => ({
        info: s.info,
        name,
        ...(s.info.namespaced && namespace ? { namespace } : {}),
      })),
    );
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
  if (targets.length === 0) env.out('No resources found\n');
  return targets;
}

async function waitAllGone(
  client: RestClient,
  deleted: { t: Target; uid?: string }[],
  signal: AbortSignal,
  timeoutMs: number,
): Promise<void> {
  const names = deleted.map((d) => `${kindName(d.t.info)}/${d.t.name}`).join(', ');
  const s = timeoutSignal(signal, timeoutMs, `timed out waiting for the condition on ${names}`);
  for (const d of deleted) {
    await waitForObject(
      client,
      d.t.info,
      d.t.namespace,
      d.t.name,
      (obj) => !obj || (d.uid !== undefined && obj.metadata?.['uid'] !== d.uid),
      s,
    );
  }
}

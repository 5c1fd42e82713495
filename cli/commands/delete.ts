import type { Command } from 'commander';
import { isNotFound } from '../../controlplane/api/errors.js';
import type { DeleteOptions } from '../../controlplane/api/meta.js';
import { resourcePath } from '../../controlplane/api/resources.js';
import type { RestClient } from '../../controlplane/client/index.js';
import { parseDuration } from '../../lib/main.js';
import type { CommandEnv } from '../command-env.js';
import { CliError, ReportedError, withSource } from '../errors.js';
import { kindName, objectName } from '../printers/objects.js';
import type { Obj } from '../resources/fetch.js';
import { resolveTargets, type Target } from '../resources/targets.js';
import { timeoutSignal, waitForObject } from '../resources/wait.js';
import { addFileFlags, errorLines, parseDryRun, type FileFlags } from './manifest-flags.js';

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
    const found = await resolveTargets(ctx, args, f);
    errors.push(...found.errors);
    const targets = found.targets;
    if (found.selected && targets.length === 0) env.out('No resources found\n');
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

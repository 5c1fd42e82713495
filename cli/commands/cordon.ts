import type { Command } from 'commander';
import { resolveName, resourcePath, type ResourceInfo } from '../../controlplane/api/resources.js';
import type { RestClient } from '../../controlplane/client/index.js';
import type { CommandEnv } from '../command-env.js';
import { CliError, ReportedError } from '../errors.js';
import { fetchObjects, type Obj } from '../resources/fetch.js';
import { errorLines, parseDryRun, type DryRun } from './manifest-flags.js';

/** nodes is the nodes resource. */
export function nodesInfo(): ResourceInfo {
  const r = resolveName('nodes');
  if (!r) throw new TypeError('nodes are not served');
  return r;
}

/** nodeNames resolves `NAME…` or `-l SEL` to node names (a NAME may be written node/NAME). */
export async function nodeNames(
  client: RestClient,
  args: readonly string[],
  selector?: string,
): Promise<string[]> {
  if (args.length > 0 && selector)
    throw new CliError('error: cannot specify both a node name and a --selector option');
  if (args.length > 0) {
    const names = args.map((a) => a.replace(/^(nodes?|no)\//, ''));
    // Every node must exist before any is touched, as kubectl's resource builder checks.
    for (const name of names) await client.request({ path: resourcePath(nodesInfo(), { name }) });
    return names;
  }
  if (!selector) throw new CliError('USAGE: tug cordon NODE [flags]');
  const r = await fetchObjects(client, nodesInfo(), { labelSelector: selector });
  return r.value.map((n) => String(n.metadata?.name ?? ''));
}

/**
 * setUnschedulable patches spec.unschedulable unless it already has the
 * wanted value, and prints `node/NAME cordoned|uncordoned` or kubectl's
 * `already` form.
 */
export async function setUnschedulable(
  env: CommandEnv,
  client: RestClient,
  name: string,
  unschedulable: boolean,
  dryRun: DryRun,
): Promise<void> {
  const info = nodesInfo();
  const path = resourcePath(info, { name });
  const node = await client.request<Obj>({ path });
  const now = (node['spec'] as { unschedulable?: boolean } | undefined)?.unschedulable === true;
  const word = unschedulable ? 'cordoned' : 'uncordoned';
  if (now === unschedulable) {
    env.out(`node/${name} already ${word}\n`);
    return;
  }
  if (dryRun !== 'client') {
    await client.request({
      method: 'PATCH',
      path,
      query: { dryRun: dryRun === 'server' ? 'All' : undefined },
      body: JSON.stringify({ spec: { unschedulable: unschedulable ? true : null } }),
      contentType: 'application/strategic-merge-patch+json',
    });
  }
  env.out(
    `node/${name} ${word}${dryRun === 'client' ? ' (dry run)' : dryRun === 'server' ? ' (server dry run)' : ''}\n`,
  );
}

function register(program: Command, env: CommandEnv, unschedulable: boolean): void {
  program
    .command(unschedulable ? 'cordon' : 'uncordon')
    .description(unschedulable ? 'Mark node as unschedulable' : 'Mark node as schedulable')
    .argument('[nodes...]', 'node names')
    .option('-l, --selector <selector>', 'the nodes matching this label selector')
    .option('--dry-run <mode>', 'none, client or server', 'none')
    .action(async (args: string[], f: { selector?: string; dryRun?: string }, cmd: Command) => {
      const dryRun = parseDryRun(f.dryRun);
      const client = await env.context(cmd).client();
      const errors: unknown[] = [];
      for (const name of await nodeNames(client, args, f.selector)) {
        try {
          await setUnschedulable(env, client, name, unschedulable, dryRun);
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

/** registerCordon adds `tug cordon` and `tug uncordon`. */
export function registerCordon(program: Command, env: CommandEnv): void {
  register(program, env, true);
  register(program, env, false);
}

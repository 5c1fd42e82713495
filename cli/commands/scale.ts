import type { Command } from 'commander';
import { resourcePath } from '../../controlplane/api/resources.js';
import type { StoredScale } from '../../controlplane/api/types/index.js';
import { parseDuration } from '../../lib/main.js';
import type { CommandEnv } from '../command-env.js';
import { CliError, ReportedError, withSource } from '../errors.js';
import { objectName } from '../printers/objects.js';
import { resolveTargets, type TargetFlags } from '../resources/targets.js';
import { timeoutSignal, waitForObject } from '../resources/wait.js';
import { errorLines, parseDryRun } from './manifest-flags.js';

interface ScaleFlags extends TargetFlags {
  replicas?: string;
  currentReplicas?: string;
  resourceVersion?: string;
  timeout: string;
  dryRun?: string;
  output?: string;
}

const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

/**
 * registerScale adds `tug scale (TYPE NAME | TYPE/NAME | -f FILE | TYPE -l SEL)
 * --replicas=N`: a merge patch of the `scale` subresource, with kubectl's
 * --current-replicas and --resource-version preconditions and an optional
 * wait (--timeout) for status.replicas to reach N.
 */
export function registerScale(program: Command, env: CommandEnv): void {
  program
    .command('scale')
    .description('Set a new size for a deployment or replica set')
    .argument('[resources...]', 'TYPE NAME or TYPE/NAME')
    .option('--replicas <count>', 'the new desired number of replicas')
    .option('--current-replicas <count>', 'precondition: only scale if the current size is this')
    .option(
      '--resource-version <version>',
      'precondition: only scale if the resource version matches',
    )
    .option('-f, --filename <file>', 'file naming the objects to scale', collect)
    .option('-R, --recursive', 'process folders given with -f recursively')
    .option('-l, --selector <selector>', 'scale the objects matching this label selector')
    .option('--all', 'scale every object of the types given in the namespace')
    .option(
      '--timeout <duration>',
      'wait this long for the new size to be reached; 0 does not wait',
      '0s',
    )
    .option('--dry-run <mode>', 'none, client or server', 'none')
    .option('-o, --output <format>', 'name: print only kind/name')
    .action(async (args: string[], f: ScaleFlags, cmd: Command) => {
      const replicas = f.replicas === undefined ? NaN : Number(f.replicas);
      if (!Number.isInteger(replicas) || replicas < 0) {
        throw new CliError(
          'The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0',
        );
      }
      const dryRun = parseDryRun(f.dryRun);
      const ctx = env.context(cmd);
      const { targets, errors: docErrors } = await resolveTargets(ctx, args, f);
      const client = await ctx.client();
      const errors: unknown[] = [...docErrors];
      const waitMs = parseDuration(f.timeout);
      for (const t of targets) {
        if (!t.info.subresources.some((s) => s.name === 'scale')) {
          errors.push(
            new CliError(`cannot scale ${objectName(t.info, t.name)}: it has no scale subresource`),
          );
          continue;
        }
        const path = resourcePath(t.info, {
          namespace: t.namespace,
          name: t.name,
          subresource: 'scale',
        });
        try {
          if (f.currentReplicas !== undefined || f.resourceVersion !== undefined) {
            const cur = await client.request<StoredScale>({ path });
            const have = cur.spec?.replicas ?? 0;
            if (f.currentReplicas !== undefined && Number(f.currentReplicas) !== have) {
              throw new CliError(`Expected replicas to be ${f.currentReplicas}, was ${have}`);
            }
            if (
              f.resourceVersion !== undefined &&
              f.resourceVersion !== cur.metadata.resourceVersion
            ) {
              throw new CliError(
                `Expected resource version to be ${f.resourceVersion}, was ${cur.metadata.resourceVersion}`,
              );
            }
          }
          if (dryRun !== 'client') {
            await client.request({
              method: 'PATCH',
              path,
              query: { dryRun: dryRun === 'server' ? 'All' : undefined },
              body: JSON.stringify({ spec: { replicas } }),
              contentType: 'application/merge-patch+json',
            });
          }
          const suffix =
            dryRun === 'client' ? ' (dry run)' : dryRun === 'server' ? ' (server dry run)' : '';
          env.out(
            f.output === 'name'
              ? `${objectName(t.info, t.name)}\n`
              : `${objectName(t.info, t.name)} scaled${suffix}\n`,
          );
          if (waitMs > 0 && dryRun === 'none') {
            const signal = timeoutSignal(
              env.io.signal,
              waitMs,
              'timed out waiting for the condition',
            );
            await waitForObject(
              client,
              t.info,
              t.namespace,
              t.name,
              (o) => (o?.['status'] as { replicas?: number } | undefined)?.replicas === replicas,
              signal,
            );
          }
        } catch (e) {
          errors.push(t.source ? withSource('scaling', t.source, e) : e);
        }
      }
      if (errors.length > 0) {
        env.err(errorLines(errors));
        throw new ReportedError(1);
      }
    });
}

import type { Command } from 'commander';
import { findResource } from '../../controlplane/api/resources.js';
import type { CommandEnv } from '../command-env.js';
import { CliError, ReportedError } from '../errors.js';
import { resolveTargets, type TargetFlags } from '../resources/targets.js';
import { createGenerated } from './create-helpers.js';
import { errorLines, parseDryRun } from './manifest-flags.js';

interface AutoscaleFlags extends TargetFlags {
  min: string;
  max?: string;
  cpuPercent: string;
  name?: string;
  dryRun?: string;
  output?: string;
}

/**
 * registerAutoscale adds `tug autoscale deploy/web --max=N [--min=M]
 * [--cpu-percent=P]`: creates an autoscaling/v1 HorizontalPodAutoscaler
 * named after the target, as kubectl 1.32 does.
 */
export function registerAutoscale(program: Command, env: CommandEnv): void {
  program
    .command('autoscale')
    .description('Auto-scale a deployment or replica set')
    .argument('[resources...]', 'TYPE NAME or TYPE/NAME')
    .option('-f, --filename <file>', 'file naming the objects', (v: string, p: string[] = []) => [
      ...p,
      v,
    ])
    .option('--min <n>', 'the lower limit of replicas; the server picks when unset', '-1')
    .option('--max <n>', 'the upper limit of replicas (required)')
    .option(
      '--cpu-percent <n>',
      'target average CPU utilization over the pods; the server picks when unset',
      '-1',
    )
    .option('--name <name>', 'name of the autoscaler (default: the target name)')
    .option('--dry-run <mode>', 'none, client or server', 'none')
    .option('-o, --output <format>', 'name|yaml|json')
    .action(async (args: string[], f: AutoscaleFlags, cmd: Command) => {
      const max = Number(f.max ?? 0);
      const min = Number(f.min);
      if (!Number.isInteger(max) || max < 1) {
        throw new CliError(`--max=MAXPODS is required and must be at least 1, max: ${f.max ?? 0}`);
      }
      if (min > max)
        throw new CliError(
          `--max=MAXPODS must be larger or equal to --min=MINPODS, max: ${max}, min: ${min}`,
        );
      const dryRun = parseDryRun(f.dryRun);
      const ctx = env.context(cmd);
      const { targets, errors: docErrors } = await resolveTargets(ctx, args, f);
      const client = await ctx.client();
      const hpa = findResource('autoscaling', 'v1', 'horizontalpodautoscalers');
      if (!hpa) throw new TypeError('autoscaling/v1 is not served');
      const errors: unknown[] = [...docErrors];
      for (const t of targets) {
        try {
          if (!t.info.subresources.some((s) => s.name === 'scale')) {
            throw new CliError(
              `cannot autoscale a ${t.info.kind}: ${t.info.resource} "${t.name}" has no scale subresource`,
            );
          }
          const spec: Record<string, unknown> = {
            maxReplicas: max,
            scaleTargetRef: {
              apiVersion: t.info.group ? `${t.info.group}/${t.info.version}` : t.info.version,
              kind: t.info.kind,
              name: t.name,
            },
          };
          if (min >= 0) spec['minReplicas'] = min;
          if (Number(f.cpuPercent) >= 0)
            spec['targetCPUUtilizationPercentage'] = Number(f.cpuPercent);
          const obj = {
            apiVersion: 'autoscaling/v1',
            kind: 'HorizontalPodAutoscaler',
            metadata: { name: f.name ?? t.name },
            spec,
            status: { currentReplicas: 0, desiredReplicas: 0 },
          };
          await createGenerated(env, client, hpa, t.namespace, obj, {
            dryRun,
            ...(f.output ? { output: f.output } : {}),
            verb: 'autoscaled',
            fieldManager: 'kubectl-autoscale',
          });
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

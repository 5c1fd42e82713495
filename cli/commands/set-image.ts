import type { Command } from 'commander';
import { resourcePath } from '../../controlplane/api/resources.js';
import type * as T from '../../controlplane/api/types/index.js';
import type { CommandEnv } from '../command-env.js';
import { CliError, ReportedError } from '../errors.js';
import { objectName } from '../printers/objects.js';
import type { Obj } from '../resources/fetch.js';
import { resolveTargets, type TargetFlags } from '../resources/targets.js';
import { errorLines } from './manifest-flags.js';

/**
 * imagePatch builds the strategic merge patch that sets container images
 * (`NAME=IMAGE`, `*=IMAGE` for all) in a pod spec at `prefix`; throws when
 * a named container does not exist. Returns undefined when nothing changes.
 */
export function imagePatch(
  podSpec: T.PodSpec | undefined,
  images: Record<string, string>,
): { containers: { name: string; image: string }[] } | undefined {
  const containers = podSpec?.containers ?? [];
  for (const name of Object.keys(images)) {
    if (name !== '*' && !containers.some((c) => c.name === name)) {
      throw new CliError(`unable to find container named "${name}"`);
    }
  }
  const changes = containers
    .map((c) => ({ name: c.name, image: images[c.name] ?? images['*'] ?? c.image ?? '' }))
    .filter((c, i) => c.image !== containers[i]?.image);
  return changes.length > 0 ? { containers: changes } : undefined;
}

/** registerSet adds `tug set image TYPE/NAME CONTAINER=IMAGE…`. */
export function registerSet(program: Command, env: CommandEnv): void {
  const set = program.command('set').description('Set specific features on objects');
  set
    .command('image')
    .description('Update the image of a pod template')
    .argument('<args...>', 'TYPE NAME CONTAINER=IMAGE ... or TYPE/NAME CONTAINER=IMAGE ...')
    .option('-l, --selector <selector>', 'the objects matching this label selector')
    .option('--all', 'every object of the type in the namespace')
    .action(async (args: string[], f: TargetFlags, cmd: Command) => {
      const split = args.findIndex((a) => a.includes('='));
      if (split < 0) throw new CliError('at least one image update is required');
      const images: Record<string, string> = {};
      for (const a of args.slice(split)) {
        const i = a.indexOf('=');
        if (i <= 0) throw new CliError(`invalid image update: ${a}`);
        images[a.slice(0, i)] = a.slice(i + 1);
      }
      const ctx = env.context(cmd);
      const { targets } = await resolveTargets(ctx, args.slice(0, split), f);
      const client = await ctx.client();
      const errors: unknown[] = [];
      for (const t of targets) {
        try {
          const path = resourcePath(t.info, { namespace: t.namespace, name: t.name });
          const obj = await client.request<Obj>({ path });
          const isPod = t.info.kind === 'Pod';
          const spec = isPod ? (obj as T.Pod).spec : (obj as T.Deployment).spec?.template?.spec;
          const change = imagePatch(spec, images);
          if (!change) continue;
          const body = isPod ? { spec: change } : { spec: { template: { spec: change } } };
          await client.request({
            method: 'PATCH',
            path,
            body: JSON.stringify(body),
            contentType: 'application/strategic-merge-patch+json',
          });
          env.out(`${objectName(t.info, t.name)} image updated\n`);
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

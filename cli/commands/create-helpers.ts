import { resourcePath, type ResourceInfo } from '../../controlplane/api/resources.js';
import type { RestClient } from '../../controlplane/client/index.js';
import type { CommandEnv } from '../command-env.js';
import { objectName } from '../printers/objects.js';
import { parseOutput, printObjects } from '../printers/output.js';
import type { Obj } from '../resources/fetch.js';
import type { DryRun } from './manifest-flags.js';

/**
 * createGenerated posts an object a command built (run, expose,
 * autoscale): with `--dry-run=client` it is only printed (with kubectl's
 * `creationTimestamp: null`), otherwise created, then printed as `-o` asks
 * or as `KIND/NAME VERB`.
 */
export async function createGenerated(
  env: CommandEnv,
  client: RestClient,
  info: ResourceInfo,
  namespace: string | undefined,
  obj: Obj,
  opts: { dryRun: DryRun; output?: string; verb: string; fieldManager: string },
): Promise<void> {
  const format = opts.output ? parseOutput(opts.output) : undefined;
  let result: Obj = obj;
  if (opts.dryRun === 'client') {
    result = { ...obj, metadata: { ...(obj.metadata ?? {}), creationTimestamp: null } } as Obj;
  } else {
    result = await client.request<Obj>({
      method: 'POST',
      path: resourcePath(info, { namespace: info.namespaced ? namespace : undefined }),
      query: {
        fieldManager: opts.fieldManager,
        dryRun: opts.dryRun === 'server' ? 'All' : undefined,
      },
      body: obj,
    });
  }
  if (format && format.kind !== 'table') {
    env.out(printObjects(format, [{ info, obj: result }], true));
    return;
  }
  const suffix =
    opts.dryRun === 'client' ? ' (dry run)' : opts.dryRun === 'server' ? ' (server dry run)' : '';
  env.out(`${objectName(info, String(result.metadata?.name ?? ''))} ${opts.verb}${suffix}\n`);
}

/** parseKeyValues reads `a=b,c=d` (labels, selectors) into a map; throws on a pair without `=`. */
export function parseKeyValues(text: string, what: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of text.split(',').filter((s) => s)) {
    const i = pair.indexOf('=');
    if (i <= 0) throw new Error(`invalid ${what}: ${JSON.stringify(pair)}, expected key=value`);
    out[pair.slice(0, i)] = pair.slice(i + 1);
  }
  return out;
}

import type { Command } from 'commander';
import { isNotFound, newNotFound } from '../../controlplane/api/errors.js';
import type { KubeList } from '../../controlplane/api/meta.js';
import { resourcePath, type ResourceInfo } from '../../controlplane/api/resources.js';
import type { RestClient } from '../../controlplane/client/index.js';
import type { CommandEnv } from '../command-env.js';
import { CliError, ManyErrors, ReportedError, formatError } from '../errors.js';
import type { DescribeSource } from '../describe/index.js';
import { getObject, type Obj } from '../resources/fetch.js';
import { parseResourceArgs } from '../resources/resolve.js';

/** apiSource backs describers with the API server. */
export function apiSource(client: RestClient, now: () => number): DescribeSource {
  return {
    now,
    async list(info, q) {
      const list = await client.request<KubeList<Obj>>({
        path: resourcePath(info, { namespace: info.namespaced ? q.namespace : undefined }),
        query: { labelSelector: q.labelSelector, fieldSelector: q.fieldSelector },
      });
      return list.items ?? [];
    },
    get: (info, namespace, name) => getObject(client, info, namespace, name),
  };
}

interface DescribeFlags {
  selector?: string;
  allNamespaces?: boolean;
}

/** registerDescribe adds `tug describe TYPE [NAME_PREFIX…] | TYPE/NAME… [-l SEL] [-A]`. */
export function registerDescribe(program: Command, env: CommandEnv): void {
  program
    .command('describe')
    .description('Show details of a specific resource or group of resources')
    .argument('[resources...]', 'TYPE [NAME_PREFIX...] or TYPE/NAME...')
    .option('-l, --selector <selector>', 'describe the objects matching this label selector')
    .option('-A, --all-namespaces', 'describe objects in every namespace')
    .action(async (args: string[], f: DescribeFlags, cmd: Command) => {
      if (args.length === 0) {
        throw new CliError(
          'You must specify the type of resource to describe. Use "tug api-resources" for a complete list of supported resources.',
        );
      }
      const ctx = env.context(cmd);
      const client = await ctx.client();
      const namespace = f.allNamespaces ? undefined : await ctx.namespace();
      const src = apiSource(client, () => env.io.clock.now());
      const errors: unknown[] = [];
      // Objects found by name prefix are each followed by a blank line, as
      // kubectl's DescribeMatchingResources prints them.
      const objects: { info: ResourceInfo; obj: Obj; prefixed?: boolean }[] = [];
      for (const sel of parseResourceArgs(args)) {
        if (!sel.names) {
          const items = await src.list(sel.info, {
            ...(namespace ? { namespace } : {}),
            ...(f.selector ? { labelSelector: f.selector } : {}),
          });
          for (const obj of items) objects.push({ info: sel.info, obj: withKind(obj, sel.info) });
          continue;
        }
        for (const name of sel.names) {
          const found = await findByNameOrPrefix(client, src, sel.info, namespace, name);
          if (found.length === 0) {
            errors.push(notFound(sel.info, name));
            continue;
          }
          const prefixed = found.length > 1 || found[0]?.metadata?.name !== name;
          for (const obj of found)
            objects.push({ info: sel.info, obj: withKind(obj, sel.info), prefixed });
        }
      }
      // Describers (and the defaults they use) load only when describing.
      const { describerFor } = await import('../describe/index.js');
      let first = true;
      for (const { info, obj, prefixed } of objects) {
        const text = await describerFor(info)(obj, src);
        env.out(prefixed ? `${text}\n` : first ? text : `\n\n${text}`);
        first = false;
      }
      if (objects.length === 0 && errors.length === 0) {
        env.err(
          namespace ? `No resources found in ${namespace} namespace.\n` : 'No resources found\n',
        );
      }
      if (errors.length === 1 && objects.length === 0) throw new ManyErrors(errors);
      if (errors.length > 0) {
        for (const e of errors) env.err(`${formatError(e)}\n`);
        throw new ReportedError(1);
      }
    });
}

function withKind(obj: Obj, info: ResourceInfo): Obj {
  return { ...obj, kind: obj.kind ?? info.kind };
}

function notFound(info: ResourceInfo, name: string): unknown {
  return newNotFound({ group: info.group, resource: info.resource }, name);
}

// findByNameOrPrefix reads the named object; when there is none, every
// object whose name starts with `name` (kubectl's DescribeMatchingResources).
async function findByNameOrPrefix(
  client: RestClient,
  src: DescribeSource,
  info: ResourceInfo,
  namespace: string | undefined,
  name: string,
): Promise<Obj[]> {
  try {
    const obj = await getObject(client, info, namespace, name);
    if (obj) return [obj];
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
  const all = await src.list(info, namespace ? { namespace } : {});
  return all.filter((o) => String(o.metadata?.name ?? '').startsWith(name));
}

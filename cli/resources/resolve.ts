import { resolveName, resources, type ResourceInfo } from '../../controlplane/api/resources.js';
import { CliError } from '../errors.js';

/**
 * resolveType finds the resource a person means by `pods`, `pod`, `po`,
 * `Pod`, `deployments.apps`, `deploy` …; the preferred version wins (HPAs
 * are autoscaling/v2). Throws kubectl's `the server doesn't have a resource
 * type "x"`.
 */
export function resolveType(name: string): ResourceInfo {
  const info = resolveName(name);
  if (!info) throw new CliError(`the server doesn't have a resource type "${name}"`);
  return info;
}

/** categoryMembers lists the preferred resource of each group/resource in a category (`all`). */
export function categoryMembers(category: string): ResourceInfo[] {
  const seen = new Set<string>();
  const out: ResourceInfo[] = [];
  for (const r of resources) {
    const key = `${r.group}/${r.resource}`;
    if (!r.categories.includes(category) || seen.has(key)) continue;
    seen.add(key);
    out.push(r);
  }
  return out;
}

/** expandTypes resolves `deploy,svc` or `all` to resources, keeping order and dropping repeats. */
export function expandTypes(list: string): ResourceInfo[] {
  const out: ResourceInfo[] = [];
  for (const t of list.split(',')) {
    if (t === '') continue;
    const infos = t === 'all' ? categoryMembers('all') : [resolveType(t)];
    for (const i of infos) if (!out.includes(i)) out.push(i);
  }
  if (out.length === 0) throw new CliError(`the server doesn't have a resource type "${list}"`);
  return out;
}

/** Selection is one resource and either the names asked for, or undefined for "all of them". */
export interface Selection {
  info: ResourceInfo;
  names?: string[];
}

/**
 * parseResourceArgs reads kubectl's positional forms: `TYPE[,TYPE…] [NAME…]`
 * or `TYPE/NAME …`. Consecutive TYPE/NAME pairs of one type are merged;
 * names after several types are looked up in each. A mix of both forms is
 * an error, as in kubectl.
 */
export function parseResourceArgs(args: readonly string[]): Selection[] {
  if (args.length === 0) return [];
  const slashed = args.filter((a) => a.includes('/'));
  if (slashed.length > 0) {
    if (slashed.length !== args.length) {
      throw new CliError(
        `there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'tug get resource/<resource_name>' instead of 'tug get resource resource/<resource_name>'`,
      );
    }
    const out: Selection[] = [];
    for (const a of args) {
      const i = a.indexOf('/');
      const type = a.slice(0, i);
      const name = a.slice(i + 1);
      if (!type || !name)
        throw new CliError(`arguments in resource/name form must have a single resource and name`);
      const info = resolveType(type);
      const last = out[out.length - 1];
      if (last && last.info === info) last.names?.push(name);
      else out.push({ info, names: [name] });
    }
    return out;
  }
  const [types, ...names] = args as [string, ...string[]];
  const infos = expandTypes(types);
  return infos.map((info) => (names.length > 0 ? { info, names: [...names] } : { info }));
}

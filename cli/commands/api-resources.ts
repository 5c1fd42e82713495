import type { Command } from 'commander';
import type { CommandEnv } from '../command-env.js';
import { CliError } from '../errors.js';
import { alignRows } from '../printers/tabwriter.js';

interface ApiResource {
  name: string;
  namespaced: boolean;
  kind: string;
  verbs?: string[];
  shortNames?: string[];
  categories?: string[];
}

interface Row extends ApiResource {
  group: string;
  groupVersion: string;
}

interface GroupList {
  groups: { name: string; preferredVersion?: { groupVersion: string } }[];
}

/**
 * registerApiResources adds `tug api-resources`: the server's resources from
 * its discovery documents (preferred versions, no subresources), sorted by
 * group then name as kubectl prints them.
 */
export function registerApiResources(program: Command, env: CommandEnv): void {
  program
    .command('api-resources')
    .description('Print the supported API resources on the server')
    .option('-o, --output <format>', 'wide or name')
    .option('--namespaced <bool>', 'only namespaced (true) or cluster-scoped (false) resources')
    .option('--api-group <group>', "only resources of this API group ('' for core)")
    .option('--no-headers', "don't print headers")
    .action(
      async (
        o: { output?: string; namespaced?: string; apiGroup?: string; headers: boolean },
        cmd: Command,
      ) => {
        if (o.output && o.output !== 'wide' && o.output !== 'name') {
          throw new CliError(`--output ${o.output} is not available`);
        }
        const client = await env.context(cmd).client();
        const lists: { group: string; groupVersion: string }[] = [
          { group: '', groupVersion: 'v1' },
        ];
        const groups = await client.request<GroupList>({ path: '/apis' });
        for (const g of groups.groups ?? []) {
          if (g.preferredVersion)
            lists.push({ group: g.name, groupVersion: g.preferredVersion.groupVersion });
        }
        const rows: Row[] = [];
        for (const l of lists) {
          const path = l.group ? `/apis/${l.groupVersion}` : '/api/v1';
          const list = await client.request<{ resources: ApiResource[] }>({ path });
          for (const r of list.resources ?? []) {
            if (r.name.includes('/')) continue;
            rows.push({ ...r, group: l.group, groupVersion: l.groupVersion });
          }
        }
        const filtered = rows
          .filter((r) => o.namespaced === undefined || String(r.namespaced) === o.namespaced)
          .filter((r) => o.apiGroup === undefined || r.group === o.apiGroup)
          .sort((a, b) => a.group.localeCompare(b.group) || a.name.localeCompare(b.name));
        if (o.output === 'name') {
          env.out(filtered.map((r) => `${r.group ? `${r.name}.${r.group}` : r.name}\n`).join(''));
          return;
        }
        const wide = o.output === 'wide';
        const lines: string[][] = [];
        if (o.headers) {
          lines.push([
            'NAME',
            'SHORTNAMES',
            'APIVERSION',
            'NAMESPACED',
            'KIND',
            ...(wide ? ['VERBS', 'CATEGORIES'] : []),
          ]);
        }
        for (const r of filtered) {
          lines.push([
            r.name,
            (r.shortNames ?? []).join(','),
            r.groupVersion,
            String(r.namespaced),
            r.kind,
            ...(wide
              ? [(r.verbs ?? []).slice().sort().join(','), (r.categories ?? []).join(',')]
              : []),
          ]);
        }
        env.out(alignRows(lines));
      },
    );
}

import { Quantity } from '../../controlplane/api/quantity/index.js';
import type { ResourceList } from '../../controlplane/api/types/index.js';
import { formatTabbed } from './tabwriter.js';

/**
 * `kubectl top`'s tables: usage as millicores (`250m`) and MiB (`64Mi`),
 * nodes with their share of allocatable (`12%`), aligned by a Go tab
 * writer where every cell — the last too — ends in a tab, so lines keep
 * kubectl's trailing padding. Pure functions.
 */

/** TopSort is `--sort-by`: biggest first by cpu or by memory. */
export type TopSort = 'cpu' | 'memory';

const q = (v: string | undefined): Quantity => {
  try {
    return v === undefined ? Quantity.zero() : Quantity.parse(v);
  } catch {
    return Quantity.zero();
  }
};

/** formatCpu prints a cpu quantity as kubectl top does: millicores, rounded up. */
export const formatCpu = (v: Quantity): string => `${v.milliValue()}m`;

/** formatMemory prints a memory quantity as kubectl top does: whole MiB, rounded down. */
export const formatMemory = (v: Quantity): string => `${Math.trunc(v.value() / (1024 * 1024))}Mi`;

/** Usage is one row's cpu and memory. */
interface Usage {
  cpu: Quantity;
  memory: Quantity;
}

const usageOf = (u: ResourceList | undefined): Usage => ({
  cpu: q(u?.['cpu']),
  memory: q(u?.['memory']),
});

const sum = (xs: Usage[]): Usage =>
  xs.reduce((a, b) => ({ cpu: a.cpu.add(b.cpu), memory: a.memory.add(b.memory) }), {
    cpu: Quantity.zero(),
    memory: Quantity.zero(),
  });

/** byUsage orders biggest first; ties keep their order (Array.prototype.sort is stable). */
const byUsage =
  (sortBy: TopSort) =>
  (a: Usage, b: Usage): number =>
    sortBy === 'cpu' ? b.cpu.cmp(a.cpu) : b.memory.cmp(a.memory);

const line = (cells: string[]): string => `${cells.map((c) => `${c}\t`).join('')}\n`;

/** render aligns tab-ended cells with kubectl's tab writer settings (minwidth 6, padding 3). */
const render = (text: string): string => formatTabbed(text, 6, 3);

/** PodUsage is one pod's metrics as the API gives them. */
export interface PodUsage {
  namespace: string;
  name: string;
  containers: { name: string; usage: ResourceList }[];
}

export interface PodTableOptions {
  allNamespaces?: boolean;
  containers?: boolean;
  noHeaders?: boolean;
  sortBy?: TopSort;
  sum?: boolean;
}

/**
 * podMetricsTable prints `top pod`: NAME CPU(cores) MEMORY(bytes), a
 * NAMESPACE column first with -A, one row per container (POD NAME …) with
 * --containers, biggest first with --sort-by, and a total under a rule
 * with --sum.
 */
export function podMetricsTable(pods: readonly PodUsage[], o: PodTableOptions = {}): string {
  const rows = pods.map((p) => {
    const containers = p.containers.map((c) => ({ name: c.name, ...usageOf(c.usage) }));
    return { ...p, containers, ...sum(containers) };
  });
  if (o.sortBy) {
    rows.sort(byUsage(o.sortBy));
    for (const r of rows) r.containers.sort(byUsage(o.sortBy));
  }
  let text = '';
  const lead = (r: { namespace: string }): string[] => (o.allNamespaces ? [r.namespace] : []);
  if (!o.noHeaders) {
    text += line([
      ...(o.allNamespaces ? ['NAMESPACE'] : []),
      ...(o.containers ? ['POD'] : []),
      'NAME',
      'CPU(cores)',
      'MEMORY(bytes)',
    ]);
  }
  for (const r of rows) {
    if (o.containers) {
      for (const c of r.containers) {
        text += line([...lead(r), r.name, c.name, formatCpu(c.cpu), formatMemory(c.memory)]);
      }
    } else {
      text += line([...lead(r), r.name, formatCpu(r.cpu), formatMemory(r.memory)]);
    }
  }
  if (o.sum) {
    const total = sum(rows);
    const blanks = Array<string>((o.allNamespaces ? 1 : 0) + (o.containers ? 1 : 0) + 1).fill('');
    text += line([...blanks, '________', '________']);
    text += line([...blanks, formatCpu(total.cpu), formatMemory(total.memory)]);
  }
  return render(text);
}

/** NodeUsage is one node's metrics and what its percentages are of (allocatable, or capacity). */
export interface NodeUsage {
  name: string;
  usage: ResourceList;
}

export interface NodeTableOptions {
  noHeaders?: boolean;
  sortBy?: TopSort;
}

const percent = (used: Quantity, of: string | undefined): string[] => {
  if (of === undefined) return [];
  const total = q(of).milliValue();
  return [`${total === 0 ? 0 : Math.trunc((used.milliValue() / total) * 100)}%`];
};

/**
 * nodeMetricsTable prints `top node`: NAME CPU(cores) CPU(%) MEMORY(bytes)
 * MEMORY(%), percentages of `available[node]` (left out for a resource the
 * node does not report), then a `<unknown>` row for every node in
 * `available` without metrics (sorted by name).
 */
export function nodeMetricsTable(
  nodes: readonly NodeUsage[],
  available: ReadonlyMap<string, ResourceList | undefined>,
  o: NodeTableOptions = {},
): string {
  const rows = nodes.map((n) => ({ name: n.name, ...usageOf(n.usage) }));
  if (o.sortBy) rows.sort(byUsage(o.sortBy));
  let text = o.noHeaders
    ? ''
    : line(['NAME', 'CPU(cores)', 'CPU(%)', 'MEMORY(bytes)', 'MEMORY(%)']);
  for (const r of rows) {
    const of = available.get(r.name);
    text += line([
      r.name,
      formatCpu(r.cpu),
      ...percent(r.cpu, of?.['cpu']),
      formatMemory(r.memory),
      ...percent(r.memory, of?.['memory']),
    ]);
  }
  const measured = new Set(rows.map((r) => r.name));
  const missing = [...available.keys()].filter((n) => !measured.has(n)).sort();
  for (const name of missing) text += line([name, ...Array<string>(4).fill('<unknown>')]);
  return render(text);
}

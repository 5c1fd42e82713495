import type { Command } from 'commander';
import { isNotFound, isTooManyRequests } from '../../controlplane/api/errors.js';
import { resolveName, resourcePath } from '../../controlplane/api/resources.js';
import type * as T from '../../controlplane/api/types/index.js';
import type { RestClient } from '../../controlplane/client/index.js';
import { parseDuration } from '../../lib/main.js';
import type { CommandEnv } from '../command-env.js';
import { formatError, ReportedError } from '../errors.js';
import { fetchObjects } from '../resources/fetch.js';
import { timeoutSignal, waitForObject } from '../resources/wait.js';
import { nodeNames, setUnschedulable } from './cordon.js';
import { parseDryRun, type DryRun } from './manifest-flags.js';

interface DrainFlags {
  selector?: string;
  podSelector?: string;
  force?: boolean;
  ignoreDaemonsets?: boolean;
  deleteEmptydirData?: boolean;
  gracePeriod: string;
  timeout: string;
  disableEviction?: boolean;
  dryRun?: string;
}

/** DrainPlan is what drain decided for a node's pods: which go, the warnings, the refusals. */
export interface DrainPlan {
  evict: T.Pod[];
  warnings: string[];
  fatal: string[];
}

const key = (p: T.Pod): string => `${p.metadata?.namespace ?? ''}/${p.metadata?.name ?? ''}`;

/**
 * planDrain applies kubectl's drain filters in their order — DaemonSet
 * pods (refused, or skipped with --ignore-daemonsets), mirror pods
 * (skipped), pods with emptyDir data (need --delete-emptydir-data) and pods
 * no controller manages (need --force); finished pods always go. Pure.
 */
export function planDrain(
  pods: readonly T.Pod[],
  o: { force?: boolean; ignoreDaemonsets?: boolean; deleteEmptydirData?: boolean },
): DrainPlan {
  const groups = new Map<string, string[]>();
  const add = (msg: string, p: T.Pod): void => {
    groups.set(msg, [...(groups.get(msg) ?? []), key(p)]);
  };
  const evict: T.Pod[] = [];
  const fatalMsgs = new Set<string>();
  for (const p of pods) {
    const controller = (p.metadata?.ownerReferences ?? []).find((r) => r.controller);
    const finished = p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';
    if (controller?.kind === 'DaemonSet') {
      if (o.ignoreDaemonsets) add('ignoring DaemonSet-managed Pods', p);
      else {
        add('DaemonSet-managed Pods (use --ignore-daemonsets to ignore)', p);
        fatalMsgs.add('DaemonSet-managed Pods (use --ignore-daemonsets to ignore)');
      }
      continue;
    }
    if (p.metadata?.annotations?.['kubernetes.io/config.mirror'] !== undefined) continue;
    if (!finished && (p.spec?.volumes ?? []).some((v) => v.emptyDir)) {
      if (!o.deleteEmptydirData) {
        add('Pods with local storage (use --delete-emptydir-data to override)', p);
        fatalMsgs.add('Pods with local storage (use --delete-emptydir-data to override)');
        continue;
      }
      add('deleting Pods with local storage', p);
    }
    if (!finished && !controller) {
      if (!o.force) {
        add('Pods declare no controller (use --force to override)', p);
        fatalMsgs.add('Pods declare no controller (use --force to override)');
        continue;
      }
      add('deleting Pods that declare no controller', p);
    }
    evict.push(p);
  }
  const warnings: string[] = [];
  const fatal: string[] = [];
  for (const [msg, names] of groups) {
    if (fatalMsgs.has(msg)) fatal.push(`cannot delete ${msg}: ${names.join(', ')}`);
    else warnings.push(`${msg}: ${names.join(', ')}`);
  }
  return { evict, warnings, fatal };
}

async function evictOne(
  client: RestClient,
  p: T.Pod,
  f: DrainFlags,
  grace: number,
  signal: AbortSignal,
  env: CommandEnv,
): Promise<void> {
  const ns = p.metadata?.namespace ?? '';
  const name = p.metadata?.name ?? '';
  const pods = resolveName('pods');
  if (!pods) throw new TypeError('pods are not served');
  const deleteOptions = grace >= 0 ? { gracePeriodSeconds: grace } : undefined;
  for (;;) {
    try {
      if (f.disableEviction) {
        await client.request({
          method: 'DELETE',
          path: resourcePath(pods, { namespace: ns, name }),
          body: { kind: 'DeleteOptions', apiVersion: 'v1', ...(deleteOptions ?? {}) },
        });
      } else {
        await client.request({
          method: 'POST',
          path: resourcePath(pods, { namespace: ns, name, subresource: 'eviction' }),
          body: {
            apiVersion: 'policy/v1',
            kind: 'Eviction',
            metadata: { name, namespace: ns },
            ...(deleteOptions ? { deleteOptions } : {}),
          },
        });
      }
      return;
    } catch (e) {
      if (isNotFound(e)) return;
      if (!isTooManyRequests(e)) throw e;
      env.err(
        `error when evicting pods/"${name}" -n "${ns}" (will retry after 5s): ${(e as Error).message}\n`,
      );
      await env.io.clock.sleep(5000, signal);
    }
  }
}

async function drainOne(
  env: CommandEnv,
  client: RestClient,
  node: string,
  f: DrainFlags,
  dryRun: DryRun,
): Promise<void> {
  await setUnschedulable(env, client, node, true, dryRun);
  const pods = resolveName('pods');
  if (!pods) throw new TypeError('pods are not served');
  const list = await fetchObjects(client, pods, {
    fieldSelector: `spec.nodeName=${node}`,
    ...(f.podSelector ? { labelSelector: f.podSelector } : {}),
  });
  const plan = planDrain(list.value as T.Pod[], f);
  if (plan.fatal.length > 0) {
    throw new Error(plan.fatal.length === 1 ? plan.fatal[0] : `[${plan.fatal.join(', ')}]`);
  }
  for (const w of plan.warnings) env.err(`Warning: ${w}\n`);
  const suffix =
    dryRun === 'client' ? ' (dry run)' : dryRun === 'server' ? ' (server dry run)' : '';
  const grace = Number(f.gracePeriod);
  const signal = timeoutSignal(
    env.io.signal,
    parseDuration(f.timeout),
    `global timeout reached: ${f.timeout}`,
  );
  for (const p of plan.evict) {
    env.out(`evicting pod ${key(p)}${suffix}\n`);
    if (dryRun === 'none') await evictOne(client, p, f, grace, signal, env);
  }
  if (dryRun === 'none') {
    for (const p of plan.evict) {
      await waitForObject(
        client,
        pods,
        p.metadata?.namespace,
        p.metadata?.name ?? '',
        (o) => !o || o.metadata?.['uid'] !== p.metadata?.uid,
        signal,
      );
      env.out(`pod/${p.metadata?.name ?? ''} ${f.disableEviction ? 'deleted' : 'evicted'}\n`);
    }
  }
  env.out(`node/${node} drained${suffix}\n`);
}

/**
 * registerDrain adds `tug drain NODE`: cordon, then evict every pod on the
 * node that drain may remove (kubectl's filters), wait for them to be gone,
 * and report `node/NAME drained`.
 */
export function registerDrain(program: Command, env: CommandEnv): void {
  program
    .command('drain')
    .description('Drain node in preparation for maintenance')
    .argument('[nodes...]', 'node names')
    .option('-l, --selector <selector>', 'drain the nodes matching this label selector')
    .option('--pod-selector <selector>', 'only evict pods matching this label selector')
    .option('--force', 'also delete pods that no controller manages')
    .option('--ignore-daemonsets', 'ignore DaemonSet-managed pods')
    .option('--delete-emptydir-data', 'also delete pods using emptyDir (their data is lost)')
    .option(
      '--grace-period <seconds>',
      "seconds each pod gets to stop; -1 uses the pod's own",
      '-1',
    )
    .option('--timeout <duration>', 'how long to wait before giving up; 0 waits forever', '0s')
    .option('--disable-eviction', 'delete pods instead of evicting them')
    .option('--dry-run <mode>', 'none, client or server', 'none')
    .action(async (args: string[], f: DrainFlags, cmd: Command) => {
      const dryRun = parseDryRun(f.dryRun);
      const client = await env.context(cmd).client();
      const pending: string[] = [];
      let last: unknown;
      for (const node of await nodeNames(client, args, f.selector)) {
        try {
          await drainOne(env, client, node, f, dryRun);
        } catch (e) {
          const msg = formatError(e).replace(/^error: /, '');
          env.err(
            `error: unable to drain node "${node}" due to error: ${msg}, continuing command...\n`,
          );
          pending.push(node);
          last = msg;
        }
      }
      if (pending.length > 0) {
        env.err(
          `There are pending nodes to be drained:\n${pending.map((n) => ` ${n}\n`).join('')}${String(last)}\n`,
        );
        throw new ReportedError(1);
      }
    });
}

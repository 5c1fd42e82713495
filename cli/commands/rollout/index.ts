import type { Command } from 'commander';
import { newNotFound } from '../../../controlplane/api/errors.js';
import { deepEqual, type JsonValue } from '../../../controlplane/api/patch/index.js';
import { resourcePath, type ResourceInfo } from '../../../controlplane/api/resources.js';
import type * as T from '../../../controlplane/api/types/index.js';
import type { RestClient } from '../../../controlplane/client/index.js';
import { parseDuration } from '../../../lib/main.js';
import type { CommandEnv } from '../../command-env.js';
import { podTemplate } from '../../describe/workloads.js';
import { DescribeWriter } from '../../describe/writer.js';
import { CliError, ReportedError } from '../../errors.js';
import { objectName } from '../../printers/objects.js';
import { formatTabbed } from '../../printers/tabwriter.js';
import { fetchObjects, type Obj } from '../../resources/fetch.js';
import { resolveTargets, type Target, type TargetFlags } from '../../resources/targets.js';
import { timeoutSignal, waitForObject } from '../../resources/wait.js';
import { errorLines } from '../manifest-flags.js';
import { deploymentHistory, historyTable, rollbackPatch, rollbackTarget } from './history.js';
import { deploymentStatus } from './status.js';

const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

function deploymentsOnly(
  t: Target,
  what: 'status' | 'history' | 'rollbacker' | 'restarter' | 'pauser' | 'resumer',
): void {
  if (t.info.group === 'apps' && t.info.kind === 'Deployment') return;
  const gk = t.info.group ? `${t.info.kind}.${t.info.group}` : t.info.kind;
  if (what === 'status') throw new CliError(`no status viewer has been implemented for ${gk}`);
  if (what === 'history') throw new CliError(`no history viewer has been implemented for "${gk}"`);
  throw new CliError(
    `${objectName(t.info, t.name)} ${what === 'rollbacker' ? 'rollback' : what.replace(/r$/, '')} is not supported`,
  );
}

async function getDeployment(client: RestClient, t: Target): Promise<T.Deployment & Obj> {
  return client.request<T.Deployment & Obj>({
    path: resourcePath(t.info, { namespace: t.namespace, name: t.name }),
  });
}

async function replicaSetsOf(
  client: RestClient,
  d: T.Deployment,
  rsInfo: ResourceInfo,
): Promise<T.ReplicaSet[]> {
  const r = await fetchObjects(client, rsInfo, { namespace: d.metadata?.namespace ?? '' });
  return r.value as T.ReplicaSet[];
}

function rsInfoFrom(t: Target): ResourceInfo {
  return {
    ...t.info,
    resource: 'replicasets',
    kind: 'ReplicaSet',
    singular: 'replicaset',
    listKind: 'ReplicaSetList',
  };
}

type Action = (t: Target, client: RestClient, cmd: Command) => Promise<void>;

function addTargetFlags(c: Command): Command {
  return c
    .argument('[resources...]', 'TYPE NAME or TYPE/NAME (deployments)')
    .option('-f, --filename <file>', 'file naming the objects', collect)
    .option('-R, --recursive', 'process folders given with -f recursively')
    .option('-l, --selector <selector>', 'the objects matching this label selector');
}

function runOnTargets(env: CommandEnv, action: Action) {
  return async (args: string[], f: TargetFlags, cmd: Command): Promise<void> => {
    const ctx = env.context(cmd);
    const { targets, errors: docErrors } = await resolveTargets(ctx, args, f);
    const client = await ctx.client();
    const errors: unknown[] = [...docErrors];
    for (const t of targets) {
      try {
        await action(t, client, cmd);
      } catch (e) {
        errors.push(e);
      }
    }
    if (errors.length === 1 && docErrors.length === 0) throw errors[0];
    if (errors.length > 0) {
      env.err(errorLines(errors));
      throw new ReportedError(1);
    }
  };
}

/** patchDeployment sends a patch of `type` and returns the answer. */
async function patchDeployment(
  client: RestClient,
  t: Target,
  type: string,
  body: unknown,
): Promise<Obj> {
  return client.request<Obj>({
    method: 'PATCH',
    path: resourcePath(t.info, { namespace: t.namespace, name: t.name }),
    body: JSON.stringify(body),
    contentType: type,
  });
}

/** registerRollout adds `tug rollout status|history|undo|restart|pause|resume`. */
export function registerRollout(program: Command, env: CommandEnv): void {
  const rollout = program.command('rollout').description('Manage the rollout of a deployment');

  addTargetFlags(rollout.command('status').description('Show the status of the rollout'))
    .option('-w, --watch', 'watch the status until the rollout ends (default true)')
    .option('--no-watch', 'print the status once and exit')
    .option('--revision <n>', 'pin to a specific revision', '0')
    .option('--timeout <duration>', 'how long to wait before ending watch; 0 waits forever', '0s')
    .action(
      runOnTargets(env, async (t, client, cmd) => {
        deploymentsOnly(t, 'status');
        const o = cmd.opts<{ watch?: boolean; revision: string; timeout: string }>();
        const revision = Number(o.revision);
        const first = await getDeployment(client, t);
        if (o.watch === false) {
          env.out(`${deploymentStatus(first, revision).message}\n`);
          return;
        }
        const signal = timeoutSignal(
          env.io.signal,
          parseDuration(o.timeout),
          'timed out waiting for the condition',
        );
        let last = '';
        let failure: unknown;
        await waitForObject(
          client,
          t.info,
          t.namespace,
          t.name,
          (obj) => {
            if (!obj) {
              failure = newNotFound({ group: 'apps', resource: 'deployments' }, t.name);
              return true;
            }
            try {
              const s = deploymentStatus(obj as T.Deployment, revision);
              if (s.message !== last) env.out(`${s.message}\n`);
              last = s.message;
              return s.done;
            } catch (e) {
              failure = e;
              return true;
            }
          },
          signal,
        );
        if (failure) throw failure;
      }),
    );

  addTargetFlags(rollout.command('history').description('View rollout history'))
    .option('--revision <n>', 'show the pod template of this revision', '0')
    .action(
      runOnTargets(env, async (t, client, cmd) => {
        deploymentsOnly(t, 'history');
        const revision = Number(cmd.opts<{ revision: string }>().revision);
        const d = await getDeployment(client, t);
        const h = deploymentHistory(d, await replicaSetsOf(client, d, rsInfoFrom(t)));
        // kubectl prints "KIND/NAME WITH-REVISION\nHISTORY\n".
        let info: string;
        if (revision > 0) {
          const hit = h.find((e) => e.revision === revision);
          if (!hit) throw new CliError(`unable to find the specified revision`);
          const w = new DescribeWriter();
          podTemplate(w, hit.rs.spec?.template);
          info = w.raw();
        } else if (h.length === 0) {
          info = 'No rollout history found.';
        } else {
          info = formatTabbed(
            `${historyTable(h)
              .map((r) => r.join('\t'))
              .join('\n')}\n`,
            0,
            2,
          );
        }
        const withRevision = revision > 0 ? `with revision #${revision}` : '';
        env.out(`${objectName(t.info, t.name)} ${withRevision}\n${info}\n`);
      }),
    );

  addTargetFlags(rollout.command('undo').description('Undo a previous rollout'))
    .option('--to-revision <n>', 'the revision to roll back to; 0 means the previous one', '0')
    .action(
      runOnTargets(env, async (t, client, cmd) => {
        deploymentsOnly(t, 'rollbacker');
        const to = Number(cmd.opts<{ toRevision: string }>().toRevision);
        const d = await getDeployment(client, t);
        const h = deploymentHistory(d, await replicaSetsOf(client, d, rsInfoFrom(t)));
        const rs = rollbackTarget(d, h, to);
        if (d.spec?.paused) {
          throw new CliError(
            "you cannot rollback a paused deployment; resume it first with 'tug rollout resume' and try again",
          );
        }
        const strip = (tpl: T.PodTemplateSpec | undefined): JsonValue => {
          const c = structuredClone(tpl ?? {}) as T.PodTemplateSpec;
          if (c.metadata?.labels) {
            delete c.metadata.labels['pod-template-hash'];
            if (Object.keys(c.metadata.labels).length === 0) delete c.metadata.labels;
          }
          return c as unknown as JsonValue;
        };
        if (deepEqual(strip(rs.spec?.template), strip(d.spec?.template))) {
          env.out(
            `${objectName(t.info, t.name)} skipped rollback (current template already matches revision ${to})\n`,
          );
          return;
        }
        await patchDeployment(client, t, 'application/json-patch+json', rollbackPatch(d, rs));
        env.out(`${objectName(t.info, t.name)} rolled back\n`);
      }),
    );

  addTargetFlags(rollout.command('restart').description('Restart a resource')).action(
    runOnTargets(env, async (t, client) => {
      deploymentsOnly(t, 'restarter');
      const d = await getDeployment(client, t);
      if (d.spec?.paused) {
        throw new CliError(
          `deployments.apps "${t.name}" can't restart paused deployment (run rollout resume first)`,
        );
      }
      const at = new Date(env.io.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
      await patchDeployment(client, t, 'application/strategic-merge-patch+json', {
        spec: {
          template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': at } } },
        },
      });
      env.out(`${objectName(t.info, t.name)} restarted\n`);
    }),
  );

  for (const pause of [true, false]) {
    addTargetFlags(
      rollout
        .command(pause ? 'pause' : 'resume')
        .description(pause ? 'Mark the provided resource as paused' : 'Resume a paused resource'),
    ).action(
      runOnTargets(env, async (t, client) => {
        deploymentsOnly(t, pause ? 'pauser' : 'resumer');
        const d = await getDeployment(client, t);
        if ((d.spec?.paused === true) === pause) {
          throw new CliError(
            `deployments.apps "${t.name}" is ${pause ? 'already paused' : 'not paused'}`,
          );
        }
        await patchDeployment(client, t, 'application/strategic-merge-patch+json', {
          spec: { paused: pause ? true : null },
        });
        env.out(`${objectName(t.info, t.name)} ${pause ? 'paused' : 'resumed'}\n`);
      }),
    );
  }
}

export { deploymentStatus } from './status.js';
export { deploymentHistory, rollbackPatch, rollbackTarget } from './history.js';

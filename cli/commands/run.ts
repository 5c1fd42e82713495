import type { Command } from 'commander';
import { resolveName } from '../../controlplane/api/resources.js';
import type { CommandEnv } from '../command-env.js';
import { CliError } from '../errors.js';
import type { Obj } from '../resources/fetch.js';
import { createGenerated, parseKeyValues } from './create-helpers.js';
import { parseDryRun } from './manifest-flags.js';

interface RunFlags {
  image?: string;
  port?: string;
  replicas?: string;
  labels?: string;
  env?: string[];
  command?: boolean;
  restart: string;
  imagePullPolicy?: string;
  dryRun?: string;
  output?: string;
  expose?: boolean;
}

/**
 * runObjects builds what `tug run` creates: a Pod labelled `run=NAME` as
 * kubectl run does, or — with `--replicas` — a Deployment of that pod
 * (kubectl's old run generator), plus a ClusterIP Service with `--expose`.
 */
export function runObjects(
  name: string,
  f: RunFlags,
  extra: string[],
): { kind: 'Pod' | 'Deployment'; obj: Obj; service?: Obj } {
  if (!f.image) throw new CliError('--image is required');
  const labels = f.labels ? parseKeyValues(f.labels, 'label') : { run: name };
  const container: Record<string, unknown> = { name, image: f.image };
  if (extra.length > 0) container[f.command ? 'command' : 'args'] = extra;
  const env = (f.env ?? []).map((e) => {
    const i = e.indexOf('=');
    if (i <= 0) throw new CliError(`invalid env: ${e}`);
    return { name: e.slice(0, i), value: e.slice(i + 1) };
  });
  if (env.length > 0) container['env'] = env;
  if (f.imagePullPolicy) container['imagePullPolicy'] = f.imagePullPolicy;
  const port = f.port === undefined ? undefined : Number(f.port);
  if (port !== undefined) {
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      throw new CliError(`invalid port ${f.port}`);
    container['ports'] = [{ containerPort: port }];
  }
  container['resources'] = {};
  if (!['Always', 'OnFailure', 'Never'].includes(f.restart)) {
    throw new CliError(`invalid restart policy: ${f.restart}`);
  }
  const podSpec = { containers: [container], dnsPolicy: 'ClusterFirst', restartPolicy: f.restart };
  let result: { kind: 'Pod' | 'Deployment'; obj: Obj };
  if (f.replicas !== undefined) {
    const replicas = Number(f.replicas);
    if (!Number.isInteger(replicas) || replicas < 0)
      throw new CliError(`invalid --replicas ${f.replicas}`);
    if (f.restart !== 'Always') throw new CliError('a deployment needs --restart=Always');
    result = {
      kind: 'Deployment',
      obj: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name, labels },
        spec: {
          replicas,
          selector: { matchLabels: labels },
          template: { metadata: { labels }, spec: podSpec },
        },
        status: {},
      },
    };
  } else {
    result = {
      kind: 'Pod',
      obj: { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels }, spec: podSpec, status: {} },
    };
  }
  if (!f.expose) return result;
  if (port === undefined) throw new CliError('--port must be set when exposing a service');
  return {
    ...result,
    service: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name },
      spec: { ports: [{ port, protocol: 'TCP', targetPort: port }], selector: labels },
      status: { loadBalancer: {} },
    },
  };
}

/** registerRun adds `tug run NAME --image=IMAGE [--port=P] [--replicas=N] [-- ARGS…]`. */
export function registerRun(program: Command, env: CommandEnv): void {
  program
    .command('run')
    .description('Run a particular image on the cluster')
    .argument('<name>', 'name of the pod (or deployment, with --replicas)')
    .argument('[args...]', 'arguments for the container (its command with --command)')
    .option('--image <image>', 'the image to run')
    .option('--port <port>', 'the port the container exposes')
    .option('--replicas <n>', 'create a Deployment with this many replicas instead of a Pod')
    .option('-l, --labels <labels>', 'labels to apply (default run=NAME)')
    .option(
      '--env <KEY=VALUE>',
      'environment variable; repeatable',
      (v: string, p: string[] = []) => [...p, v],
    )
    .option('--command', 'use the extra arguments as the command, not as args')
    .option('--restart <policy>', 'Always, OnFailure or Never', 'Always')
    .option('--image-pull-policy <policy>', 'Always, IfNotPresent or Never')
    .option('--expose', 'also create a ClusterIP service on --port')
    .option('--dry-run <mode>', 'none, client or server', 'none')
    .option('-o, --output <format>', 'name|yaml|json')
    .action(async (name: string, extra: string[], f: RunFlags, cmd: Command) => {
      const dryRun = parseDryRun(f.dryRun);
      const built = runObjects(name, f, extra);
      const ctx = env.context(cmd);
      const client = await ctx.client();
      const namespace = await ctx.namespace();
      const opts = {
        dryRun,
        ...(f.output ? { output: f.output } : {}),
        fieldManager: 'kubectl-run',
      };
      if (built.service) {
        const svc = resolveName('services');
        if (svc)
          await createGenerated(env, client, svc, namespace, built.service, {
            ...opts,
            verb: 'created',
          });
      }
      const info = resolveName(built.kind === 'Pod' ? 'pods' : 'deployments');
      if (!info) throw new TypeError(`${built.kind} is not served`);
      await createGenerated(env, client, info, namespace, built.obj, { ...opts, verb: 'created' });
    });
}

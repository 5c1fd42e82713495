import type { Command } from 'commander';
import { resolveName, resourcePath } from '../../controlplane/api/resources.js';
import type * as T from '../../controlplane/api/types/index.js';
import type { CommandEnv } from '../command-env.js';
import { CliError, ReportedError } from '../errors.js';
import type { Obj } from '../resources/fetch.js';
import { resolveTargets, type TargetFlags } from '../resources/targets.js';
import { createGenerated, parseKeyValues } from './create-helpers.js';
import { errorLines, parseDryRun } from './manifest-flags.js';

interface ExposeFlags extends TargetFlags {
  port?: string;
  targetPort?: string;
  protocol?: string;
  name?: string;
  type?: string;
  selector?: string;
  labels?: string;
  clusterIp?: string;
  dryRun?: string;
  output?: string;
}

interface Exposable {
  selector: Record<string, string>;
  labels: Record<string, string>;
  ports: { port: number; name?: string; protocol?: string }[];
}

/**
 * exposable reads what kubectl's expose introspects: the pods' selector
 * (deployment/replica set matchLabels, pod labels, service selector), the
 * object's labels and the ports its containers (or the service) declare.
 */
export function exposable(obj: Obj): Exposable {
  const labels = (obj.metadata as { labels?: Record<string, string> } | undefined)?.labels ?? {};
  const kind = obj.kind;
  if (kind === 'Pod') {
    const ports = ((obj as T.Pod).spec?.containers ?? []).flatMap((c) => c.ports ?? []);
    return {
      selector: labels,
      labels,
      ports: ports.map((p) => ({
        port: p.containerPort,
        ...(p.name ? { name: p.name } : {}),
        ...(p.protocol ? { protocol: p.protocol } : {}),
      })),
    };
  }
  if (kind === 'Service') {
    const spec = (obj as T.Service).spec ?? {};
    return {
      selector: spec.selector ?? {},
      labels,
      ports: (spec.ports ?? []).map((p) => ({
        port: p.port,
        ...(p.name ? { name: p.name } : {}),
        ...(p.protocol ? { protocol: p.protocol } : {}),
      })),
    };
  }
  if (kind === 'Deployment' || kind === 'ReplicaSet') {
    const spec = (obj as T.Deployment).spec;
    if (spec?.selector?.matchExpressions?.length) {
      throw new CliError(
        `couldn't retrieve selectors via --selector flag or introspection: the ${kind} has a matchExpressions selector, which cannot be converted to a service selector`,
      );
    }
    const ports = (spec?.template?.spec?.containers ?? []).flatMap((c) => c.ports ?? []);
    return {
      selector: spec?.selector?.matchLabels ?? {},
      labels,
      ports: ports.map((p) => ({
        port: p.containerPort,
        ...(p.name ? { name: p.name } : {}),
        ...(p.protocol ? { protocol: p.protocol } : {}),
      })),
    };
  }
  throw new CliError(`cannot expose a ${kind ?? 'object'}`);
}

/** serviceFor builds the Service `expose` creates, as kubectl's service generator. */
export function serviceFor(name: string, x: Exposable, f: ExposeFlags): Obj {
  const selector = f.selector ? parseKeyValues(f.selector, 'selector') : x.selector;
  if (Object.keys(selector).length === 0) {
    throw new CliError("couldn't retrieve selectors via --selector flag or introspection");
  }
  const target =
    f.targetPort === undefined
      ? undefined
      : /^\d+$/.test(f.targetPort)
        ? Number(f.targetPort)
        : f.targetPort;
  let ports: Record<string, unknown>[];
  if (f.port !== undefined) {
    const port = Number(f.port);
    if (!Number.isInteger(port)) throw new CliError(`invalid --port ${f.port}`);
    ports = [{ port, protocol: f.protocol ?? 'TCP', targetPort: target ?? port }];
  } else {
    if (x.ports.length === 0)
      throw new CliError("couldn't find port via --port flag or introspection");
    ports = x.ports.map((p, i) => ({
      ...(x.ports.length > 1 ? { name: p.name ?? `port-${i + 1}` } : {}),
      port: p.port,
      protocol: f.protocol ?? p.protocol ?? 'TCP',
      targetPort: target ?? p.port,
    }));
  }
  const spec: Record<string, unknown> = { ports, selector };
  if (f.type) spec['type'] = f.type;
  if (f.clusterIp) spec['clusterIP'] = f.clusterIp;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, labels: f.labels ? parseKeyValues(f.labels, 'label') : x.labels },
    spec,
    status: { loadBalancer: {} },
  };
}

/** registerExpose adds `tug expose (deploy|rs|pod|svc) NAME [--port] [--target-port] [--type] [--name]`. */
export function registerExpose(program: Command, env: CommandEnv): void {
  program
    .command('expose')
    .description('Take a deployment, replica set, pod or service and expose it as a new Service')
    .argument('[resources...]', 'TYPE NAME or TYPE/NAME')
    .option(
      '-f, --filename <file>',
      'file naming the object to expose',
      (v: string, p: string[] = []) => [...p, v],
    )
    .option('--port <port>', 'the port the service serves on (default: the ports of the object)')
    .option('--target-port <port>', 'port number or name on the pods to send traffic to')
    .option('--protocol <protocol>', 'TCP, UDP or SCTP')
    .option('--name <name>', 'name of the service (default: the object name)')
    .option('--type <type>', 'ClusterIP, NodePort, LoadBalancer or ExternalName')
    .option('--selector <selector>', 'pods to serve (default: from the object)')
    .option('--labels <labels>', 'labels of the service (default: those of the object)')
    .option('--cluster-ip <ip>', 'ClusterIP to ask for; None for a headless service')
    .option('--dry-run <mode>', 'none, client or server', 'none')
    .option('-o, --output <format>', 'name|yaml|json')
    .action(async (args: string[], f: ExposeFlags, cmd: Command) => {
      const dryRun = parseDryRun(f.dryRun);
      const ctx = env.context(cmd);
      const { targets, errors: docErrors } = await resolveTargets(ctx, args, {
        ...f,
        selector: undefined,
      });
      const client = await ctx.client();
      const services = resolveName('services');
      if (!services) throw new TypeError('services are not served');
      const errors: unknown[] = [...docErrors];
      for (const t of targets) {
        try {
          const obj = await client.request<Obj>({
            path: resourcePath(t.info, { namespace: t.namespace, name: t.name }),
          });
          const svc = serviceFor(
            f.name ?? t.name,
            exposable({ ...obj, kind: obj.kind ?? t.info.kind }),
            f,
          );
          await createGenerated(env, client, services, t.namespace, svc, {
            dryRun,
            ...(f.output ? { output: f.output } : {}),
            verb: 'exposed',
            fieldManager: 'kubectl-expose',
          });
        } catch (e) {
          errors.push(e);
        }
      }
      if (errors.length === 1 && docErrors.length === 0) throw errors[0];
      if (errors.length > 0) {
        env.err(errorLines(errors));
        throw new ReportedError(1);
      }
    });
}

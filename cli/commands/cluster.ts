import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Option, type Command } from 'commander';
import { repoRoot } from '../up/components.js';
import {
  applyManifests,
  CommandError,
  defaultImages,
  LocalCluster,
  userKubeconfig,
} from '../up/local-cluster.js';
import { checkPrerequisites } from '../up/prereqs.js';
import type { CommandEnv } from '../command-env.js';
import { CliError } from '../errors.js';

interface ClusterFlags {
  name: string;
  stateDir?: string;
}

function cluster(env: CommandEnv, o: ClusterFlags): LocalCluster {
  return new LocalCluster({
    name: o.name,
    stateDir: o.stateDir ?? `/var/lib/tug/${o.name}`,
    say: (line) => env.out(`  ${line}\n`),
  });
}

/** asCliError keeps a person's message (no stack) for failures meant for people. */
function asCliError(e: unknown): unknown {
  return e instanceof CommandError ? new CliError(e.message) : e;
}

/**
 * registerCluster adds `tug up`, `tug down` and `tug status`: a local
 * multi-node cluster on this machine (cli/up).
 */
export function registerCluster(program: Command, env: CommandEnv): void {
  program
    .command('up')
    .description(
      'Bring up a local cluster: etcd, the control plane, and N nodes (network namespaces) each with a shim and an agent',
    )
    .option('--name <name>', 'cluster name (clusters with different names run side by side)', 'tug')
    .option('--nodes <n>', 'number of nodes', '3')
    .addOption(
      new Option('--runtime <runtime>', 'OCI runtime').choices(['crun', 'runc']).default('crun'),
    )
    .addOption(new Option('--etcd-members <n>', 'etcd members').choices(['1', '3']).default('1'))
    .option('--state-dir <dir>', 'where the cluster keeps its state (default /var/lib/tug/NAME)')
    .option('--install', 'install missing Debian packages')
    .option('--no-demo', 'do not apply manifests/demo.yaml')
    .action(
      async (
        o: ClusterFlags & {
          nodes: string;
          runtime: 'crun' | 'runc';
          etcdMembers: string;
          install?: boolean;
          demo: boolean;
        },
      ) => {
        const nodes = Number(o.nodes);
        if (!Number.isInteger(nodes) || nodes < 1 || nodes > 20)
          throw new CliError(`--nodes must be 1..20, not "${o.nodes}"`);
        try {
          checkPrerequisites(o.runtime, !!o.install, (l) => env.out(`  ${l}\n`));
        } catch (e) {
          throw asCliError(e);
        }
        const c = cluster(env, o);
        // A cluster made before (running, or stopped by a reboot) is never torn down by a failed re-run.
        const existed = (await c.existingConfig()) !== undefined;
        env.out(`Bringing up cluster "${o.name}" (${nodes} node(s), ${o.runtime})\n`);
        let client;
        try {
          client = await c.up({
            nodes,
            runtime: o.runtime,
            etcdMembers: Number(o.etcdMembers),
            images: defaultImages(),
          });
        } catch (e) {
          const then = existed ? 'the cluster was there before: left as it is' : 'cleaning up';
          env.out(`  failed: ${(e as Error).message}\n  ${then}\n`);
          if (!existed) {
            await c
              .down(false)
              .catch((err: unknown) => env.err(`cleanup failed: ${(err as Error).message}\n`));
          }
          throw new CliError(`tug up failed: ${(e as Error).message.split('\n')[0]}`);
        }
        try {
          // The cluster is up whatever happens here: a manifest that fails is reported, not undone.
          if (o.demo) {
            const demo = join(repoRoot, 'manifests', 'demo.yaml');
            for (const line of await applyManifests(client, demo)) env.out(`  ${line}\n`);
          }
        } catch (e) {
          throw new CliError(
            `cluster "${o.name}" is up, but the demo app could not be applied: ${(e as Error).message}`,
          );
        } finally {
          client.close();
        }
        const joinCmd = await c.joinCommand();
        const user = userKubeconfig();
        await mkdir(dirname(user), { recursive: true });
        await copyFile(c.paths.adminKubeconfig, user);
        env.out(
          `\nCluster "${o.name}" is up. Kubeconfig: ${c.paths.adminKubeconfig} (copied to ${user}, which tug reads by default).\n` +
            `Try:\n  tug get nodes -o wide\n  tug get pods -o wide\n  kubectl --kubeconfig ${user} get all\n` +
            (joinCmd
              ? `To add a node from another machine (copy the CA file there first):\n  ${joinCmd}\n`
              : ''),
        );
      },
    );

  program
    .command('down')
    .description(
      'Stop a local cluster and remove everything it made (its state too, unless --keep-data)',
    )
    .option('--name <name>', 'cluster name', 'tug')
    .option('--state-dir <dir>', 'the cluster state dir (default /var/lib/tug/NAME)')
    .option('--keep-data', 'keep the state dir (etcd data, certificates)')
    .action(async (o: ClusterFlags & { keepData?: boolean }) => {
      await cluster(env, o).down(!!o.keepData);
    });

  program
    .command('status')
    .description("Show a local cluster's processes and nodes")
    .option('--name <name>', 'cluster name', 'tug')
    .option('--state-dir <dir>', 'the cluster state dir (default /var/lib/tug/NAME)')
    .action(async (o: ClusterFlags) => {
      const st = await cluster(env, o).status();
      if (st.length === 0) throw new CliError(`no cluster "${o.name}"`);
      env.out('COMPONENT              STATE\n');
      for (const s of st)
        env.out(`${s.name.padEnd(22)} ${s.pid ? `running (pid ${s.pid})` : 'stopped'}\n`);
    });
}

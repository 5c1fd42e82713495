import { Option, type Command } from 'commander';
import { JoinedNode } from '../up/join.js';
import { CommandError, defaultImages } from '../up/local-cluster.js';
import { checkPrerequisites } from '../up/prereqs.js';
import type { CommandEnv } from '../command-env.js';
import { CliError } from '../errors.js';

interface JoinFlags {
  server?: string;
  token?: string;
  certificateAuthority: string;
  clusterCidr: string;
  nodeName: string;
  nodeIp?: string;
  runtime: 'crun' | 'runc';
  stateDir?: string;
  images: boolean;
}

const stateDirOf = (name: string, dir?: string): string => dir ?? `/var/lib/tug/join-${name}`;

/**
 * registerJoin adds `tug join` (run a shim and an agent here, as a node of an
 * existing cluster, authenticated by its join token) and `tug leave`.
 */
export function registerJoin(program: Command, env: CommandEnv): void {
  const say = (l: string): void => env.out(`  ${l}\n`);
  program
    .command('join')
    .description(
      'Join this machine to a cluster as a node (the command to run is printed by tug up)',
    )
    .requiredOption(
      '--certificate-authority <file>',
      "the cluster's CA certificate (copied from the control plane)",
    )
    .requiredOption('--cluster-cidr <cidr>', "the cluster's pod network")
    .requiredOption('--node-name <name>', "this node's name")
    .option('--node-ip <ip>', "this node's address (default: its first IPv4 address)")
    .addOption(
      new Option('--runtime <runtime>', 'OCI runtime').choices(['crun', 'runc']).default('crun'),
    )
    .option('--state-dir <dir>', 'where this node keeps its state (default /var/lib/tug/join-NODE)')
    .option('--no-images', 'do not import the built-in images')
    // --server and --token are tug's global flags (as kubectl's): read them from there.
    .action(async (_o: JoinFlags, cmd: Command) => {
      const o = cmd.optsWithGlobals<JoinFlags>();
      if (!o.server || !o.token)
        throw new CliError('tug join needs --server URL and --token TOKEN');
      try {
        checkPrerequisites(o.runtime, false, say);
        const node = new JoinedNode(stateDirOf(o.nodeName, o.stateDir), say);
        await node.join({
          server: o.server,
          token: o.token,
          caFile: o.certificateAuthority,
          clusterCidr: o.clusterCidr,
          nodeName: o.nodeName,
          runtime: o.runtime,
          ...(o.nodeIp ? { nodeIp: o.nodeIp } : {}),
          images: o.images ? defaultImages() : [],
        });
      } catch (e) {
        throw e instanceof CommandError ? new CliError(e.message) : e;
      }
    });
  program
    .command('leave')
    .description('Remove this joined node: its pods, processes, Node object and state')
    .requiredOption('--node-name <name>', "this node's name")
    .option('--state-dir <dir>', "the node's state dir (default /var/lib/tug/join-NODE)")
    .action(async (o: { nodeName: string; stateDir?: string }) => {
      await new JoinedNode(stateDirOf(o.nodeName, o.stateDir), say).leave();
    });
}

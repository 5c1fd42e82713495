import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Command, Option } from 'commander';
import { runMain } from '../../lib/main.js';
import { repoRoot } from './components.js';
import { defaultImages, LocalCluster, userKubeconfig } from './local-cluster.js';
import { checkPrerequisites } from './prereqs.js';

const say = (l: string): void => console.log(`  ${l}`);

function cluster(o: { name: string; stateDir?: string }): LocalCluster {
  return new LocalCluster({ name: o.name, stateDir: o.stateDir ?? `/var/lib/tug/${o.name}`, say });
}

const program = new Command()
  .name('tug-local')
  .description(
    'Run a local multi-node Tugboat cluster (the commands behind `tug up`, `tug down`, `tug status`).',
  );

program
  .command('up')
  .description(
    'bring up a cluster: etcd, the control plane, and N node hosts (network namespaces) each with a shim and an agent',
  )
  .option('--name <name>', 'cluster name (several can run side by side)', 'tug')
  .option('--nodes <n>', 'number of nodes', '3')
  .addOption(
    new Option('--runtime <runtime>', 'OCI runtime').choices(['crun', 'runc']).default('crun'),
  )
  .option('--state-dir <dir>', 'where the cluster keeps its state (default /var/lib/tug/NAME)')
  .option('--install', 'install missing Debian packages')
  .option('--no-demo', 'do not apply manifests/demo.yaml')
  .action(
    async (o: {
      name: string;
      nodes: string;
      runtime: 'crun' | 'runc';
      stateDir?: string;
      install?: boolean;
      demo: boolean;
    }) => {
      const nodes = Number(o.nodes);
      if (!Number.isInteger(nodes) || nodes < 1 || nodes > 20)
        throw new Error(`--nodes must be 1..20, not "${o.nodes}"`);
      checkPrerequisites(o.runtime, !!o.install, say);
      const c = cluster(o);
      let client;
      try {
        client = await c.up({
          nodes,
          runtime: o.runtime,
          images: defaultImages(),
          manifests: o.demo ? [join(repoRoot, 'manifests', 'demo.yaml')] : [],
        });
      } catch (e) {
        say(`failed: ${(e as Error).message}`);
        say('cleaning up');
        await c
          .down(false)
          .catch((err: unknown) => say(`cleanup failed: ${(err as Error).message}`));
        throw new Error(`tug up failed`);
      }
      client.close();
      const user = userKubeconfig();
      await mkdir(dirname(user), { recursive: true });
      await copyFile(c.paths.adminKubeconfig, user);
      console.log(
        `\nCluster "${o.name}" is up. Its kubeconfig: ${c.paths.adminKubeconfig} (copied to ${user}).`,
      );
      console.log(
        `Try:\n  kubectl --kubeconfig ${user} get nodes\n  kubectl --kubeconfig ${user} get pods -o wide`,
      );
    },
  );

program
  .command('down')
  .description('stop the cluster and remove everything it made (state too, unless --keep-data)')
  .option('--name <name>', 'cluster name', 'tug')
  .option('--state-dir <dir>', 'the cluster state dir (default /var/lib/tug/NAME)')
  .option('--keep-data', 'keep the state dir (etcd data, certificates)')
  .action(async (o: { name: string; stateDir?: string; keepData?: boolean }) => {
    await cluster(o).down(!!o.keepData);
  });

program
  .command('status')
  .description("show the cluster's processes")
  .option('--name <name>', 'cluster name', 'tug')
  .option('--state-dir <dir>', 'the cluster state dir (default /var/lib/tug/NAME)')
  .action(async (o: { name: string; stateDir?: string }) => {
    const st = await cluster(o).status();
    if (st.length === 0) console.log(`no cluster "${o.name}"`);
    for (const s of st)
      console.log(`${s.name.padEnd(22)} ${s.pid ? `running (pid ${s.pid})` : 'stopped'}`);
  });

runMain('tug-local', async () => {
  await program.parseAsync();
});

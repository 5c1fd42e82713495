import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { runMain } from '../../lib/main.js';
import { applyManifests, LocalCluster } from './local-cluster.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

const program = new Command()
  .name('tug-local')
  .description('Bring a local Tugboat control plane up or down (grows into `tug up` / `tug down`).')
  .option('--name <name>', 'cluster name', 'tug')
  .option('--state-dir <dir>', 'where the cluster keeps its state (default /var/lib/tug/NAME)');

const cluster = (): LocalCluster => {
  const o = program.opts<{ name: string; stateDir?: string }>();
  return new LocalCluster({
    name: o.name,
    stateDir: o.stateDir ?? `/var/lib/tug/${o.name}`,
    say: (l) => console.log(`  ${l}`),
  });
};

runMain('tug-local', async () => {
  program
    .command('up')
    .description('start etcd and the API server, write a kubeconfig, apply the demo manifests')
    .option('--no-demo', 'do not apply manifests/demo.yaml')
    .action(async (o: { demo: boolean }) => {
      const c = cluster();
      const client = await c.up();
      try {
        if (o.demo)
          for (const line of await applyManifests(client, join(repoRoot, 'manifests/demo.yaml')))
            console.log(`  ${line}`);
      } finally {
        client.close();
      }
      console.log(`\nKubeconfig: ${c.kubeconfigPath} (also ~/.tug/kubeconfig)`);
      console.log(`Try: kubectl --kubeconfig ${c.kubeconfigPath} get deployments`);
    });
  program
    .command('down')
    .description('stop every process of the cluster')
    .action(async () => {
      await cluster().down();
    });
  program
    .command('status')
    .description('show which components run')
    .action(async () => {
      for (const s of await cluster().status())
        console.log(`${s.component.padEnd(12)} ${s.pid ? `running (pid ${s.pid})` : 'stopped'}`);
    });
  await program.parseAsync();
});

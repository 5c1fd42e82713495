import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './components.js';
import { CommandError } from './local-cluster.js';

const needed: [string, string][] = [
  ['etcd', 'etcd-server'],
  ['conmon', 'conmon'],
  ['nsenter', 'util-linux'],
  ['ip', 'iproute2'],
  ['iptables', 'iptables'],
  ['openssl', 'openssl'],
  ['busybox', 'busybox-static'],
];

function has(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/**
 * checkPrerequisites makes sure `tug up` can work here: root, and the Debian
 * packages it runs. With `install`, missing packages are installed (by
 * scripts/install-deps.sh); without, the command to run is printed.
 */
export function checkPrerequisites(
  runtime: string,
  install: boolean,
  say: (l: string) => void,
): void {
  if (process.getuid?.() !== 0) {
    throw new CommandError(
      'tug up needs root (it makes network namespaces, mounts and containers): run it as root',
    );
  }
  const missing = [...needed, [runtime, runtime] as [string, string]].filter(([cmd]) => !has(cmd));
  if (!existsSync('/usr/lib/cni/bridge'))
    missing.push(['/usr/lib/cni/bridge', 'containernetworking-plugins']);
  if (missing.length === 0) return;
  const script = join(repoRoot, 'scripts', 'install-deps.sh');
  if (!install) {
    throw new CommandError(
      `missing: ${missing.map(([c, p]) => `${c} (package ${p})`).join(', ')}\ninstall them with: bash ${script}   (or run tug up --install)`,
    );
  }
  say(`installing ${missing.map(([, p]) => p).join(' ')}`);
  const r = spawnSync('bash', [script], { stdio: 'inherit' });
  if (r.status !== 0) throw new CommandError(`${script} failed (exit ${r.status})`);
}

import { Readable } from 'node:stream';
import type { Command } from 'commander';
import { imageCommand, type ImageNode } from '../image/index.js';
import type { CliIo } from '../io.js';
import { Paths } from '../up/components.js';
import { LocalCluster } from '../up/local-cluster.js';
import type { CommandEnv } from '../command-env.js';

/**
 * registerImage lists `tug image` in the help. The command itself is run by
 * `runImage` before commander sees the arguments (cli.ts), because its
 * subcommands have flags of their own (`build -t … -f …`) that must reach
 * cli/image untouched.
 */
export function registerImage(program: Command, _env: CommandEnv): void {
  program
    .command('image')
    .description(
      'Build images from a Dockerfile, import image archives, list and remove images: tug image [--cluster NAME] build|import|ls|rm …',
    );
}

/**
 * runImage runs `tug image [--cluster NAME] [--state-dir DIR] ARGS…` against a
 * local cluster: the builder's store lives in the cluster's state dir and
 * every image goes to each node's shim. Resolves with the exit code.
 */
export async function runImage(argv: readonly string[], io: CliIo): Promise<number> {
  const args = [...argv];
  let name = 'tug';
  let stateDir: string | undefined;
  while (args[0]?.startsWith('--cluster') || args[0]?.startsWith('--state-dir')) {
    const flag = args.shift()!;
    const [key, inline] = flag.split('=', 2);
    const value = inline ?? args.shift();
    if (!value) {
      io.stderr.write(`error: ${key} needs a value\n`);
      return 1;
    }
    if (key === '--cluster') name = value;
    else stateDir = value;
  }
  const dir = stateDir ?? `/var/lib/tug/${name}`;
  const cfg = await new LocalCluster({ name, stateDir: dir, say: () => {} }).existingConfig();
  if (!cfg) {
    io.stderr.write(
      `error: no local cluster "${name}" at ${dir}: run tug up first (or give --cluster NAME)\n`,
    );
    return 1;
  }
  const paths = new Paths(dir);
  const nodes: ImageNode[] = cfg.nodes.map((n) => ({
    name: n,
    address: `unix://${paths.shimSocket(n)}`,
  }));
  return imageCommand(
    args.length ? args : ['--help'],
    {
      stdout: io.stdout,
      stderr: io.stderr,
      signal: io.signal,
      stdin: Readable.from(io.stdin),
      cwd: io.cwd,
    },
    { stateDir: dir, nodes },
  );
}

import { Command, Option } from 'commander';
import { CommandEnv } from './command-env.js';
import { registerCommands } from './commands/index.js';

/** cliVersion is the version `tug version` reports for the client. */
export const cliVersion = 'v0.1.0';

/**
 * buildProgram makes the commander tree of `tug`: kubectl's global flags on
 * the root, one subcommand per verb. Output goes through `env.io`; errors
 * throw instead of exiting (main turns them into exit codes). A fresh tree
 * per invocation: commander keeps parse state in it.
 */
export function buildProgram(env: CommandEnv): Command {
  const program = new Command()
    .name('tug')
    .description('tug controls a Tugboat cluster, the way kubectl controls Kubernetes.')
    .configureOutput({
      writeOut: (s) => env.out(s),
      writeErr: (s) => env.err(s),
      outputError: (s, write) => write(s),
    })
    .exitOverride()
    .showSuggestionAfterError()
    .helpCommand(false)
    .option('--kubeconfig <file>', 'path to the kubeconfig file to use')
    .option('--context <name>', 'the kubeconfig context to use')
    .option('-n, --namespace <namespace>', 'the namespace scope for this request')
    .addOption(new Option('-s, --server <url>', 'the address of the API server'))
    .addOption(new Option('--token <token>', 'bearer token for authentication to the API server'))
    .addOption(
      new Option('--insecure-skip-tls-verify', "don't check the server's certificate (insecure)"),
    )
    .option(
      '--request-timeout <duration>',
      'how long to wait for a single server request (e.g. 1s, 2m); 0 waits forever',
    );
  registerCommands(program, env);
  return program;
}

/** booleanFlags lists every boolean long flag of the tree, and which of them have a `--no-` form. */
export function booleanFlags(program: Command): { all: Set<string>; negatable: Set<string> } {
  const all = new Set<string>();
  const negatable = new Set<string>();
  const walk = (c: Command): void => {
    for (const o of c.options) {
      const long = o.long?.replace(/^--/, '');
      if (!long || o.required || o.optional) continue;
      if (o.negate) negatable.add(long.replace(/^no-/, ''));
      else all.add(long);
    }
    c.commands.forEach(walk);
  };
  walk(program);
  for (const n of negatable) all.add(n);
  return { all, negatable };
}

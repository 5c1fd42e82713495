import type { Command } from 'commander';
import { parseDuration } from '../../lib/main.js';
import type { CommandEnv } from '../command-env.js';
import { CliError, ReportedError } from '../errors.js';
import {
  defaultContainer,
  execInPod,
  firstPod,
  getObject,
  isPods,
  mostActive,
  parseObjectRef,
  selectorOf,
  type PodLike,
} from '../remote/index.js';

interface ExecFlags {
  container?: string;
  stdin?: boolean;
  tty?: boolean;
  quiet?: boolean;
  podRunningTimeout: string;
}

/** ExecArgs are `tug exec`'s positional arguments, split at `--`. */
export interface ExecArgs {
  /** target is `POD` or `TYPE/NAME`. */
  target: string;
  command: string[];
}

const help = "See 'tug exec -h' for help and examples";

/**
 * parseExecArgs splits `tug exec`'s operands as kubectl does, given how
 * many came before `--` (`atDash`, -1 when there was no `--`): the first
 * is the pod, those after `--` the command. `tug exec POD CMD` without
 * `--` is refused, as kubectl 1.32 refuses it.
 */
export function parseExecArgs(operands: readonly string[], atDash: number): ExecArgs {
  let target = '';
  let command: string[] = [];
  if (operands.length > 0 && atDash !== 0) target = operands[0]!;
  if (atDash > -1) command = operands.slice(atDash);
  else if (operands.length > 1) {
    throw new CliError(
      `exec [POD] [COMMAND] is not supported anymore. Use exec [POD] -- [COMMAND] instead\n${help}`,
    );
  }
  if (!target) throw new CliError('pod, type/name or --filename must be specified');
  if (command.length === 0)
    throw new CliError('you must specify at least one command for the container');
  return { target, command };
}

/**
 * operandsBeforeDash counts the operands that came before `--` in this
 * invocation, or -1 without one. Commander drops the `--` itself, so it is
 * found in the raw arguments the program was parsed from (after the last
 * `exec`-level arguments, everything following `--` is command).
 */
function operandsBeforeDash(cmd: Command, operands: readonly string[]): number {
  let root: Command = cmd;
  while (root.parent) root = root.parent;
  // rawArgs is commander's record of the argv it parsed; it is not in its typings.
  const raw = (root as unknown as { rawArgs?: unknown }).rawArgs;
  if (!Array.isArray(raw)) return -1;
  const dash = raw.indexOf('--');
  if (dash < 0) return -1;
  return Math.max(0, operands.length - (raw.length - dash - 1));
}

/**
 * registerExec adds `tug exec (POD | TYPE/NAME) [-c CONTAINER] [-i] -- CMD
 * [ARGS…]`: the command runs in the container through the API server's
 * exec WebSocket; its stdout and stderr come back as they are written,
 * stdin goes to it with -i, and `tug` exits with its exit code (printing
 * kubectl's `command terminated with exit code N`). -t is refused: the
 * runtime has no TTYs yet.
 */
export function registerExec(program: Command, env: CommandEnv): void {
  program
    .command('exec')
    .description('Execute a command in a container')
    .argument('[args...]', 'POD or TYPE/NAME, then -- and the command with its arguments')
    .option('-c, --container <name>', "the container (default: the pod's default or only one)")
    .option('-i, --stdin', 'pass stdin to the container')
    .option('-t, --tty', 'allocate a TTY (not supported yet)')
    .option('-q, --quiet', 'print only what the remote command prints')
    .option(
      '--pod-running-timeout <duration>',
      'how long to wait for a pod of TYPE/NAME to exist',
      '1m0s',
    )
    .action(async (operands: string[], f: ExecFlags, cmd: Command) => {
      const { target, command } = parseExecArgs(operands, operandsBeforeDash(cmd, operands));
      if (f.tty) {
        throw new CliError(
          "-t/--tty is not supported: Tugboat's container runtime has no TTYs yet; run without -t (-i alone passes stdin)",
        );
      }
      const ctx = env.context(cmd);
      const client = await ctx.client();
      const namespace = await ctx.namespace();
      const signal = env.io.signal;
      const ref = parseObjectRef(target);
      let pod: PodLike;
      if (isPods(ref.info)) {
        pod = (await getObject(client, ref.info, namespace, ref.name, signal)) as PodLike;
      } else {
        const selector = await selectorOf(client, ref, namespace, 'cannot attach to');
        let timeoutMs: number;
        try {
          timeoutMs = parseDuration(f.podRunningTimeout);
        } catch (e) {
          throw new CliError((e as Error).message);
        }
        pod = (await firstPod(client, namespace, selector, mostActive, timeoutMs, signal)).pod;
      }
      const phase = pod.status?.phase;
      if (phase === 'Succeeded' || phase === 'Failed') {
        throw new CliError(
          `cannot exec into a container in a completed pod; current phase is ${phase}`,
        );
      }
      let container = f.container;
      if (!container) {
        const d = defaultContainer(pod);
        if (d.notice && !f.quiet) env.err(`${d.notice}\n`);
        container = d.name;
      }
      const outcome = await execInPod(client.config, {
        namespace: pod.metadata.namespace ?? namespace,
        pod: pod.metadata.name,
        container,
        command,
        ...(f.stdin ? { stdin: env.io.stdin } : {}),
        stdout: env.io.stdout,
        stderr: env.io.stderr,
        signal,
      });
      if (outcome.kind === 'failed') throw new CliError(outcome.message);
      if (outcome.code !== 0) {
        env.err(`command terminated with exit code ${outcome.code}\n`);
        throw new ReportedError(outcome.code);
      }
    });
}

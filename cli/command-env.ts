import type { Command } from 'commander';
import { CliContext, type GlobalFlags } from './context.js';
import type { CliIo } from './io.js';

/**
 * CommandEnv is what every command's registration receives: the process
 * I/O and a way to get the CliContext for the global flags of the command
 * being run (one per invocation, closed by main).
 */
export class CommandEnv {
  private ctx: CliContext | undefined;

  constructor(readonly io: CliIo) {}

  /** context returns the CliContext built from `cmd`'s global flags. */
  context(cmd: Command): CliContext {
    if (!this.ctx) {
      const o = cmd.optsWithGlobals<GlobalFlags>();
      const flags: GlobalFlags = {};
      if (o.kubeconfig) flags.kubeconfig = o.kubeconfig;
      if (o.context) flags.context = o.context;
      if (o.namespace) flags.namespace = o.namespace;
      if (o.server) flags.server = o.server;
      if (o.token) flags.token = o.token;
      if (o.insecureSkipTlsVerify) flags.insecureSkipTlsVerify = true;
      if (o.requestTimeout) flags.requestTimeout = o.requestTimeout;
      this.ctx = new CliContext(this.io, flags);
    }
    return this.ctx;
  }

  /** out writes to stdout. */
  out(text: string): void {
    this.io.stdout.write(text);
  }

  /** err writes to stderr. */
  err(text: string): void {
    this.io.stderr.write(text);
  }

  /** close releases the context's client. Idempotent. */
  async close(): Promise<void> {
    await this.ctx?.close();
  }
}
